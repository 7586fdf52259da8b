package io.biostream.operators.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biostream.operators.config.Settings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finding 7 of the hardening issue: a frame's MAC proves which camera's key signed its exact bytes. */
class FrameAuthenticatorTest {
    private static final byte[] VALUE = "a frame's exact bytes".getBytes(StandardCharsets.UTF_8);
    private final CameraMaster master = TestCameras.master();
    private final FrameAuthenticator authenticator = new FrameAuthenticator(master);

    private Optional<String> check(String cameraId, byte[] value, byte[] header) {
        return authenticator.problem(cameraId, cameraId, value, header);
    }

    @Test
    void theCamerasOwnMacOfTheExactValueVerifies() throws Exception {
        CameraKey key = master.issue("cam-1");

        assertThat(check("cam-1", VALUE, key.header("cam-1", VALUE))).isEmpty();
        assertThat(new String(key.header("cam-1", VALUE), StandardCharsets.US_ASCII))
                .startsWith(Integer.toUnsignedString(master.primaryVersion()) + ":");
    }

    @Test
    void aMacOfAnAlteredValueDoesNotVerify() throws Exception {
        byte[] altered = VALUE.clone();
        altered[0] ^= 1;

        assertThat(check("cam-1", altered, master.issue("cam-1").header("cam-1", VALUE))).get().asString()
                .contains("does not verify as camera cam-1");
    }

    @Test
    void anotherCamerasKeyDoesNotVerifyAndCannotEvenBeAskedToSignForIt() throws Exception {
        CameraKey cam2 = master.issue("cam-2");

        assertThat(check("cam-1", VALUE, cam2.header("cam-2", VALUE))).get().asString().contains("does not verify as camera cam-1");
        assertThatThrownBy(() -> cam2.header("cam-1", VALUE)).hasMessageContaining("cannot sign a frame of camera cam-1");
    }

    /** A compromised camera has its key file: relabelling it as another camera's key still makes no MAC of that camera. */
    @Test
    void aCompromisedCamerasKeyRelabelledAsAnotherCameraDoesNotVerify(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("cam-2.key");
        master.issue("cam-2").write(file);
        SecretFiles.writeOwnerOnly(file, Files.readString(file).replace("camera-id=cam-2", "camera-id=cam-1"));
        CameraKey relabelled = CameraKey.read(file);

        assertThat(relabelled.cameraId()).isEqualTo("cam-1");
        assertThat(check("cam-1", VALUE, relabelled.header("cam-1", VALUE))).get().asString()
                .contains("does not verify as camera cam-1");
    }

    @Test
    void aKeyVersionTheMasterDoesNotHoldDoesNotVerify() throws Exception {
        CameraKey other = CameraMaster.generate().issue("cam-1"); // another master: its version is unknown here

        assertThat(check("cam-1", VALUE, other.header("cam-1", VALUE))).get().asString()
                .contains("key version " + Integer.toUnsignedString(other.version()) + " is not in the camera master");
    }

    @Test
    void aMissingHeaderOrARecordKeyOtherThanTheCameraIdIsRefused() throws Exception {
        assertThat(check("cam-1", VALUE, null)).get().asString().contains("no biostream-camera-mac header");
        assertThat(authenticator.problem("cam-2", "cam-1", VALUE, master.issue("cam-1").header("cam-1", VALUE))).get().asString()
                .contains("record key 'cam-2' is not the frame's cameraId 'cam-1'");
        assertThat(authenticator.problem(null, "cam-1", VALUE, master.issue("cam-1").header("cam-1", VALUE))).get().asString()
                .contains("record key (none)");
    }

    /** Rotation: keys of the old version verify until the old versions are retired; keys issued after it name the new one. */
    @Test
    void rotationKeepsOldKeysVerifyingUntilTheOldVersionsAreRetired() throws Exception {
        CameraMaster old = CameraMaster.generate();
        byte[] oldMac = old.issue("cam-1").header("cam-1", VALUE);
        CameraMaster rotated = old.rotated();
        CameraKey renewed = rotated.issue("cam-1");

        assertThat(renewed.version()).isNotEqualTo(old.primaryVersion());
        assertThat(new FrameAuthenticator(rotated).problem("cam-1", "cam-1", VALUE, oldMac)).isEmpty();
        CameraMaster retired = rotated.withoutOldVersions();
        assertThat(retired.versions()).isEqualTo(1);
        assertThat(new FrameAuthenticator(retired).problem("cam-1", "cam-1", VALUE, oldMac)).isPresent();
        assertThat(new FrameAuthenticator(retired).problem("cam-1", "cam-1", VALUE, renewed.header("cam-1", VALUE))).isEmpty();
    }

    @Test
    void aCameraKeyFileIsOwnerOnlyAndSignsAsTheIssuedKey(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("cam-1.key");
        master.issue("cam-1").write(file);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        CameraKey read = CameraKey.read(file);
        assertThat(read.cameraId()).isEqualTo("cam-1");
        assertThat(check("cam-1", VALUE, read.header("cam-1", VALUE))).isEmpty();

        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> CameraKey.read(file)).hasMessageContaining("readable or writable by others");
    }

    @Test
    void theMasterIsSealedForItsPurposeUnderTheKek(@TempDir Path dir) throws Exception {
        Map<String, String> crypto = LocalKeyFiles.prepare(dir);
        KeyEncryptionKey kek = CryptoConfig.from(Settings.of(crypto), "127.0.0.1:1", "unused").kek();
        Map<String, String> settings = CameraMaster.prepare(dir, kek);
        CameraMaster sealed = CameraMaster.read(dir.resolve(CameraMaster.FILE), kek);

        assertThat(settings).containsEntry(CameraAuthConfig.AUTHENTICATION, "required");
        assertThat(Files.readString(dir.resolve(CameraMaster.FILE))).doesNotContain("HkdfPrf");
        assertThat(CameraMaster.prepare(dir, kek)).isEqualTo(settings); // a second start keeps the master
        assertThat(CameraMaster.read(dir.resolve(CameraMaster.FILE), kek).issue("cam-1").header("cam-1", VALUE))
                .isEqualTo(sealed.issue("cam-1").header("cam-1", VALUE));
        Path otherKek = dir.resolve("other");
        KeyEncryptionKey other = CryptoConfig.from(Settings.of(LocalKeyFiles.prepare(otherKek)), "127.0.0.1:1", "unused").kek();
        assertThatThrownBy(() -> CameraMaster.read(dir.resolve(CameraMaster.FILE), other))
                .hasMessageContaining("does not open under the key-encryption key");
    }

    @Test
    void theConfigurationIsValidatedWithTheSettingsName() {
        assertThatThrownBy(() -> CameraAuthConfig.from(Settings.of(Map.of(CameraAuthConfig.AUTHENTICATION, "maybe"))))
                .hasMessageContaining("biostream.cameras.authentication must be 'required' or 'off'");
        assertThatThrownBy(() -> CameraAuthConfig.from(Settings.of(Map.of())))
                .hasMessageContaining("biostream.cameras.master-file is required when biostream.cameras.authentication=required");
        assertThatThrownBy(() -> CameraAuthConfig.from(Settings.of(Map.of(CameraAuthConfig.AUTHENTICATION, "off",
                CameraAuthConfig.ALLOWED, "cam-1,cam 2"))))
                .hasMessageContaining("biostream.cameras.allowed 'cam 2' is not a camera id");
        CameraAuthConfig off = CameraAuthConfig.from(Settings.of(Map.of(CameraAuthConfig.AUTHENTICATION, "off",
                CameraAuthConfig.ALLOWED, " cam-1 , lobby ,")));
        assertThat(off.allowed()).containsExactlyInAnyOrder("cam-1", "lobby");
        assertThat(off.allows("lobby")).isTrue();
        assertThat(off.allows("cam-2")).isFalse();
        assertThat(CameraAuthConfig.from(Settings.of(Map.of(CameraAuthConfig.AUTHENTICATION, "off"))).allows("any")).isTrue();
    }

    @Test
    void aMasterFileThatIsMissingFailsWithItsSettingsName(@TempDir Path dir) {
        CameraAuthConfig config = new CameraAuthConfig(true, dir.resolve("absent").toString(), java.util.Set.of());
        CryptoConfig crypto = CryptoConfig.from(Settings.of(TestCameras.jobSettings()), "127.0.0.1:1", "unused");

        assertThatThrownBy(() -> config.authenticator(crypto)).hasMessageContaining("biostream.cameras.master-file names no file");
    }
}
