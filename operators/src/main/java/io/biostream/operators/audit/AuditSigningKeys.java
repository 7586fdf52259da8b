package io.biostream.operators.audit;

import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.PublicKeySign;
import com.google.crypto.tink.PublicKeyVerify;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import io.biostream.operators.crypto.SecretFiles;
import io.biostream.operators.crypto.SignatureKeysets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.util.EnumSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit trail's Ed25519 signing keyset (Tink). The private keyset signs checkpoints and lives
 * in a file only its owner can read; the public keyset verifies them and can be handed to anyone
 * who audits. Signatures carry Tink's key-id prefix, so a keyset with a rotated-in key still
 * verifies events signed with the older ones.
 */
public final class AuditSigningKeys {
    private static final Logger LOG = LoggerFactory.getLogger(AuditSigningKeys.class);

    static {
        SignatureKeysets.register();
    }

    private AuditSigningKeys() {}

    /** A new private keyset with one Ed25519 key. */
    public static KeysetHandle generate() throws GeneralSecurityException {
        return SignatureKeysets.generate();
    }

    /** Reads the private keyset at {@code file}, creating it (mode 600) when absent. */
    public static KeysetHandle readOrCreate(Path file) throws IOException, GeneralSecurityException {
        if (Files.exists(file)) {
            return readPrivate(file);
        }
        KeysetHandle keyset = generate();
        SecretFiles.writeOwnerOnly(file, TinkJsonProtoKeysetFormat.serializeKeyset(keyset, InsecureSecretKeyAccess.get()));
        return keyset;
    }

    public static KeysetHandle readPrivate(Path file) throws IOException, GeneralSecurityException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("audit signing keyset not found: " + file);
        }
        warnIfReadableByOthers(file);
        KeysetHandle keyset = TinkJsonProtoKeysetFormat.parseKeyset(Files.readString(file, StandardCharsets.UTF_8),
                InsecureSecretKeyAccess.get());
        signer(keyset); // fails now, not at the first checkpoint, when it is not a signing keyset
        return keyset;
    }

    /** The public half: verifies, cannot sign. */
    public static KeysetHandle publicKeyset(KeysetHandle privateKeyset) throws GeneralSecurityException {
        return privateKeyset.getPublicKeysetHandle();
    }

    /** The public keyset as Tink JSON (no secret in it), for auditors. */
    public static String exportPublic(KeysetHandle privateKeyset) throws GeneralSecurityException {
        return SignatureKeysets.publicJson(privateKeyset);
    }

    /** Writes the public keyset as Tink JSON (readable by others: it holds no secret). */
    public static void writePublic(Path file, KeysetHandle privateKeyset) throws IOException, GeneralSecurityException {
        SignatureKeysets.writePublic(file, privateKeyset);
    }

    /** Parses a public keyset; a keyset holding secret key material is refused. */
    public static KeysetHandle parsePublic(String json) throws GeneralSecurityException {
        return TinkJsonProtoKeysetFormat.parseKeysetWithoutSecret(json);
    }

    public static PublicKeySign signer(KeysetHandle privateKeyset) throws GeneralSecurityException {
        return SignatureKeysets.signer(privateKeyset);
    }

    /** A verifier from a public keyset (or from a private one: its public half is used). */
    public static PublicKeyVerify verifier(KeysetHandle keyset) throws GeneralSecurityException {
        return SignatureKeysets.verifier(keyset);
    }

    /** The id recorded with each signature: the primary key's id, unsigned decimal. */
    public static String keyId(KeysetHandle keyset) {
        return Integer.toUnsignedString(keyset.getPrimary().getId());
    }

    private static void warnIfReadableByOthers(Path file) {
        try {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            Set<PosixFilePermission> others = EnumSet.of(PosixFilePermission.GROUP_READ, PosixFilePermission.OTHERS_READ,
                    PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE);
            others.retainAll(permissions);
            if (!others.isEmpty()) {
                LOG.warn("audit signing keyset {} is accessible to others ({}); it should be mode 600", file, others);
            }
        } catch (UnsupportedOperationException | IOException e) {
            // Not a POSIX file system: nothing to check.
        }
    }
}
