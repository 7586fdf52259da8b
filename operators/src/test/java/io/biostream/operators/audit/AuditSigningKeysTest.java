package io.biostream.operators.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.PublicKeySign;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditSigningKeysTest {
    @TempDir
    Path dir;

    @Test
    void thePrivateKeysetIsCreatedOwnerOnlyAndReadBackTheSame() throws Exception {
        Path file = dir.resolve("keys/audit-signing.json");
        KeysetHandle created = AuditSigningKeys.readOrCreate(file);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");

        KeysetHandle again = AuditSigningKeys.readOrCreate(file);
        assertThat(AuditSigningKeys.keyId(again)).isEqualTo(AuditSigningKeys.keyId(created));
        byte[] data = "hash".getBytes(StandardCharsets.US_ASCII);
        byte[] signature = AuditSigningKeys.signer(again).sign(data);
        AuditSigningKeys.verifier(created).verify(signature, data);
    }

    @Test
    void thePublicKeysetVerifiesButHoldsNoSecretAndCannotSign() throws Exception {
        KeysetHandle keys = AuditSigningKeys.generate();
        Path file = dir.resolve("audit-verify.json");
        AuditSigningKeys.writePublic(file, keys);
        String json = Files.readString(file);
        assertThat(json).contains("ASYMMETRIC_PUBLIC").doesNotContain("ASYMMETRIC_PRIVATE");

        KeysetHandle publicKeys = AuditSigningKeys.parsePublic(json);
        byte[] data = {1, 2, 3};
        AuditSigningKeys.verifier(publicKeys).verify(AuditSigningKeys.signer(keys).sign(data), data);
        assertThatThrownBy(() -> publicKeys.getPrimitive(com.google.crypto.tink.RegistryConfiguration.get(), PublicKeySign.class))
                .isInstanceOf(GeneralSecurityException.class);
        assertThatThrownBy(() -> AuditSigningKeys.parsePublic(
                com.google.crypto.tink.TinkJsonProtoKeysetFormat.serializeKeyset(keys,
                        com.google.crypto.tink.InsecureSecretKeyAccess.get())))
                .isInstanceOf(GeneralSecurityException.class);
    }

    @Test
    void aKeysetThatIsNotForSigningIsRefusedWhenRead() throws Exception {
        Path file = dir.resolve("templates.json");
        io.biostream.operators.crypto.SecretFiles.writeOwnerOnly(file, com.google.crypto.tink.TinkJsonProtoKeysetFormat.serializeKeyset(
                com.google.crypto.tink.KeysetHandle.generateNew(com.google.crypto.tink.aead.PredefinedAeadParameters.AES256_GCM),
                com.google.crypto.tink.InsecureSecretKeyAccess.get()));
        assertThatThrownBy(() -> AuditSigningKeys.readPrivate(file)).isInstanceOf(GeneralSecurityException.class);
    }
}
