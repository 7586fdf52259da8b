package io.biostream.launcher;

import io.biostream.operators.config.CameraIds;
import io.biostream.operators.config.Settings;
import io.biostream.operators.config.Topics;
import io.biostream.operators.crypto.CameraAuthConfig;
import io.biostream.operators.crypto.CameraKey;
import io.biostream.operators.crypto.CameraMaster;
import io.biostream.operators.crypto.CryptoConfig;
import io.biostream.operators.crypto.KeyEncryptionKey;
import io.biostream.operators.identity.ControlSigningKeys;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code biostream keys control-signing init|add-key|promote --dir=DIR} with the KEK settings
 * ({@code --biostream.crypto.kek-uri=...}, a local keyset's master secret from
 * {@code --biostream.crypto.master-secret-file} or {@code BIOSTREAM_MASTER_SECRET}): writes the
 * control signing keyset, sealed under the KEK, and its public half into DIR, for a deployment
 * that is not local mode (which makes its own): put both in the Secret the chart names.
 * {@code biostream keys camera init|issue|rotate|retire --dir=DIR}: the camera master the job
 * authenticates frames with (sealed under the KEK), and each camera's derived key.
 */
final class KeysCommand {
    static final String USAGE = """
            usage: biostream keys control-signing init|add-key|promote --dir=DIR --biostream.crypto.kek-uri=URI
              init     a new keyset (DIR/%s, sealed under the KEK) and its public half (DIR/%s)
              add-key  rotation, step 1: add a key that does not sign yet; give the new public file to the job
              promote  rotation, step 2: the newest key signs from the API's next start
            usage: biostream keys camera init|issue|rotate|retire --dir=DIR [--camera-id=ID [--out=FILE]] --biostream.crypto.kek-uri=URI
              init     a new camera master (DIR/%s, sealed under the KEK): the job's %s
              issue    the frame-authentication key of camera ID under the master's newest version, into
                       FILE (default DIR/cameras/ID.key, mode 600): install it on that camera only
              rotate   add a master version that new issues use; keys of older versions still verify
              retire   drop every version but the newest: keys issued before the last rotate stop verifying
            """.formatted(ControlSigningKeys.SIGNING_FILE, ControlSigningKeys.VERIFY_FILE, CameraMaster.FILE, CameraAuthConfig.MASTER_FILE);

    private KeysCommand() {}

    static int run(List<String> args, Settings settings, PrintStream out, PrintStream err) throws Exception {
        List<String> words = args.stream().filter(a -> !a.startsWith("--")).toList();
        String dir = settings.get("dir", null);
        if (words.size() != 2 || !List.of("control-signing", "camera").contains(words.get(0)) || dir == null) {
            err.print(USAGE);
            return 2;
        }
        Path keysDir = Path.of(dir);
        // Only the KEK is resolved here: no key store is opened, so Kafka is not needed.
        KeyEncryptionKey kek = CryptoConfig.from(settings, settings.get("biostream.kafka.bootstrap-servers", "unused:9092"),
                Topics.from(settings).keys()).kek();
        if (words.get(0).equals("camera")) {
            return camera(words.get(1), keysDir, kek, settings, out, err);
        }
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

    private static int camera(String step, Path keysDir, KeyEncryptionKey kek, Settings settings, PrintStream out, PrintStream err)
            throws Exception {
        Path file = keysDir.resolve(CameraMaster.FILE);
        if (step.equals("init")) {
            if (Files.exists(file)) {
                err.println("biostream keys: " + file + " exists; use rotate (and retire) to replace it");
                return 1;
            }
            CameraMaster.generate().write(file, kek);
            out.println("wrote " + file + " (sealed under " + kek.uri() + ", mode 600): give it to the job as " + CameraAuthConfig.MASTER_FILE);
            return 0;
        }
        if (!List.of("issue", "rotate", "retire").contains(step)) {
            err.print(USAGE);
            return 2;
        }
        if (!Files.isRegularFile(file)) {
            err.println("biostream keys: no camera master at " + file + "; run keys camera init first");
            return 1;
        }
        CameraMaster master = CameraMaster.read(file, kek);
        switch (step) {
            case "issue" -> {
                String cameraId = settings.get("camera-id", null);
                if (!CameraIds.isValid(cameraId)) {
                    err.println("biostream keys: camera issue needs --camera-id=ID (" + CameraIds.RULE + ")");
                    return 2;
                }
                Path keyFile = Path.of(settings.get("out", keysDir.resolve("cameras").resolve(cameraId + ".key").toString()));
                CameraKey key = master.issue(cameraId);
                key.write(keyFile);
                out.println("wrote " + keyFile + " (mode 600): the key of camera " + cameraId + ", version "
                        + Integer.toUnsignedString(key.version()) + "; install it on that camera only");
            }
            case "rotate" -> {
                CameraMaster rotated = master.rotated();
                rotated.write(file, kek);
                out.println("the camera master holds " + rotated.versions() + " versions; issue every camera a new key, "
                        + "then retire the old versions");
            }
            default -> {
                master.withoutOldVersions().write(file, kek);
                out.println("the camera master holds only version " + Integer.toUnsignedString(master.primaryVersion())
                        + "; keys of older versions no longer verify once the job reads it");
            }
        }
        return 0;
    }
}
