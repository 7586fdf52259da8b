package io.biostream.operators.identity;

import com.google.crypto.tink.PublicKeySign;
import com.google.crypto.tink.PublicKeyVerify;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Optional;

/**
 * Proof of origin for control events: the API signs the exact bytes of each control record it
 * publishes with its control signing key (held under the KEK) and sends the signature in the
 * record header {@value #HEADER}; the job and the API's own ledger apply a record only when the
 * signature verifies under the control verification keys. Anyone else who can write to the control
 * topic produces dead letters. Signing the bytes as written (not a re-encoding) keeps old events
 * verifiable after the schema evolves.
 */
public final class ControlSignatures {
    /** The Kafka record header that carries the signature. */
    public static final String HEADER = "biostream-signature";
    /** The purpose the signing keyset is sealed under (associated data of its KEK wrap). */
    public static final String KEYSET_PURPOSE = "biostream control signing keyset";
    /** Separates this use of the key from any other: a control signature is not valid as anything else. */
    private static final byte[] CONTEXT = "biostream.control.v1\0".getBytes(StandardCharsets.US_ASCII);

    private ControlSignatures() {}

    /** The signature of a control record value. */
    public static byte[] sign(byte[] value, PublicKeySign signer) throws GeneralSecurityException {
        return signer.sign(signed(value));
    }

    /** Why the signature does not vouch for the value, or empty when it does. */
    public static Optional<String> problem(byte[] value, byte[] signature, PublicKeyVerify verifier) {
        if (signature == null || signature.length == 0) {
            return Optional.of("the control record is not signed (no " + HEADER + " header)");
        }
        try {
            verifier.verify(signature, signed(value));
            return Optional.empty();
        } catch (GeneralSecurityException e) {
            return Optional.of("the control record's signature does not verify under the control verification keys");
        }
    }

    private static byte[] signed(byte[] value) {
        byte[] out = new byte[CONTEXT.length + value.length];
        System.arraycopy(CONTEXT, 0, out, 0, CONTEXT.length);
        System.arraycopy(value, 0, out, CONTEXT.length, value.length);
        return out;
    }
}
