package io.biostream.operators.crypto;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Map;

/**
 * The key files of local mode, created on first use in one owner-only directory: a master secret
 * ({@code master.secret}) and the key-encryption keyset encrypted under it ({@code kek.json}).
 * Production keeps the master secret out of the data directory (environment or a secret mount)
 * or uses a KMS key instead.
 */
public final class LocalKeyFiles {
    public static final String MASTER_SECRET = "master.secret";
    public static final String KEK_KEYSET = "kek.json";

    private LocalKeyFiles() {}

    /** Creates what is missing and returns the crypto settings that point at the files. */
    public static Map<String, String> prepare(Path keysDir) throws IOException, GeneralSecurityException {
        Path secretFile = keysDir.resolve(MASTER_SECRET);
        if (!Files.exists(secretFile)) {
            SecretFiles.writeOwnerOnly(secretFile, MasterSecret.generate() + "\n");
        }
        String uri = LocalKeysetKms.uri(keysDir.resolve(KEK_KEYSET));
        byte[] secret = MasterSecret.read(secretFile, null);
        try {
            new LocalKeysetKms(MasterSecret.aead(secret)).createIfAbsent(uri);
        } finally {
            java.util.Arrays.fill(secret, (byte) 0);
        }
        return Map.of(CryptoConfig.KEK_URI, uri, CryptoConfig.MASTER_SECRET_FILE, secretFile.toString());
    }
}
