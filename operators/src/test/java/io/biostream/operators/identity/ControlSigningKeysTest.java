package io.biostream.operators.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.crypto.tink.PublicKeyVerify;
import io.biostream.operators.config.Settings;
import io.biostream.operators.crypto.CryptoConfig;
import io.biostream.operators.crypto.KeyEncryptionKey;
import io.biostream.operators.crypto.SignatureKeysets;
import io.biostream.operators.crypto.TestKeyRings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The control signing keyset on disk: sealed under the KEK, its public half for the job, and two-step rotation. */
class ControlSigningKeysTest {
    @TempDir
    Path dir;
    private KeyEncryptionKey kek;
    private final byte[] event = "a control record".getBytes(StandardCharsets.UTF_8);

    @BeforeEach
    void kek() throws Exception {
        Map<String, String> settings = TestKeyRings.directorySettings(dir.resolve("kek"));
        kek = CryptoConfig.from(Settings.of(settings), null, "unused").kek();
    }

    private PublicKeyVerify jobVerifier(Map<String, String> settings) throws GeneralSecurityException {
        return ControlSigningConfig.from(Settings.of(settings)).verifier();
    }

    private byte[] apiSigns() throws Exception {
        return ControlSignatures.sign(event, SignatureKeysets.signer(
                SignatureKeysets.readSealed(dir.resolve(ControlSigningKeys.SIGNING_FILE), kek, ControlSignatures.KEYSET_PURPOSE)));
    }

    @Test
    void thePrivateKeysetIsSealedOwnerOnlyAndThePublicHalfVerifiesWhatItSigns() throws Exception {
        Map<String, String> settings = ControlSigningKeys.prepare(dir, kek);
        Path sealed = dir.resolve(ControlSigningKeys.SIGNING_FILE);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(sealed))).isEqualTo("rw-------");
        assertThat(Files.readString(sealed)).doesNotContain("privateKey", "ED25519", "type.googleapis.com");
        assertThat(ControlSignatures.problem(event, apiSigns(), jobVerifier(settings))).isEmpty();
        // A second start reuses the keyset: what it signed before still verifies.
        byte[] before = apiSigns();
        ControlSigningKeys.prepare(dir, kek);
        assertThat(ControlSignatures.problem(event, before, jobVerifier(settings))).isEmpty();
    }

    @Test
    void theSealedKeysetOpensOnlyUnderItsKekAndForItsPurpose() throws Exception {
        ControlSigningKeys.prepare(dir, kek);
        Path sealed = dir.resolve(ControlSigningKeys.SIGNING_FILE);
        assertThatThrownBy(() -> SignatureKeysets.readSealed(sealed, kek, "biostream audit signing keyset"))
                .isInstanceOf(GeneralSecurityException.class).hasMessageContaining("does not open under the key-encryption key");
        KeyEncryptionKey otherKek = CryptoConfig.from(Settings.of(TestKeyRings.directorySettings(dir.resolve("other"))), null, "unused").kek();
        assertThatThrownBy(() -> SignatureKeysets.readSealed(sealed, otherKek, ControlSignatures.KEYSET_PURPOSE))
                .isInstanceOf(GeneralSecurityException.class);
        Files.setPosixFilePermissions(sealed, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> SignatureKeysets.readSealed(sealed, kek, ControlSignatures.KEYSET_PURPOSE))
                .hasMessageContaining("readable or writable by others");
    }

    @Test
    void rotationAddsAKeyTheJobLearnsFirstThenPromotesIt() throws Exception {
        Map<String, String> settings = ControlSigningKeys.prepare(dir, kek);
        byte[] oldSignature = apiSigns();
        PublicKeyVerify oldJob = jobVerifier(settings);

        assertThat(ControlSigningKeys.addKey(dir, kek)).isEqualTo(2);
        byte[] stillOld = apiSigns();
        assertThat(ControlSignatures.problem(event, stillOld, oldJob)).as("not promoted: the old key still signs").isEmpty();

        PublicKeyVerify newJob = jobVerifier(settings); // the job restarted with the new public file
        assertThat(ControlSigningKeys.promoteNewest(dir, kek)).isEqualTo(2);
        byte[] newSignature = apiSigns();
        assertThat(ControlSignatures.problem(event, newSignature, newJob)).isEmpty();
        assertThat(ControlSignatures.problem(event, oldSignature, newJob)).as("events signed before the rotation").isEmpty();
        assertThat(ControlSignatures.problem(event, newSignature, oldJob)).as("a job that never got the new public file")
                .hasValueSatisfying(p -> assertThat(p).contains("does not verify"));
    }

    @Test
    void theJobRefusesToStartWithoutPublicKeysOrWithPrivateOnes() throws Exception {
        assertThatThrownBy(() -> ControlSigningConfig.from(Settings.of(Map.of())))
                .isInstanceOf(Settings.ConfigException.class).hasMessageContaining(ControlSigningConfig.VERIFY_KEYSET_FILE);
        Path notAKeyset = Files.writeString(dir.resolve("x.json"), "{}");
        assertThatThrownBy(() -> ControlSigningConfig.from(Settings.of(Map.of(ControlSigningConfig.VERIFY_KEYSET_FILE, notAKeyset.toString()))))
                .isInstanceOf(Settings.ConfigException.class).hasMessageContaining("does not hold a public signature keyset");
        Path privateKeys = Files.writeString(dir.resolve("private.json"), com.google.crypto.tink.TinkJsonProtoKeysetFormat.serializeKeyset(
                SignatureKeysets.generate(), com.google.crypto.tink.InsecureSecretKeyAccess.get()));
        assertThatThrownBy(() -> ControlSigningConfig.from(Settings.of(Map.of(ControlSigningConfig.VERIFY_KEYSET_FILE, privateKeys.toString()))))
                .isInstanceOf(Settings.ConfigException.class);
    }
}
