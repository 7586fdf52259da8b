package io.biostream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.operators.config.Settings;
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
}
