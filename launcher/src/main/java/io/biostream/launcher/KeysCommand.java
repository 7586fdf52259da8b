package io.biostream.launcher;

import io.biostream.operators.config.Settings;
import io.biostream.operators.config.Topics;
import io.biostream.operators.crypto.CryptoConfig;
import io.biostream.operators.crypto.KeyEncryptionKey;
import io.biostream.operators.identity.ControlSigningKeys;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code biostream keys control-signing init|add-key|promote --dir=DIR} with the KEK settings
 * ({@code --biostream.crypto.kek-uri=...}, a local keyset's master secret from
 * {@code --biostream.crypto.master-secret-file} or {@code BIOSTREAM_MASTER_SECRET}): writes the
 * control signing keyset, sealed under the KEK, and its public half into DIR, for a deployment
 * that is not local mode (which makes its own): put both in the Secret the chart names.
 */
final class KeysCommand {
    static final String USAGE = """
            usage: biostream keys control-signing init|add-key|promote --dir=DIR --biostream.crypto.kek-uri=URI
              init     a new keyset (DIR/%s, sealed under the KEK) and its public half (DIR/%s)
              add-key  rotation, step 1: add a key that does not sign yet; give the new public file to the job
              promote  rotation, step 2: the newest key signs from the API's next start
            """.formatted(ControlSigningKeys.SIGNING_FILE, ControlSigningKeys.VERIFY_FILE);

    private KeysCommand() {}

    static int run(List<String> args, Settings settings, PrintStream out, PrintStream err) throws Exception {
        List<String> words = args.stream().filter(a -> !a.startsWith("--")).toList();
        String dir = settings.get("dir", null);
        if (words.size() != 2 || !words.get(0).equals("control-signing") || dir == null) {
            err.print(USAGE);
            return 2;
        }
        Path keysDir = Path.of(dir);
        // Only the KEK is resolved here: no key store is opened, so Kafka is not needed.
        KeyEncryptionKey kek = CryptoConfig.from(settings, settings.get("biostream.kafka.bootstrap-servers", "unused:9092"),
                Topics.from(settings).keys()).kek();
        switch (words.get(1)) {
            case "init" -> {
                if (java.nio.file.Files.exists(keysDir.resolve(ControlSigningKeys.SIGNING_FILE))) {
                    err.println("biostream keys: " + keysDir.resolve(ControlSigningKeys.SIGNING_FILE)
                            + " exists; use add-key and promote to rotate it");
                    return 1;
                }
                ControlSigningKeys.prepare(keysDir, kek);
                out.println("wrote " + keysDir.resolve(ControlSigningKeys.SIGNING_FILE) + " (sealed under " + kek.uri() + ", mode 600) and "
                        + keysDir.resolve(ControlSigningKeys.VERIFY_FILE));
            }
            case "add-key" -> out.println("the keyset holds " + ControlSigningKeys.addKey(keysDir, kek)
                    + " keys; give " + keysDir.resolve(ControlSigningKeys.VERIFY_FILE) + " to the job, then promote");
            case "promote" -> out.println("the newest of " + ControlSigningKeys.promoteNewest(keysDir, kek)
                    + " keys signs from the API's next start");
            default -> {
                err.print(USAGE);
                return 2;
            }
        }
        return 0;
    }
}
