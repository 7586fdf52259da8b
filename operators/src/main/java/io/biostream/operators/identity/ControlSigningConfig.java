package io.biostream.operators.identity;

import com.google.crypto.tink.PublicKeyVerify;
import io.biostream.operators.config.Settings;
import io.biostream.operators.crypto.SignatureKeysets;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;

/**
 * The keys that vouch for control events ({@link ControlSignatures}). The job needs only the public
 * verification keyset, read when the job is built and carried in the job graph (it holds no
 * secret), so TaskManagers need no file; the API holds the private signing keyset, sealed under the
 * KEK ({@value #SIGNING_KEYSET_FILE}), and verifies with its public half.
 *
 * @param verifyKeysetJson the public keyset (Tink JSON)
 */
public record ControlSigningConfig(String verifyKeysetJson) implements Serializable {
    /** The public keyset the job verifies control events with. */
    public static final String VERIFY_KEYSET_FILE = "biostream.control.verify-keyset-file";
    /** The API's private signing keyset, sealed under the KEK. */
    public static final String SIGNING_KEYSET_FILE = "biostream.control.signing-keyset-file";

    public ControlSigningConfig {
        try {
            SignatureKeysets.parsePublic(verifyKeysetJson);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new Settings.ConfigException(VERIFY_KEYSET_FILE, "does not hold a public signature keyset (Tink JSON without secrets): "
                    + e.getMessage());
        }
    }

    /** Reads the verification keyset named by {@value #VERIFY_KEYSET_FILE} (required: the job applies only signed events). */
    public static ControlSigningConfig from(Settings s) {
        String file = s.require(VERIFY_KEYSET_FILE);
        try {
            return new ControlSigningConfig(Files.readString(Path.of(file), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new Settings.ConfigException(VERIFY_KEYSET_FILE, "cannot be read: " + e);
        }
    }

    public PublicKeyVerify verifier() throws GeneralSecurityException {
        return SignatureKeysets.verifier(SignatureKeysets.parsePublic(verifyKeysetJson));
    }
}
