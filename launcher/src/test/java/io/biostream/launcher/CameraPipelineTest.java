package io.biostream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.operators.functions.PipelineConfig;
import io.biostream.schemas.Frame;
import io.biostream.schemas.FrameResult;
import io.biostream.schemas.WireFormat;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The camera client end to end: a generated MP4 published with {@code biostream camera} to a real
 * broker, signed with the camera's key, the pipeline job on a MiniCluster authenticates and analyses
 * it, and every frame sent gets a result.
 */
class CameraPipelineTest {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final int FRAMES = 10;

    @TempDir
    Path dir;

    @Test
    void everyFrameOfAVideoGetsAResult() throws Exception {
        Path video = TestVideos.facesMp4(dir.resolve("lobby.mp4"), FRAMES, 10);
        try (PipelineCluster cluster = new PipelineCluster(dir)) {
            PipelineConfig config = cluster.pipelineConfig(Map.of());
            JobClient job = cluster.submit(config, Optional.empty());

            // The job takes only authenticated frames: the camera signs with its key issued from the job's camera master.
            Path key = dir.resolve("lobby-cam.key");
            cluster.cameraMaster().issue("lobby-cam").write(key);
            // ... and reaches Kafka as its own principal, which may write the frames topic only.
            CameraCommandTest.Run run = CameraCommandTest.camera(CameraCommandTest.withKafka(cluster.broker, "lobby-cam",
                    "--video", video.toString(), "--camera-id", "lobby-cam", "--camera-key", key.toString(),
                    "--max-side", "320", "--fps", "10"));
            assertThat(run.status()).as(run.err()).isZero();

            Set<Long> sent = new TreeSet<>();
            cluster.readCommitted(cluster.topics.frames(), WAIT, records -> {
                records.stream().filter(r -> "lobby-cam".equals(new String(r.key(), StandardCharsets.UTF_8)))
                        .forEach(r -> sent.add(decodeFrame(r.value()).getSequence()));
                records.clear();
                return sent.size() >= FRAMES;
            });
            assertThat(sent).hasSize(FRAMES);

            List<FrameResult> results = new ArrayList<>();
            cluster.readCommitted(cluster.topics.results(), WAIT, records -> {
                records.forEach(r -> results.add(PipelineIntegrationTest.decodeResult(r)));
                records.clear();
                return results.stream().filter(r -> r.getCameraId().equals("lobby-cam")).count() >= FRAMES;
            });
            List<FrameResult> mine = results.stream().filter(r -> r.getCameraId().equals("lobby-cam")).toList();
            assertThat(mine.stream().map(FrameResult::getSequence).toList()).containsExactlyInAnyOrderElementsOf(sent);
            // Two people side by side in every frame, downscaled to 320x160: the detector still finds faces.
            long withFaces = mine.stream().filter(r -> !r.getFaces().isEmpty()).count();
            System.out.printf("camera pipeline: %d frames sent, %d results, %d with faces (%s)%n", sent.size(), mine.size(),
                    withFaces, run.out().strip());
            assertThat(withFaces).isPositive();
            cluster.flink.cancel(job.getJobID());
        }
    }

    private static Frame decodeFrame(byte[] value) {
        try {
            return WireFormat.decode(Frame.class, value);
        } catch (java.io.IOException e) {
            throw new AssertionError("frame is not Avro", e);
        }
    }
}
