package io.biostream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.operators.config.Settings;
import io.biostream.operators.crypto.CameraAuthConfig;
import io.biostream.operators.crypto.CameraKey;
import io.biostream.operators.crypto.CameraMaster;
import io.biostream.operators.crypto.FrameAuthenticator;
import io.biostream.operators.crypto.LocalKeyFiles;
import io.biostream.operators.identity.ControlSigningConfig;
import io.biostream.operators.identity.ControlSigningKeys;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code biostream keys control-signing ...}: what an operator runs to make the chart's control signing Secret. */
class KeysCommandTest {
    @TempDir
    Path dir;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int keys(String step, Map<String, String> kek) throws Exception {
        out.reset();
        err.reset();
        Map<String, String> flags = new HashMap<>(kek);
        flags.put("dir", dir.resolve("control-keys").toString());
        List<String> args = List.of("control-signing", step, "--dir=" + flags.get("dir"));
        return KeysCommand.run(args, Settings.of(flags), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Test
    void initWritesTheSealedKeysetAndItsPublicHalfOnceThenRotatesInTwoSteps() throws Exception {
        Map<String, String> kek = LocalKeyFiles.prepare(dir.resolve("kek"));
        Path keysDir = dir.resolve("control-keys");

        assertThat(keys("init", kek)).isZero();
        assertThat(keysDir.resolve(ControlSigningKeys.SIGNING_FILE)).isRegularFile();
        String publicKeys = Files.readString(keysDir.resolve(ControlSigningKeys.VERIFY_FILE));
        // The job accepts the public file as written.
        new ControlSigningConfig(publicKeys).verifier();

        assertThat(keys("init", kek)).as("a second init would replace the key every event was signed with").isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("exists; use add-key and promote");

        assertThat(keys("add-key", kek)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("holds 2 keys");
        assertThat(Files.readString(keysDir.resolve(ControlSigningKeys.VERIFY_FILE))).isNotEqualTo(publicKeys);
        assertThat(keys("promote", kek)).isZero();
        assertThat(keys("rotate", kek)).as("an unknown step").isEqualTo(2);
    }

    @Test
    void withoutTheKekNothingIsWritten() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> keys("init", Map.of()))
                .isInstanceOf(Settings.ConfigException.class).hasMessageContaining("biostream.crypto.kek-uri");
        assertThat(dir.resolve("control-keys")).doesNotExist();
    }

    private int camera(String step, Map<String, String> kek, String... more) throws Exception {
        out.reset();
        err.reset();
        Map<String, String> flags = new HashMap<>(kek);
        flags.put("dir", dir.resolve("camera-keys").toString());
        List<String> args = new java.util.ArrayList<>(List.of("camera", step, "--dir=" + flags.get("dir")));
        for (String flag : more) {
            args.add(flag);
            flags.putAll(Settings.parseFlags(flag));
        }
        return KeysCommand.run(args, Settings.of(flags), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    /** Finding 7 of the hardening issue: the camera master the job holds, and the one key each camera holds. */
    @Test
    void cameraInitIssuesOwnerOnlyKeysThatVerifyUntilRotatedVersionsAreRetired() throws Exception {
        Map<String, String> kek = LocalKeyFiles.prepare(dir.resolve("kek"));
        Path keysDir = dir.resolve("camera-keys");
        assertThat(camera("issue", kek, "--camera-id=door-1")).as("no master yet").isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("run keys camera init first");

        assertThat(camera("init", kek)).isZero();
        assertThat(camera("init", kek)).as("a second init would orphan every issued key").isEqualTo(1);
        assertThat(camera("issue", kek, "--camera-id=door 1")).isEqualTo(2);
        assertThat(camera("issue", kek, "--camera-id=door-1")).isZero();
        Path keyFile = keysDir.resolve("cameras").resolve("door-1.key");
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(keyFile))).isEqualTo("rw-------");

        // The job's view: the master as the settings name it, under the same KEK.
        Map<String, String> job = new HashMap<>(kek);
        job.put(CameraAuthConfig.MASTER_FILE, keysDir.resolve(CameraMaster.FILE).toString());
        byte[] value = "frame".getBytes(StandardCharsets.UTF_8);
        byte[] mac = CameraKey.read(keyFile).header("door-1", value);
        assertThat(PipelineCluster.cameraMaster(job).issue("door-1").header("door-1", value)).isEqualTo(mac);
        FrameAuthenticator before = new FrameAuthenticator(PipelineCluster.cameraMaster(job));
        assertThat(before.problem("door-1", "door-1", value, mac)).isEmpty();

        assertThat(camera("rotate", kek)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("holds 2 versions");
        assertThat(new FrameAuthenticator(PipelineCluster.cameraMaster(job)).problem("door-1", "door-1", value, mac))
                .as("keys of the old version verify until retired").isEmpty();
        assertThat(camera("retire", kek)).isZero();
        assertThat(new FrameAuthenticator(PipelineCluster.cameraMaster(job)).problem("door-1", "door-1", value, mac))
                .as("retired").get().asString().contains("is not in the camera master");
        assertThat(camera("issue", kek, "--camera-id=door-1", "--out=" + dir.resolve("door-1-new.key"))).isZero();
        assertThat(new FrameAuthenticator(PipelineCluster.cameraMaster(job)).problem("door-1", "door-1", value,
                CameraKey.read(dir.resolve("door-1-new.key")).header("door-1", value))).isEmpty();
    }
}
