package io.biostream.operators.crypto;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.aead.AesGcmKey;
import com.google.crypto.tink.aead.AesGcmParameters;
import com.google.crypto.tink.subtle.Hkdf;
import com.google.crypto.tink.util.SecretBytes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;

/**
 * The secret under which the local key-encryption keyset is stored: base64 of at least 32 random
 * bytes, from the environment ({@value #ENV}) or an owner-only file. An AES-256-GCM key is derived
 * from it with HKDF-SHA256, so the secret itself never encrypts anything directly.
 */
public final class MasterSecret {
    public static final String ENV = "BIOSTREAM_MASTER_SECRET";
    static final int MIN_BYTES = 32;
    private static final byte[] SALT = "biostream-master-secret-v1".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] INFO = "key-encryption-keyset".getBytes(StandardCharsets.US_ASCII);

    static {
        try {
            AeadConfig.register();
        } catch (GeneralSecurityException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private MasterSecret() {}

    /** A new secret in its text form: base64 of 32 random bytes. */
    public static String generate() {
        byte[] secret = new byte[MIN_BYTES];
        new SecureRandom().nextBytes(secret);
        return Base64.getEncoder().encodeToString(secret);
    }

    /**
     * The secret from {@code file} when one is configured, else from the environment variable.
     *
     * @throws IOException when neither gives a secret, the file is readable by others, or the text is no valid secret
     */
    public static byte[] read(Path file, String environmentValue) throws IOException {
        String text;
        String from;
        if (file != null) {
            text = SecretFiles.readOwnerOnly(file, "master secret file");
            from = file.toString();
        } else if (environmentValue != null && !environmentValue.isBlank()) {
            text = environmentValue;
            from = "$" + ENV;
        } else {
            throw new IOException("no master secret: set " + ENV + " or biostream.crypto.master-secret-file");
        }
        byte[] secret;
        try {
            secret = Base64.getDecoder().decode(text.strip());
        } catch (IllegalArgumentException e) {
            throw new IOException("the master secret in " + from + " is not base64", e);
        }
        if (secret.length < MIN_BYTES) {
            throw new IOException("the master secret in " + from + " has " + secret.length + " bytes; at least "
                    + MIN_BYTES + " random bytes are needed");
        }
        return secret;
    }

    /** The AEAD that encrypts the key-encryption keyset, derived from the secret. */
    public static Aead aead(byte[] secret) throws GeneralSecurityException {
        byte[] key = Hkdf.computeHkdf("HMACSHA256", secret, SALT, INFO, 32);
        try {
            AesGcmKey aesKey = AesGcmKey.builder()
                    .setParameters(AesGcmParameters.builder()
                            .setKeySizeBytes(32).setIvSizeBytes(12).setTagSizeBytes(16)
                            .setVariant(AesGcmParameters.Variant.NO_PREFIX).build())
                    .setKeyBytes(SecretBytes.copyFrom(key, InsecureSecretKeyAccess.get()))
                    .build();
            return KeysetHandle.newBuilder()
                    .addEntry(KeysetHandle.importKey(aesKey).withRandomId().makePrimary())
                    .build()
                    .getPrimitive(RegistryConfiguration.get(), Aead.class);
        } finally {
            Arrays.fill(key, (byte) 0);
        }
    }
}
