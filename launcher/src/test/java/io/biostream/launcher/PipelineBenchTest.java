package io.biostream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.biostream.launcher.bench.PipelineBench.BadFrame;
import io.biostream.operators.testing.SharedFolder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code biostream bench pipeline} in its short form, as CI runs it: local mode in a temporary
 * folder, 2 cameras at 2 frames/s for 15 s after a 5 s warm-up, a fifth of the frames bad and a
 * forged control event per second; no record lost, none twice, every bad record a dead letter
 * with its kind's reason. Speed is reported, not asserted.
 */
class PipelineBenchTest {
    @TempDir
    Path dir;

    @Test
    void defaultsAreTheLoadTestOfTheHardeningIssue() throws Exception {
        PipelineBenchCommand.Options options = PipelineBenchCommand.parse(List.of(), Path.of("/opt/biostream"));
        assertThat(options.plan().cameras()).isEqualTo(8);
        assertThat(options.plan().framesPerSecond()).isEqualTo(5);
        assertThat(options.plan().duration()).isEqualTo(Duration.ofMinutes(2));
        assertThat(options.plan().badFrameRatio()).isEqualTo(0.10);
        assertThat(options.plan().badControlPerSecond()).isEqualTo(1);
        assertThat(options.photos()).isEqualTo(Path.of("/opt/shared/goldens/images"));
        PipelineBenchCommand.Options set = PipelineBenchCommand.parse(List.of("--cameras", "3", "--fps=1.5", "--seconds", "10",
                "--warmup", "0", "--bad-ratio", "0", "--bad-control-per-second", "0", "--drain", "30", "--photos", "/p",
                "--execution.checkpointing.interval=2s"), Path.of("/opt/biostream"));
        assertThat(set.plan().cameras()).isEqualTo(3);
        assertThat(set.plan().framesPerSecond()).isEqualTo(1.5);
        assertThat(set.plan().warmup()).isZero();
        assertThat(set.plan().drain()).isEqualTo(Duration.ofSeconds(30));
        assertThat(set.settings()).containsExactly(Map.entry("execution.checkpointing.interval", "2s"));
        assertThatThrownBy(() -> PipelineBenchCommand.parse(List.of("--bad-ratio", "1"), Path.of("."))).hasMessageContaining("--bad-ratio");
        assertThatThrownBy(() -> PipelineBenchCommand.parse(List.of("--cameras", "0"), Path.of("."))).hasMessageContaining("--cameras");
        assertThatThrownBy(() -> PipelineBenchCommand.parse(List.of("--fast"), Path.of("."))).hasMessageContaining("needs a value");
    }

    @Test
    void aShareOfASustainedRateIsSpreadOverTheCameras() throws Exception {
        PipelineBenchCommand.Options options = PipelineBenchCommand.parse(List.of("--cameras", "4", "--rate-of-sustained", "0.8",
                "--sustained", "11.5"), Path.of("/opt/biostream"));
        assertThat(options.plan().framesPerSecond()).isCloseTo(0.8 * 11.5 / 4, within(1e-12));
        assertThat(options.plan().framesPerSecond() * options.plan().cameras()).isCloseTo(9.2, within(1e-9));
        assertThat(options.rateOfSustained()).isEqualTo(0.8);
        assertThat(PipelineBenchCommand.parse(List.of(), Path.of(".")).rateOfSustained()).isNaN();
        assertThatThrownBy(() -> PipelineBenchCommand.parse(List.of("--rate-of-sustained", "0.8"), Path.of(".")))
                .hasMessageContaining("go together");
        assertThatThrownBy(() -> PipelineBenchCommand.parse(List.of("--sustained", "10"), Path.of(".")))
                .hasMessageContaining("go together");
        assertThatThrownBy(() -> PipelineBenchCommand.parse(List.of("--fps", "2", "--rate-of-sustained", "0.8", "--sustained", "10"),
                Path.of("."))).hasMessageContaining("not both");
    }

    @Test
    void photosAbsentIsASkipSaidPlainly() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = BenchCommand.run(List.of("pipeline", "--photos", dir.resolve("none").toString()), Map.of(),
                new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(status).isEqualTo(3);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("SKIPPED").contains("none");
    }

    @Test
    void shortLoadLosesNothingDuplicatesNothingAndDeadLettersEveryBadRecordWithItsReason() throws Exception {
        Path photos = SharedFolder.resolve("goldens/images");
        Path json = dir.resolve("bench.json");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream progress = new PrintStream(err, true, StandardCharsets.UTF_8);
        int status = BenchCommand.run(List.of("pipeline", "--cameras", "2", "--fps", "2", "--seconds", "15", "--warmup", "5",
                "--bad-ratio", "0.2", "--bad-control-per-second", "1", "--drain", "60", "--photos", photos.toString(),
                "--biostream.local.flink-conf-dir=" + PipelineCluster.CONF_DIR, "--execution.checkpointing.interval=2s",
                "--biostream.vision.warmup=2s",
                "--json", json.toString()),
                Map.of("BIOSTREAM_HOME", PipelineCluster.CONF_DIR.getParent().toString()),
                new PrintStream(out, true, StandardCharsets.UTF_8), progress);
        String table = out.toString(StandardCharsets.UTF_8);
        System.out.println(table);
        System.out.println(err.toString(StandardCharsets.UTF_8));

        assertThat(status).as("exit status; %s", err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(table).contains("capture-to-result p50 / p95 / p99").contains("sustained faces/s");
        JsonNode report = new ObjectMapper().readTree(json.toFile());
        JsonNode r = report.get("report");
        assertThat(report.get("clean").asBoolean()).isTrue();
        assertThat(report.get("lost").asInt()).as("lost").isZero();
        assertThat(r.get("duplicates").asInt()).as("duplicates").isZero();
        assertThat(r.get("wrongReasons").asInt()).as("dead letters with another reason than their kind's").isZero();
        assertThat(r.get("goodFramesDeadLettered").asInt()).isZero();
        assertThat(r.get("drained").asBoolean()).isTrue();
        // 80 frames in 20 s: every kind of bad frame among them, each one dead letter, every good frame one result.
        int bad = 0;
        for (BadFrame kind : BadFrame.values()) {
            assertThat(r.at("/publishedBad/" + kind.name()).asInt()).as("bad frames of kind %s", kind).isPositive();
            bad += r.at("/publishedBad/" + kind.name()).asInt();
        }
        int letters = 0;
        for (JsonNode n : r.get("deadLettersByReason")) {
            letters += n.asInt();
        }
        assertThat(letters).as("frame dead letters: %s", r.get("deadLettersByReason")).isEqualTo(bad);
        assertThat(r.at("/deadLettersByReason/NOT_AVRO").asInt()).isEqualTo(r.at("/publishedBad/FORGED_AVRO_LENGTH").asInt());
        assertThat(r.at("/deadLettersByReason/DIMENSIONS_TOO_LARGE").asInt()).isEqualTo(r.at("/publishedBad/OVERSIZED_PIXELS").asInt());
        assertThat(r.get("results").asInt()).isEqualTo(r.get("publishedGood").asInt() + r.get("warmupFrames").asInt());
        assertThat(r.get("publishedGood").asInt() + r.get("warmupFrames").asInt() + bad).isEqualTo(80);
        assertThat(r.get("publishedBadControl").asInt()).isGreaterThanOrEqualTo(10);
        assertThat(r.at("/controlDeadLettersByReason/UNAUTHENTICATED").asInt()).isEqualTo(r.get("publishedBadControl").asInt());
        assertThat(r.get("latencySamples").asInt()).isEqualTo(r.get("publishedGood").asInt());
        assertThat(r.get("latencyP99Ms").asDouble()).isPositive();
        assertThat(r.get("sustainedFacesPerSecond").asDouble()).isPositive();
        assertThat(r.get("firstResultSeconds").asDouble()).isPositive();
        assertThat(r.get("coldFirstMinuteFramesPerSecond").asDouble()).isPositive();
        assertThat(r.get("coldToWarmRatio").asDouble()).isPositive();
        assertThat(r.get("firstMinuteFromPublishFramesPerSecond").asDouble()).isPositive();
        assertThat(table).contains("cold first minute frames/s");
        assertThat(report.at("/machine/processors").asInt()).isPositive();
        assertThat(report.at("/plan/cameras").asInt()).isEqualTo(2);
    }
}
