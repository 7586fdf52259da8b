package io.biostream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code biostream bench gallery}: options, the table and the JSON report. */
class BenchCommandTest {
    @TempDir
    Path dir;

    @Test
    void defaultsToTheFourGallerySizes() throws Exception {
        BenchCommand.Options options = BenchCommand.parse(List.of("gallery"));
        assertThat(options.sizes()).containsExactly(1_000, 10_000, 100_000, 1_000_000);
        assertThat(options.plan().batch()).isEqualTo(64);
        assertThat(options.plan().k()).isEqualTo(5);
        assertThat(options.json()).isNull();
    }

    @Test
    void readsEveryOption() throws Exception {
        BenchCommand.Options options = BenchCommand.parse(List.of("gallery", "--sizes", "10,2_000", "--probes=50",
                "--batch", "8", "--k", "3", "--seconds", "1.5", "--templates-per-subject", "4", "--seed", "9",
                "--json", dir.resolve("out.json").toString()));
        assertThat(options.sizes()).containsExactly(10, 2000);
        assertThat(options.plan()).isEqualTo(new io.biostream.launcher.bench.GalleryBench.Plan(50, 8, 3, 1.5, 4, 9));
        assertThat(options.json()).isEqualTo(dir.resolve("out.json"));
    }

    @Test
    void refusesBadOptions() {
        assertThatThrownBy(() -> BenchCommand.parse(List.of())).hasMessageContaining("gallery");
        assertThatThrownBy(() -> BenchCommand.parse(List.of("gallery", "--sizes", "0"))).hasMessageContaining("--sizes");
        assertThatThrownBy(() -> BenchCommand.parse(List.of("gallery", "--batch", "x"))).hasMessageContaining("--batch");
        assertThatThrownBy(() -> BenchCommand.parse(List.of("gallery", "--seconds", "-1"))).hasMessageContaining("--seconds");
        assertThatThrownBy(() -> BenchCommand.parse(List.of("gallery", "--k"))).hasMessageContaining("needs a value");
        assertThatThrownBy(() -> BenchCommand.parse(List.of("gallery", "--json", dir.resolve("no/such/out.json").toString())))
                .hasMessageContaining("does not exist");
        assertThatThrownBy(() -> BenchCommand.parse(List.of("gallery", "--fast", "1"))).hasMessageContaining("--fast");
    }

    @Test
    void printsATableAndWritesTheJsonReport() throws Exception {
        Path json = dir.resolve("bench.json");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = BenchCommand.run(List.of("gallery", "--sizes", "500,1500", "--probes", "10", "--batch", "4",
                "--seconds", "0.3", "--json", json.toString()),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
        String table = out.toString(StandardCharsets.UTF_8);
        assertThat(table).contains("templates").contains("b1 p99").contains("bB p99").contains("scan B")
                .contains("       500 ").contains("      1500 ");
        JsonNode report = new ObjectMapper().readTree(json.toFile());
        assertThat(report.at("/machine/processors").asInt()).isPositive();
        assertThat(report.at("/plan/batch").asInt()).isEqualTo(4);
        assertThat(report.at("/results/1/templates").asInt()).isEqualTo(1500);
        assertThat(report.at("/results/1/genuineRank1").asInt()).isEqualTo(5);
        assertThat(report.at("/results/0/latencyP99Ms").asDouble()).isPositive();
        assertThat(report.at("/results/0/perFaceBatchedP99Ms").asDouble()).isPositive();
        assertThat(report.at("/results/1/scanBytes").asLong()).isEqualTo(2048L * (128 + 16));
    }
}
