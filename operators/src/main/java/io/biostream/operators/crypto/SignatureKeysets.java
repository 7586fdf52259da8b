package io.biostream.operators.crypto;

import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.PublicKeySign;
import com.google.crypto.tink.PublicKeyVerify;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.signature.PredefinedSignatureParameters;
import com.google.crypto.tink.signature.SignatureConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Base64;

/**
 * Ed25519 signing keysets (Tink) whose private half lives under the key-encryption key: the file
 * holds the keyset wrapped by the KEK with its purpose as associated data, so it is useless without
 * the KEK and cannot be passed off as a keyset of another purpose. The public half is plain Tink
 * JSON, no secret, handed to whoever verifies. Signatures carry Tink's key-id prefix: a keyset with
 * a key added still verifies what the older keys signed, which is what makes rotation possible.
 */
public final class SignatureKeysets {
    static {
        register();
    }

    private SignatureKeysets() {}

    /** Registers Tink's signature key types (idempotent): before any keyset of them is parsed. */
    public static void register() {
        try {
            SignatureConfig.register();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Tink's signature key types could not be registered", e);
        }
    }

    /** A new private keyset with one Ed25519 key. */
    public static KeysetHandle generate() throws GeneralSecurityException {
        return KeysetHandle.generateNew(PredefinedSignatureParameters.ED25519);
    }

    /** The keyset with a new Ed25519 key added; {@code primary}: whether the new key signs from now on. */
    public static KeysetHandle withNewKey(KeysetHandle keyset, boolean primary) throws GeneralSecurityException {
        KeysetHandle.Builder.Entry entry = KeysetHandle.generateEntryFromParameters(PredefinedSignatureParameters.ED25519)
                .withRandomId();
        if (primary) {
            entry.makePrimary();
        }
        return KeysetHandle.newBuilder(keyset).addEntry(entry).build();
    }

    /** The keyset with its newest key made primary. */
    public static KeysetHandle newestPrimary(KeysetHandle keyset) throws GeneralSecurityException {
        KeysetHandle.Builder builder = KeysetHandle.newBuilder(keyset);
        builder.getAt(builder.size() - 1).makePrimary();
        return builder.build();
    }

    /** Writes the private keyset wrapped under the KEK (mode 600, atomically). */
    public static void writeSealed(Path file, KeysetHandle keyset, KeyEncryptionKey kek, String purpose)
            throws IOException, GeneralSecurityException {
        byte[] clear = TinkJsonProtoKeysetFormat.serializeKeyset(keyset, InsecureSecretKeyAccess.get()).getBytes(StandardCharsets.UTF_8);
        try {
            byte[] wrapped = kek.wrap(clear, purpose.getBytes(StandardCharsets.UTF_8));
            SecretFiles.writeOwnerOnly(file, Base64.getEncoder().encodeToString(wrapped) + "\n");
        } finally {
            java.util.Arrays.fill(clear, (byte) 0);
        }
    }

    /** Reads a keyset written by {@link #writeSealed}; refuses one readable by others, or sealed for another purpose. */
    public static KeysetHandle readSealed(Path file, KeyEncryptionKey kek, String purpose) throws IOException, GeneralSecurityException {
        KeysetHandle keyset = openSealed(file, kek, purpose);
        signer(keyset); // a keyset that cannot sign fails now, not at the first use
        return keyset;
    }

    /** Reads a keyset of any key type written by {@link #writeSealed}, with the refusals of {@link #readSealed}. */
    public static KeysetHandle openSealed(Path file, KeyEncryptionKey kek, String purpose) throws IOException, GeneralSecurityException {
        String text = SecretFiles.readOwnerOnly(file, purpose).trim();
        byte[] wrapped;
        try {
            wrapped = Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new IOException(purpose + " " + file + " is not a keyset sealed under the key-encryption key (not base64)");
        }
        byte[] clear;
        try {
            clear = kek.unwrap(wrapped, purpose.getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new GeneralSecurityException(purpose + " " + file + " does not open under the key-encryption key "
                    + kek.uri() + " (another KEK, another purpose, or altered)", e);
        }
        try {
            return TinkJsonProtoKeysetFormat.parseKeyset(new String(clear, StandardCharsets.UTF_8), InsecureSecretKeyAccess.get());
        } finally {
            java.util.Arrays.fill(clear, (byte) 0);
        }
    }

    /** Reads the sealed keyset at {@code file}, creating one with a new key when absent (local mode). */
    public static KeysetHandle readOrCreateSealed(Path file, KeyEncryptionKey kek, String purpose) throws IOException, GeneralSecurityException {
        if (Files.exists(file)) {
            return readSealed(file, kek, purpose);
        }
        KeysetHandle keyset = generate();
        writeSealed(file, keyset, kek, purpose);
        return keyset;
    }

    /** The public half as Tink JSON (no secret in it). */
    public static String publicJson(KeysetHandle privateKeyset) throws GeneralSecurityException {
        return TinkJsonProtoKeysetFormat.serializeKeysetWithoutSecret(privateKeyset.getPublicKeysetHandle());
    }

    /** Writes the public half (readable by others: it holds no secret). */
    public static void writePublic(Path file, KeysetHandle privateKeyset) throws IOException, GeneralSecurityException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, publicJson(privateKeyset), StandardCharsets.UTF_8);
    }

    /** Parses a public keyset; one holding secret key material is refused. */
    public static KeysetHandle parsePublic(String json) throws GeneralSecurityException {
        KeysetHandle keyset = TinkJsonProtoKeysetFormat.parseKeysetWithoutSecret(json);
        verifier(keyset);
        return keyset;
    }

    public static PublicKeySign signer(KeysetHandle privateKeyset) throws GeneralSecurityException {
        return privateKeyset.getPrimitive(RegistryConfiguration.get(), PublicKeySign.class);
    }

    /** A verifier from a public keyset, or from a private one (its public half is used). */
    public static PublicKeyVerify verifier(KeysetHandle keyset) throws GeneralSecurityException {
        KeysetHandle publicKeys;
        try {
            publicKeys = keyset.getPublicKeysetHandle();
        } catch (GeneralSecurityException alreadyPublic) {
            publicKeys = keyset;
        }
        return publicKeys.getPrimitive(RegistryConfiguration.get(), PublicKeyVerify.class);
    }
}
