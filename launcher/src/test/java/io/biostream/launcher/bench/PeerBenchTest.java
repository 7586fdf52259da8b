package io.biostream.launcher.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading the JavaScript peer's benchmark output, and skipping it with a reason. The peer itself
 * is not run here: its {@code npm ci} needs the npm registry, which CI does not have.
 */
class PeerBenchTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** bench.js's JSON from a run on this machine (2026-12-05; the per-repetition arrays cut short). */
    @Test
    void readsTheFiguresOfBenchJs() throws IOException {
        PeerBench.Figures f;
        try (InputStream json = getClass().getResourceAsStream("/peer-bench-wasm.json")) {
            f = PeerBench.parse(JSON.readTree(json), 1.5, 2.5);
        }
        assertThat(f.env()).containsEntry("backend", "wasm").containsEntry("faceapi", "1.7.15").containsEntry("wasmThreads", 1);
        assertThat(f.crops()).isEqualTo(13);
        assertThat(f.descriptorBatchFacesPerSecond()).isEqualTo(13.159, within(1e-3));
        assertThat(f.descriptorSingleFacesPerSecond()).isEqualTo(12.53, within(1e-2));
        assertThat(f.landmarkBatchFacesPerSecond()).isEqualTo(39.93, within(1e-2));
        assertThat(f.images()).isEqualTo(4);
        assertThat(f.faces()).isEqualTo(13);
        // Rates over the sum of the per-photo medians.
        assertThat(f.ssdDetectImagesPerSecond()).isEqualTo(4 / ((1034.57 + 1335.71 + 903.20 + 1203.89) / 1000), within(1e-3));
        assertThat(f.ssdFullImagesPerSecond()).isEqualTo(4 / ((2751.00 + 3134.45 + 1792.99 + 3478.18) / 1000), within(1e-3));
        assertThat(f.ssdFullFacesPerSecond()).isEqualTo(13 / ((2751.00 + 3134.45 + 1792.99 + 3478.18) / 1000), within(1e-3));
        assertThat(f.loadBefore()).isEqualTo(1.5);
    }

    @Test
    void refusesOutputThatIsNotBenchJs() {
        assertThatThrownBy(() -> PeerBench.parse(JSON.readTree("{\"pipeline\": []}"), 0, 0)).hasMessageContaining("bench.js");
        assertThatThrownBy(() -> PeerBench.parse(JSON.readTree(
                "{\"descriptorBatch\": {\"facesPerSec\": 1}, \"pipeline\": [{\"ssdFull\": {\"medianMs\": 1}}]}"), 0, 0))
                .hasMessageContaining("/ssdDetectOnly/medianMs");
    }

    @Test
    void skipsWithAReasonWithoutTheSharedTools() {
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        PeerBench.Outcome outcome = PeerBench.run(new PeerBench.Setup(dir.resolve("shared/goldens/tools"), dir.resolve("cache"),
                1, 1, Duration.ofSeconds(10)), new PrintStream(progress, true, StandardCharsets.UTF_8));
        assertThat(outcome.figures()).isNull();
        assertThat(outcome.skipped()).contains("not in").contains(dir.resolve("shared/goldens/tools").toString());
        assertThat(dir.resolve("cache")).doesNotExist();
    }

    @Test
    void countsTheSamplePhotosInOrder() throws IOException {
        for (String name : new String[] {"sample1.png", "sample2.png", "sample4.png", "other.png"}) {
            Files.writeString(dir.resolve(name), "x");
        }
        assertThat(PeerBench.sampleCount(dir)).isEqualTo(2);
        assertThat(PeerBench.sampleCount(dir.resolve("absent"))).isZero();
    }
}
