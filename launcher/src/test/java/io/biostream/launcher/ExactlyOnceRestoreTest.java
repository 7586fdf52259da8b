package io.biostream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.launcher.local.FramePublisher;
import io.biostream.launcher.local.LocalFlinkCluster.CompletedCheckpoint;
import io.biostream.operators.decode.TestImages;
import io.biostream.operators.functions.PipelineConfig;
import io.biostream.operators.testing.SharedFaces;
import io.biostream.schemas.DeadLetter;
import io.biostream.schemas.DeadLetterReason;
import io.biostream.schemas.FrameResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stops the pipeline job and restores it from its last retained checkpoint while a camera keeps
 * sending face photos and, now and then, a corrupt image. Results, templates and dead letters
 * leave through one exactly-once sink, committed with the checkpoint: a read_committed reader must
 * then see exactly one result and one template for every face frame and exactly one dead letter
 * for every corrupt one, none lost and none twice.
 */
class ExactlyOnceRestoreTest {
    /** Few frames: each face goes through the product's detector (SSD), landmarks and recognition net. */
    private static final int FRAMES = 60;
    /** Every CORRUPT_EVERY-th frame carries a corrupt image. */
    private static final int CORRUPT_EVERY = 5;
    private static final Duration SEND_INTERVAL = Duration.ofMillis(100);
    private static final Duration WAIT = Duration.ofSeconds(120);
    /** Photos with exactly one face each (IdentityPipelineTest checks them one by one). */
    private static final List<String> PHOTOS = List.of("raj/raj_1.png", "lennard/lennard_1.png", "raj/raj_4.png",
            "sheldon/sheldon_2.png");

    @TempDir
    Path dir;

    @Test
    void everyFrameHasExactlyOneResultTemplateOrDeadLetterAcrossAStopAndRestore() throws Exception {
        List<byte[]> faces = new ArrayList<>();
        for (String photo : PHOTOS) {
            faces.add(SharedFaces.bbtFrame(photo)); // skips the test without the shared photos
        }
        byte[] corrupt = TestImages.corruptPngData(TestImages.gradient(64, 48, ".png"));
        ExecutorService camera = Executors.newSingleThreadExecutor();
        try (PipelineCluster cluster = new PipelineCluster(dir)) {
            PipelineConfig config = cluster.pipelineConfig(Map.of());
            FramePublisher publisher = cluster.publisher(cluster.topics.frames());

            JobClient first = cluster.submit(config, Optional.empty());
            cluster.flink.awaitStatus(first.getJobID(), JobStatus.RUNNING, WAIT);

            // First part of the stream, until a checkpoint has completed with output committed.
            AtomicInteger sent = new AtomicInteger();
            camera.submit(() -> send(publisher, faces, corrupt, 0, FRAMES / 3, sent)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            awaitCommittedResults(cluster, 1);
            CompletedCheckpoint checkpoint = cluster.flink.awaitCompletedCheckpoint(first.getJobID(),
                    cluster.flink.latestCompletedCheckpoint(first.getJobID()).map(CompletedCheckpoint::id).orElse(0L), WAIT);

            // The camera keeps sending while the job is stopped and restored from its last checkpoint.
            Future<?> sending = camera.submit(() -> send(publisher, faces, corrupt, FRAMES / 3, FRAMES, sent));
            cluster.flink.cancel(first.getJobID());
            int sentAtStop = sent.get();
            int committedAtStop = cluster.readCommittedToEnd(cluster.topics.results(), WAIT).size();
            Path retained = cluster.flink.newestRetainedCheckpoint(first.getJobID()).orElseThrow();
            assertThat(sentAtStop).as("frames still to come after the stop").isLessThan(FRAMES);

            JobClient second = cluster.submit(config, Optional.of(retained.toString()));
            cluster.flink.awaitStatus(second.getJobID(), JobStatus.RUNNING, WAIT);
            assertThat(cluster.flink.restoredCheckpoint(second.getJobID())).as("restored from a checkpoint").isPresent();
            sending.get(WAIT.toSeconds(), TimeUnit.SECONDS);

            int faceFrames = (int) java.util.stream.IntStream.range(0, FRAMES).filter(i -> !isCorrupt(i)).count();
            awaitCommittedResults(cluster, faceFrames);
            // Let one more checkpoint commit, so that a duplicate written late would be visible too.
            CompletedCheckpoint later = cluster.flink.awaitCompletedCheckpoint(second.getJobID(),
                    cluster.flink.latestCompletedCheckpoint(second.getJobID()).map(CompletedCheckpoint::id).orElse(0L), WAIT);

            Map<String, Integer> results = PipelineCluster.countBy(cluster.readCommittedToEnd(cluster.topics.results(), WAIT), r -> {
                FrameResult result = PipelineIntegrationTest.decodeResult(r);
                assertThat(result.getFaces()).as("faces of %s/%d", result.getCameraId(), result.getSequence()).hasSize(1);
                return frameId(result.getCameraId(), result.getSequence());
            });
            Map<String, Integer> templates = PipelineCluster.countBy(cluster.readCommittedToEnd(cluster.topics.templates(), WAIT),
                    r -> new String(r.key(), StandardCharsets.UTF_8));
            Map<String, Integer> deadLetters = PipelineCluster.countBy(cluster.readCommittedToEnd(cluster.topics.dlq(), WAIT), r -> {
                DeadLetter letter = PipelineIntegrationTest.decodeDeadLetter(r);
                assertThat(letter.getReason()).as(letter.getMessage()).isEqualTo(DeadLetterReason.CORRUPT_IMAGE);
                return frameId(letter.getCameraId(), letter.getSequence());
            });
            System.out.printf("exactly-once: %d frames sent (%d with a face), stop after %d with %d results committed"
                            + " (checkpoint %d), restored from %s; %d results, %d templates, %d dead letters; later checkpoint %d%n",
                    FRAMES, faceFrames, sentAtStop, committedAtStop, checkpoint.id(), retained.getFileName(),
                    PipelineCluster.total(results), PipelineCluster.total(templates), PipelineCluster.total(deadLetters), later.id());

            Map<String, Integer> onceEach = new TreeMap<>();
            Map<String, Integer> expectedTemplates = new TreeMap<>();
            Map<String, Integer> expectedDeadLetters = new TreeMap<>();
            for (int i = 0; i < FRAMES; i++) {
                String id = frameId(cameraOf(i), i);
                if (isCorrupt(i)) {
                    expectedDeadLetters.put(id, 1);
                } else {
                    onceEach.put(id, 1);
                    expectedTemplates.put(id + "/0", 1);
                }
            }
            assertThat(new TreeMap<>(results)).as("results per frame (none lost, none twice)").isEqualTo(onceEach);
            assertThat(new TreeMap<>(templates)).as("templates per face").isEqualTo(expectedTemplates);
            assertThat(new TreeMap<>(deadLetters)).as("dead letters per corrupt frame").isEqualTo(expectedDeadLetters);
        } finally {
            camera.shutdownNow();
            assertThat(camera.awaitTermination(30, TimeUnit.SECONDS)).as("camera thread stopped").isTrue();
        }
    }

    private static boolean isCorrupt(int i) {
        return i % CORRUPT_EVERY == CORRUPT_EVERY - 1;
    }

    private static String cameraOf(int i) {
        return i % 2 == 0 ? "eo-a" : "eo-b";
    }

    private static String frameId(String camera, long sequence) {
        return camera + "/" + sequence;
    }

    /** Waits until at least {@code count} results are committed. */
    private static void awaitCommittedResults(PipelineCluster cluster, int count) {
        List<ConsumerRecord<byte[], byte[]>> seen = cluster.readCommitted(cluster.topics.results(), WAIT, records -> records.size() >= count);
        assertThat(seen).as("results committed within %s", WAIT).hasSizeGreaterThanOrEqualTo(count);
    }

    private static Void send(FramePublisher publisher, List<byte[]> faces, byte[] corrupt, int from, int to, AtomicInteger sent)
            throws Exception {
        for (int i = from; i < to; i++) {
            if (isCorrupt(i)) {
                publisher.publish(PipelineIntegrationTest.frameWith(cameraOf(i), i, "png", 64, 48, corrupt));
            } else {
                publisher.publish(FramePublisher.frame(cameraOf(i), i, faces.get(i % faces.size())));
            }
            sent.incrementAndGet();
            Thread.sleep(SEND_INTERVAL.toMillis()); // the camera's frame rate
        }
        return null;
    }
}
