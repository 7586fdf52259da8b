package io.biostream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.launcher.local.FramePublisher;
import io.biostream.operators.functions.PipelineConfig;
import io.biostream.operators.testing.SharedFaces;
import io.biostream.schemas.FrameResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kafka broker restarted while three cameras send frames: it is stopped, stays down a few
 * seconds, and comes back on the same port and data directory. The cameras' producers and the job
 * ride through it by themselves (the job may fail over to its last checkpoint; nobody resubmits
 * it): every frame published has exactly one outcome in read_committed, a result or (for the
 * truncated ones) a dead letter, none twice, and frames sent after the restart are answered.
 */
class BrokerRestartTest {
    private static final Duration WAIT = Duration.ofSeconds(180);
    private static final List<String> CAMERAS = List.of("gate-1", "gate-2", "gate-3");

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void aBrokerRestartUnderLoadLosesNoFrameAndDuplicatesNone() throws Exception {
        byte[] face = SharedFaces.bbtFrame("raj/raj_4.png");
        try (PipelineCluster cluster = new PipelineCluster(dir)) {
            PipelineConfig config = cluster.pipelineConfig(Map.of());
            JobClient job = cluster.submit(config, Optional.empty());
            cluster.flink.awaitStatus(job.getJobID(), JobStatus.RUNNING, WAIT);
            FramePublisher frames = cluster.publisher(cluster.topics.frames());
            List<CameraLoad.Published> published;
            Duration down;
            try (CameraLoad load = CameraLoad.start(frames, CAMERAS, Duration.ofMillis(700), face, 5, 600, Duration.ofMinutes(4))) {
                // Results flow before the fault.
                assertThat(cluster.readCommitted(cluster.topics.results(), WAIT, records -> records.size() >= 6))
                        .as("results before the restart").hasSizeGreaterThanOrEqualTo(6);
                int before = load.count();
                down = cluster.restartBroker(Duration.ofSeconds(3));
                int atRestart = load.count();
                System.out.printf("broker restart: %d frames published before the stop, %d when it was back %d ms later%n",
                        before, atRestart, down.toMillis());
                // The job recovers by itself: frames sent after the broker came back get results.
                long afterSequence = atRestart / CAMERAS.size() + 2;
                List<FrameResult> after = cluster.readCommitted(cluster.topics.results(), WAIT, records -> records.stream()
                        .map(PipelineIntegrationTest::decodeResult).anyMatch(r -> r.getSequence() > afterSequence + 3)).stream()
                        .map(PipelineIntegrationTest::decodeResult).filter(r -> r.getSequence() > afterSequence).toList();
                assertThat(after).as("results of frames sent after the broker came back").isNotEmpty();
                published = load.stop();
            }
            assertThat(published.stream().filter(CameraLoad.Published::bad)).as("truncated frames among them").isNotEmpty();
            CameraLoad.assertExactlyOneOutcome(cluster, published, WAIT);
            assertThat(cluster.flink.jobStatus(job.getJobID())).as("the same job, not resubmitted").isEqualTo(JobStatus.RUNNING);
            System.out.printf("broker restart: %d frames, each exactly one outcome; the job's exception history after the restart: %s%n",
                    published.size(), cluster.flinkRest("/jobs/" + job.getJobID() + "/exceptions").path("exceptionHistory")
                            .path("entries").findValuesAsText("exceptionName"));
        }
    }
}
