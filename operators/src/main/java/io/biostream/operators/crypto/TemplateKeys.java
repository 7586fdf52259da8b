package io.biostream.operators.crypto;

import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;

/**
 * Loads or creates the template data keyset. Local mode keeps it in a file readable by the owner
 * only; the key hierarchy (a KEK wrapping per-subject and per-period data keys) replaces this
 * single keyset with the security work, behind the same TemplateCipher.
 */
public final class TemplateKeys {
    private TemplateKeys() {}

    public static KeysetHandle generate() throws GeneralSecurityException {
        AeadConfig.register();
        return KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM);
    }

    public static KeysetHandle parse(String json) throws GeneralSecurityException {
        AeadConfig.register();
        return TinkJsonProtoKeysetFormat.parseKeyset(json, InsecureSecretKeyAccess.get());
    }

    public static String serialize(KeysetHandle keyset) throws GeneralSecurityException {
        return TinkJsonProtoKeysetFormat.serializeKeyset(keyset, InsecureSecretKeyAccess.get());
    }

    public static KeysetHandle read(Path file) throws IOException, GeneralSecurityException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("template keyset file not found: " + file);
        }
        return parse(Files.readString(file, StandardCharsets.UTF_8));
    }

    /** Reads the keyset at {@code file}, creating it (mode 600) when absent. */
    public static KeysetHandle readOrCreate(Path file) throws IOException, GeneralSecurityException {
        if (Files.exists(file)) {
            return read(file);
        }
        KeysetHandle keyset = generate();
        writeOwnerOnly(file, serialize(keyset));
        return keyset;
    }

    /** Writes a secret file that only its owner can read, created with those permissions. */
    public static void writeOwnerOnly(Path file, String content) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, content, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
    }
}
