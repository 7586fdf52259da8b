package io.biostream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code biostream bench kernels}: the JMH microbenchmarks start and report (a smoke run in this
 * JVM, one 100 ms iteration each, no warm-up; speed is never asserted), and bad options are refused.
 */
class KernelBenchCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void everyKernelBenchmarkRunsAndReports() throws Exception {
        Path json = dir.resolve("kernels.json");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = BenchCommand.run(List.of("kernels", "-f", "0", "-wi", "0", "-i", "1", "-r", "100ms",
                        "-p", "templates=1000", "-p", "frame=synthetic", "-rf", "json", "-rff", json.toString()),
                Map.of(), System.out, new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
        List<String> ran = new ArrayList<>();
        for (JsonNode result : JSON.readTree(json.toFile())) {
            String name = result.path("benchmark").asText();
            ran.add(name.substring(name.lastIndexOf(".", name.lastIndexOf(".") - 1) + 1));
            assertThat(result.at("/primaryMetric/score").asDouble()).as(name).isPositive();
        }
        assertThat(ran).containsExactlyInAnyOrder("FrameDecodeBenchmark.decode", "FrameDecodeBenchmark.openCvDecode",
                "GalleryMatchBenchmark.oneProbePerCall",
                "GalleryMatchBenchmark.perFaceInBatchesOf64", "TemplateSealBenchmark.seal");
    }

    @Test
    void refusesUnknownOptionsAndSaysWhenNothingRan() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream errors = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertThat(BenchCommand.run(List.of("kernels", "--fast"), Map.of(), System.out, errors)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("usage: biostream bench kernels");

        err.reset();
        assertThat(BenchCommand.run(List.of("kernels", "-f", "0", "NoSuchBenchmark"), Map.of(), System.out, errors))
                .isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("bench kernels");
    }
}
