package io.biostream.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.jobs.local.FramePublisher;
import io.biostream.jobs.local.LocalFlinkCluster.CompletedCheckpoint;
import io.biostream.operators.decode.TestImages;
import io.biostream.operators.pipeline.PipelineConfig;
import io.biostream.schemas.FrameResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stops the pipeline job and restores it from its last checkpoint while a camera keeps sending;
 * a read_committed reader must then see exactly one FrameResult for every frame sent.
 */
class ExactlyOnceRestoreTest {
    private static final int FRAMES = 160;
    private static final Duration SEND_INTERVAL = Duration.ofMillis(60);
    private static final Duration WAIT = Duration.ofSeconds(120);

    @TempDir
    Path dir;

    @Test
    void everyFrameHasExactlyOneResultAcrossAStopAndRestore() throws Exception {
        try (PipelineCluster cluster = new PipelineCluster(dir)) {
            String framesTopic = "eo.frames";
            String resultsTopic = "eo.results";
            cluster.broker.createTopics(List.of(new NewTopic(framesTopic, 2, (short) 1), new NewTopic(resultsTopic, 2, (short) 1)));
            PipelineConfig config = cluster.pipelineConfig(Map.of(
                    "biostream.topics.frames", framesTopic,
                    "biostream.topics.results", resultsTopic,
                    "biostream.kafka.group-id", "eo-test",
                    "biostream.kafka.transactional-id-prefix", "eo-test",
                    // the exactly-once path is what is tested: the cheapest detector keeps it quick
                    "biostream.vision.detector", "haar"));
            FramePublisher publisher = cluster.publisher(framesTopic);
            List<byte[]> images = List.of(TestImages.gradient(48, 32, ".png"), TestImages.gradient(40, 40, ".jpg"));

            JobClient first = cluster.submit(config, Optional.empty());
            cluster.flink.awaitStatus(first.getJobID(), JobStatus.RUNNING, WAIT);

            // First part of the stream, until a checkpoint has completed with results committed.
            AtomicInteger sent = new AtomicInteger();
            ExecutorService camera = Executors.newSingleThreadExecutor();
            camera.submit(() -> send(publisher, images, 0, FRAMES / 3, sent)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            CompletedCheckpoint checkpoint = cluster.flink.awaitCompletedCheckpoint(first.getJobID(), 0, WAIT);

            // The camera keeps sending while the job is stopped and restored from its last checkpoint.
            Future<?> sending = camera.submit(() -> send(publisher, images, FRAMES / 3, FRAMES, sent));
            cluster.flink.cancel(first.getJobID());
            int sentAtStop = sent.get();
            Path retained = cluster.flink.newestRetainedCheckpoint(first.getJobID()).orElseThrow();
            assertThat(sentAtStop).as("frames still to come after the stop").isLessThan(FRAMES);

            JobClient second = cluster.submit(config, Optional.of(retained.toString()));
            cluster.flink.awaitStatus(second.getJobID(), JobStatus.RUNNING, WAIT);
            assertThat(cluster.flink.restoredCheckpoint(second.getJobID())).as("restored from a checkpoint").isPresent();

            sending.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            camera.shutdown();

            List<FrameResult> results = new ArrayList<>();
            cluster.readCommitted(resultsTopic, WAIT, records -> {
                results.clear();
                records.forEach(r -> results.add(PipelineIntegrationTest.decodeResult(r)));
                return results.size() >= FRAMES;
            });
            // Let one more checkpoint commit, so a duplicate written late would be visible too.
            CompletedCheckpoint later = cluster.flink.awaitCompletedCheckpoint(second.getJobID(),
                    cluster.flink.latestCompletedCheckpoint(second.getJobID()).map(CompletedCheckpoint::id).orElse(0L), WAIT);
            results.clear();
            cluster.readCommitted(resultsTopic, Duration.ofSeconds(5), records -> false)
                    .forEach(r -> results.add(PipelineIntegrationTest.decodeResult(r)));

            Map<String, Integer> perFrame = new HashMap<>();
            results.forEach(r -> perFrame.merge(r.getCameraId() + "#" + r.getSequence(), 1, Integer::sum));
            List<String> missing = new ArrayList<>();
            for (int i = 0; i < FRAMES; i++) {
                String id = (i % 2 == 0 ? "eo-a" : "eo-b") + "#" + i;
                if (!perFrame.containsKey(id)) {
                    missing.add(id);
                }
            }
            List<String> duplicated = perFrame.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList();
            System.out.printf("exactly-once: %d frames sent, stop after %d (checkpoint %d), restored from %s, %d results, later checkpoint %d%n",
                    FRAMES, sentAtStop, checkpoint.id(), retained.getFileName(), results.size(), later.id());
            assertThat(missing).as("frames without a result").isEmpty();
            assertThat(duplicated).as("frames with more than one result").isEmpty();
            assertThat(results).hasSize(FRAMES);
        }
    }

    private static Void send(FramePublisher publisher, List<byte[]> images, int from, int to, AtomicInteger sent) throws Exception {
        for (int i = from; i < to; i++) {
            String cameraId = i % 2 == 0 ? "eo-a" : "eo-b";
            publisher.publish(FramePublisher.frame(cameraId, i, images.get(i % 2)));
            sent.incrementAndGet();
            Thread.sleep(SEND_INTERVAL.toMillis());
        }
        return null;
    }

}
