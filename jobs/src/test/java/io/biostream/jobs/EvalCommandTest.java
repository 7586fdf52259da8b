package io.biostream.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.biostream.operators.config.Settings;
import io.biostream.operators.testing.SharedFolder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code biostream eval verify}: figures over a small set of real face crops, pairs counted right, bad files skipped. */
class EvalCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private record Run(int status, String out, String err) {}

    private static Run eval(Settings settings, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = EvalCommand.run(List.of(args), settings, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The bbt crops in the shared folder ({@link SharedFolder}: skip, or fail where required). */
    private static Path bbt() {
        return SharedFolder.resolve("data/faces/bbt");
    }

    /** {@code count} images of each named person, copied into a temp set (the set is never in the repository). */
    private Path smallSet(Path bbt, int count, String... people) throws Exception {
        Path set = Files.createDirectories(dir.resolve("set"));
        for (String person : people) {
            Path folder = Files.createDirectories(set.resolve(person));
            for (int i = 1; i <= count; i++) {
                Files.copy(bbt.resolve(person).resolve(person + "_" + (i + 2) + ".png"), folder.resolve(i + ".png"));
            }
        }
        return set;
    }

    @Test
    void verifiesEveryPairOfASmallSetAndSkipsFilesThatAreNotImages() throws Exception {
        Path set = smallSet(bbt(), 3, "howard", "sheldon");
        Files.writeString(set.resolve("sheldon").resolve("notes.txt"), "not an image");
        Files.writeString(set.resolve("README"), "a top-level file is nobody's image");
        Path report = dir.resolve("report.json");

        Run run = eval(Settings.of(Map.of()), "verify", set.toString(), "--json", report.toString());

        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.err()).contains("skipped " + set.resolve("sheldon").resolve("notes.txt"));
        JsonNode json = JSON.readTree(report.toFile());
        for (String key : List.of("images", "identities", "same_pairs", "different_pairs", "failures_to_detect",
                "threshold", "accuracy_at_threshold", "best_accuracy", "best_threshold", "auc", "eer",
                "tar_at_far_1e-2", "tar_at_far_1e-3", "images_per_second", "fallbacks", "detector", "model")) {
            assertThat(json.has(key)).as(key).isTrue();
        }
        assertThat(json.get("images").asInt()).isEqualTo(6);
        assertThat(json.get("identities").asInt()).isEqualTo(2);
        assertThat(json.get("same_pairs").asInt()).as("2 x C(3,2)").isEqualTo(6);
        assertThat(json.get("different_pairs").asInt()).as("C(6,2) - 6").isEqualTo(9);
        assertThat(json.get("skipped").get(0).get("file").asText()).isEqualTo("sheldon/notes.txt");
        assertThat(json.get("threshold").asDouble()).isEqualTo(0.6);
        assertThat(json.get("fallbacks").asInt()).as("fallback on: every undetected image falls back")
                .isEqualTo(json.get("failures_to_detect").asInt());
        assertThat(json.get("auc").asDouble()).isBetween(0.0, 1.0);
        assertThat(json.get("tar_at_far_1e-2").isNull()).as("9 different pairs are too few for FAR 1e-2").isTrue();
        assertThat(json.get("images_per_second").asDouble()).isPositive();
        assertThat(run.out()).contains("same / different pairs").contains("6 / 9").contains("n/a");
    }

    @Test
    void aSetWithoutDifferentPeopleIsRefused() throws Exception {
        Path set = smallSet(bbt(), 2, "raj");
        Run run = eval(Settings.of(Map.of()), "verify", set.toString());
        assertThat(run.status()).isEqualTo(1);
        assertThat(run.err()).contains("1 same-person and 0 different-person pairs");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void thresholdComesFromTheFlagThenTheSettingThenFaceApisDefault() throws Exception {
        Settings none = Settings.of(Map.of());
        Settings configured = Settings.of(Map.of(EvalCommand.THRESHOLD_KEY, "0.45"));
        assertThat(EvalCommand.parse(List.of("verify", "d"), none).threshold()).isEqualTo(0.6);
        assertThat(EvalCommand.parse(List.of("verify", "d"), configured).threshold()).isEqualTo(0.45);
        assertThat(EvalCommand.parse(List.of("verify", "d", "--threshold", "0.5"), configured).threshold()).isEqualTo(0.5);
        assertThat(EvalCommand.parse(List.of("verify", "d", "--threshold=0.55"), configured).threshold()).isEqualTo(0.55);
        assertThatThrownBy(() -> EvalCommand.parse(List.of("verify", "d"), Settings.of(Map.of(EvalCommand.THRESHOLD_KEY, "x"))))
                .hasMessageContaining(EvalCommand.THRESHOLD_KEY);
    }

    @Test
    void optionsHaveThePeersDefaultsAndBadArgumentsGiveUsage() throws Exception {
        EvalCommand.Options options = EvalCommand.parse(List.of("verify", "d", "--biostream.vision.detector=haar"), Settings.of(Map.of()));
        assertThat(options.border()).isEqualTo(0.25);
        assertThat(options.fallback()).isTrue();
        assertThat(options.json()).isNull();
        assertThat(EvalCommand.parse(List.of("verify", "d", "--border", "0.5", "--no-fallback"), Settings.of(Map.of())))
                .satisfies(o -> assertThat(o.border()).isEqualTo(0.5))
                .satisfies(o -> assertThat(o.fallback()).isFalse());

        Run noSet = eval(Settings.of(Map.of()), "verify");
        assertThat(noSet.status()).isEqualTo(2);
        assertThat(noSet.err()).contains("usage: biostream eval verify");
        assertThat(eval(Settings.of(Map.of()), "identify", "d").status()).isEqualTo(2);
        assertThat(eval(Settings.of(Map.of()), "verify", "d", "--border", "-1").err()).contains("--border");
        assertThat(eval(Settings.of(Map.of()), "verify", "d", "--threshold").err()).contains("needs a value");
        Run missing = eval(Settings.of(Map.of()), "verify", dir.resolve("absent").toString());
        assertThat(missing.status()).isEqualTo(1);
        assertThat(missing.err()).contains("is not a folder");
    }
}
