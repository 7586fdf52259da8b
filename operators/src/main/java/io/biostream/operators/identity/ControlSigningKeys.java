package io.biostream.operators.identity;

import com.google.crypto.tink.KeysetHandle;
import io.biostream.operators.crypto.KeyEncryptionKey;
import io.biostream.operators.crypto.SignatureKeysets;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Map;

/**
 * The control signing keyset as files in a keys folder: {@value #SIGNING_FILE} (private, sealed
 * under the KEK, mode 600: the API's) and {@value #VERIFY_FILE} (its public half: the job's).
 * Rotation is two steps so no event is ever signed by a key the job does not know yet:
 * {@link #addKey} (the public file lists the new key; give it to the job), then {@link #promoteNewest}
 * (the API signs with it from its next start).
 */
public final class ControlSigningKeys {
    public static final String SIGNING_FILE = "control-signing.keyset";
    public static final String VERIFY_FILE = "control-verify.json";

    private ControlSigningKeys() {}

    /** Creates the keyset on first use, (re)writes the public file, and returns the settings naming both files. */
    public static Map<String, String> prepare(Path keysDir, KeyEncryptionKey kek) throws IOException, GeneralSecurityException {
        KeysetHandle keyset = SignatureKeysets.readOrCreateSealed(keysDir.resolve(SIGNING_FILE), kek, ControlSignatures.KEYSET_PURPOSE);
        SignatureKeysets.writePublic(keysDir.resolve(VERIFY_FILE), keyset);
        return settings(keysDir);
    }

    public static Map<String, String> settings(Path keysDir) {
        return Map.of(
                ControlSigningConfig.SIGNING_KEYSET_FILE, keysDir.resolve(SIGNING_FILE).toString(),
                ControlSigningConfig.VERIFY_KEYSET_FILE, keysDir.resolve(VERIFY_FILE).toString());
    }

    /** Adds a key that does not sign yet; the public file lists it. Returns the keyset's size. */
    public static int addKey(Path keysDir, KeyEncryptionKey kek) throws IOException, GeneralSecurityException {
        return rewrite(keysDir, kek, keyset -> SignatureKeysets.withNewKey(keyset, false));
    }

    /** Makes the newest key the signing one. Returns the keyset's size. */
    public static int promoteNewest(Path keysDir, KeyEncryptionKey kek) throws IOException, GeneralSecurityException {
        return rewrite(keysDir, kek, SignatureKeysets::newestPrimary);
    }

    private interface Change {
        KeysetHandle apply(KeysetHandle keyset) throws GeneralSecurityException;
    }

    private static int rewrite(Path keysDir, KeyEncryptionKey kek, Change change) throws IOException, GeneralSecurityException {
        Path file = keysDir.resolve(SIGNING_FILE);
        if (!Files.isRegularFile(file)) {
            throw new IOException("no control signing keyset at " + file + " to rotate");
        }
        KeysetHandle changed = change.apply(SignatureKeysets.readSealed(file, kek, ControlSignatures.KEYSET_PURPOSE));
        SignatureKeysets.writeSealed(file, changed, kek, ControlSignatures.KEYSET_PURPOSE);
        SignatureKeysets.writePublic(keysDir.resolve(VERIFY_FILE), changed);
        return changed.size();
    }
}
