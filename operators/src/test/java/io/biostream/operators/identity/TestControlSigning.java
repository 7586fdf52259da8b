package io.biostream.operators.identity;

import com.google.crypto.tink.KeysetHandle;
import io.biostream.operators.crypto.SignatureKeysets;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Map;

/** One control signing keyset per test JVM, for tests that build the job's config or sign control records themselves. */
public final class TestControlSigning {
    public static final KeysetHandle KEYS = generate();
    private static Path verifyFile;

    private TestControlSigning() {}

    /** The public keyset as a file (written once per JVM). */
    public static synchronized Path verifyFile() {
        if (verifyFile == null) {
            try {
                Path file = Files.createTempFile("control-verify", ".json");
                file.toFile().deleteOnExit();
                SignatureKeysets.writePublic(file, KEYS);
                verifyFile = file;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
        return verifyFile;
    }

    /** The job's setting naming {@link #verifyFile()}. */
    public static Map<String, String> jobSettings() {
        return Map.of(ControlSigningConfig.VERIFY_KEYSET_FILE, verifyFile().toString());
    }

    public static byte[] sign(byte[] value) {
        try {
            return ControlSignatures.sign(value, SignatureKeysets.signer(KEYS));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeysetHandle generate() {
        try {
            return SignatureKeysets.generate();
        } catch (GeneralSecurityException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
