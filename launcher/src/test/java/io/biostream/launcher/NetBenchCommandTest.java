package io.biostream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.biostream.launcher.bench.NetBench.Row;
import io.biostream.launcher.bench.PeerBench;
import io.biostream.operators.testing.SharedFolder;
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
 * {@code biostream bench describe|detect}: options, and a smoke run of each on the real nets and
 * the shared crops and photos (tiny durations; speed is printed, never asserted).
 */
class NetBenchCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void defaultsToFiveBatchSizesAndOneAndTwoThreads() throws Exception {
        NetBenchCommand.Options options = NetBenchCommand.parse(NetBenchCommand.Kind.DESCRIBE, List.of(), Path.of("/opt/biostream"));
        assertThat(options.plan().batches()).containsExactly(1, 4, 9, 16, 32);
        assertThat(options.threads()).containsExactly(1, 2);
        assertThat(options.crops()).isEqualTo(Path.of("/opt/shared/goldens/crops"));
        assertThat(options.photos()).isEqualTo(Path.of("/opt/shared/goldens/images"));
        assertThat(options.peer()).isFalse();
        assertThat(options.plan().slots()).containsExactly(1);

        NetBenchCommand.Options set = NetBenchCommand.parse(NetBenchCommand.Kind.DETECT, List.of("--batches", "2,8",
                "--threads=3", "--slots", "1,2", "--peer", "--warmup", "0", "--seconds", "0.5", "--json", dir.resolve("o.json").toString()),
                Path.of("/opt/biostream"));
        assertThat(set.plan().batches()).containsExactly(2, 8);
        assertThat(set.threads()).containsExactly(3);
        assertThat(set.plan().slots()).containsExactly(1, 2);
        assertThat(set.plan().warmupSeconds()).isZero();
        assertThat(set.plan().seconds()).isEqualTo(0.5);
        assertThat(set.peer()).isTrue();
    }

    @Test
    void benchPipelineTakesPeerAsAFlagWithoutAValue() throws Exception {
        PipelineBenchCommand.Options options = PipelineBenchCommand.parse(List.of("--peer", "--cameras", "2"),
                Path.of("/opt/biostream"));
        assertThat(options.peer()).isTrue();
        assertThat(options.plan().cameras()).isEqualTo(2);
        assertThat(PipelineBenchCommand.parse(List.of("--cameras", "2"), Path.of("/opt/biostream")).peer()).isFalse();
    }

    @Test
    void refusesBadOptions() {
        Path home = Path.of("/opt/biostream");
        NetBenchCommand.Kind kind = NetBenchCommand.Kind.DESCRIBE;
        assertThatThrownBy(() -> NetBenchCommand.parse(kind, List.of("--batches", "0"), home)).hasMessageContaining("--batches");
        assertThatThrownBy(() -> NetBenchCommand.parse(kind, List.of("--threads", "1,1"), home)).hasMessageContaining("twice");
        assertThatThrownBy(() -> NetBenchCommand.parse(kind, List.of("--seconds", "0"), home)).hasMessageContaining("--seconds");
        assertThatThrownBy(() -> NetBenchCommand.parse(kind, List.of("--slots", "0"), home)).hasMessageContaining("--slots");
        assertThatThrownBy(() -> NetBenchCommand.parse(kind, List.of("--fast", "1"), home)).hasMessageContaining("--fast");
        assertThatThrownBy(() -> NetBenchCommand.parse(kind, List.of("--json", dir.resolve("no/such.json").toString()), home))
                .hasMessageContaining("does not exist");
    }

    @Test
    void skipsWithAReasonWithoutTheCrops() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = BenchCommand.run(List.of("describe", "--crops", dir.resolve("absent").toString()), Map.of(),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(status).isEqualTo(3);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("SKIPPED").contains(dir.resolve("absent").toString());
    }

    /** A child JVM whose ND4J did not take the thread count it was started for says so and starts no child itself. */
    @Test
    void aChildWithTheWrongThreadCountFailsWithoutStartingAnother() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = BenchCommand.run(List.of("describe", "--threads", "2", "--seconds", "0.1",
                        "--crops", SharedFolder.resolve("goldens/crops").toString()), Map.of(NetBenchCommand.CHILD, "1"),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(status).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("ND4J runs with 1 OpenMP threads in this child JVM, not the 2 it was started for")
                .doesNotContain("OMP_NUM_THREADS=2 in a child JVM");
    }

    /**
     * Both nets at two batch sizes, one thread here and three in a child JVM (not two: ND4J's own
     * choice without OMP_NUM_THREADS on a 2-core machine is 2, which would hide a child not given its count).
     */
    @Test
    void describeMeasuresBothNetsPerBatchAndThreadCount() throws Exception {
        Path json = dir.resolve("describe.json");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = BenchCommand.run(List.of("describe", "--batches", "1,3", "--threads", "1,3", "--warmup", "0",
                "--seconds", "0.2", "--crops", SharedFolder.resolve("goldens/crops").toString(), "--json", json.toString()),
                Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
        JsonNode report = JSON.readTree(json.toFile());
        // This JVM runs with the surefire configuration's OMP_NUM_THREADS=1; the child was given 3 and ND4J took it.
        assertThat(report.at("/machine/ompMaxThreads").asInt()).isEqualTo(1);
        assertThat(report.at("/childMachines/3/ompMaxThreads").asInt()).isEqualTo(3);
        List<String> measured = new ArrayList<>();
        for (JsonNode result : report.path("results")) {
            Row row = JSON.treeToValue(result.path("row"), Row.class);
            measured.add(result.path("threads").asInt() + " " + row.net() + " " + row.batch());
            assertThat(row.calls()).as(row.toString()).isGreaterThanOrEqualTo(2);
            assertThat(row.faces()).as(row.toString()).isEqualTo(row.calls() * row.batch());
            assertThat(row.facesPerSecond()).as(row.toString()).isPositive().isFinite();
            assertThat(row.cpuMsPerFace()).as(row.toString()).isPositive();
        }
        assertThat(measured).containsExactly("1 descriptor 1", "1 descriptor 3", "1 landmarks 1", "1 landmarks 3",
                "3 descriptor 1", "3 descriptor 3", "3 landmarks 1", "3 landmarks 3");
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("faces/s").contains("x peer")
                .containsPattern("(?m)^ +3 descriptor +3 ");
    }

    /**
     * Two slots: two descriptor nets called at the same time from two threads, each at least twice;
     * the row counts both slots' calls and faces.
     */
    @Test
    void slotsRunOneNetEachAtTheSameTime() throws Exception {
        Path json = dir.resolve("slots.json");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = BenchCommand.run(List.of("describe", "--batches", "2", "--threads", "1", "--slots", "1,2",
                "--warmup", "0", "--seconds", "0.2", "--crops", SharedFolder.resolve("goldens/crops").toString(),
                "--json", json.toString()),
                Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
        List<String> measured = new ArrayList<>();
        for (JsonNode result : JSON.readTree(json.toFile()).path("results")) {
            Row row = JSON.treeToValue(result.path("row"), Row.class);
            measured.add(row.net() + " " + row.batch() + " x" + row.slots());
            assertThat(row.calls()).as(row.toString()).isGreaterThanOrEqualTo(2L * row.slots());
            assertThat(row.faces()).as(row.toString()).isEqualTo(row.calls() * row.batch());
            assertThat(row.facesPerSecond()).as(row.toString()).isPositive().isFinite();
        }
        assertThat(measured).containsExactly("descriptor 2 x1", "landmarks 2 x1", "descriptor 2 x2", "landmarks 2 x2");
        assertThat(out.toString(StandardCharsets.UTF_8)).containsPattern("(?m)^ +1 descriptor +2 +2 ");
    }

    /** The detector on photos at two batch sizes, and the whole vision path: faces are found. */
    @Test
    void detectFindsTheFacesOfThePhotos() throws Exception {
        Path json = dir.resolve("detect.json");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = BenchCommand.run(List.of("detect", "--batches", "1,2", "--threads", "1", "--warmup", "0",
                "--seconds", "0.1", "--photos", SharedFolder.resolve("goldens/images").toString(), "--json", json.toString()),
                Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
        List<String> measured = new ArrayList<>();
        for (JsonNode result : JSON.readTree(json.toFile()).path("results")) {
            Row row = JSON.treeToValue(result.path("row"), Row.class);
            measured.add(row.net() + " " + row.batch());
            assertThat(row.images()).as(row.toString()).isEqualTo(row.calls() * row.batch());
            // The demo photos hold 2-4 faces each (sample1-4: 13 in all).
            assertThat((double) row.faces() / row.images()).as(row.toString()).isBetween(2.0, 4.0);
            assertThat(row.imagesPerSecond()).as(row.toString()).isPositive().isFinite();
        }
        assertThat(measured).containsExactly("ssd 1", "ssd+landmarks 1", "ssd 2", "ssd+landmarks 2", "pipeline 1");
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("ssd+landmarks").contains("pipeline");
    }

    @Test
    void ratiosCompareWithThePeersFigureForTheSameWork() {
        PeerBench.Figures peer = new PeerBench.Figures(Map.of(), 13, 20, 10, 50, 4, 13, 2, 1, 3.25, 0, 0);
        assertThat(NetBenchCommand.peerRatio(row("descriptor", 1, 0, 30), peer)).isEqualTo(3.0);
        assertThat(NetBenchCommand.peerRatio(row("descriptor", 16, 0, 30), peer)).isEqualTo(1.5);
        assertThat(NetBenchCommand.peerRatio(row("landmarks", 16, 0, 100), peer)).isEqualTo(2.0);
        assertThat(NetBenchCommand.peerRatio(row("ssd", 4, 8, 26), peer)).isEqualTo(4.0);
        assertThat(NetBenchCommand.peerRatio(row("pipeline", 1, 5, 16), peer)).isEqualTo(5.0);
        assertThat(NetBenchCommand.peerRatio(row("ssd+landmarks", 1, 5, 16), peer)).isNull();
        assertThat(NetBenchCommand.peerRatio(row("descriptor", 1, 0, 30), null)).isNull();
    }

    private static Row row(String net, int batch, double imagesPerSecond, double facesPerSecond) {
        return new Row(net, batch, 1, 2, 2, 2, 1, imagesPerSecond, facesPerSecond, 1, 1, 1, 0, 0);
    }
}
