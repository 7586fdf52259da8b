package io.biostream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.launcher.local.DemoCamera;
import io.biostream.launcher.local.FramePublisher;
import io.biostream.operators.decode.TestImages;
import io.biostream.operators.functions.ForgedFrames;
import io.biostream.operators.functions.PipelineConfig;
import io.biostream.schemas.DeadLetter;
import io.biostream.schemas.DeadLetterReason;
import io.biostream.schemas.FrameResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One hostile camera against the real broker and MiniCluster (default Surefire heap): eight
 * 6324x6324 all-black PNGs (40 MP in ~117 KB each), two 9 MP PNGs over the decode budget, and
 * three Avro records with forged 2^31-9 lengths, interleaved with real face photos from two other
 * cameras. The job must not fail or restart, every hostile record must be a dead letter with its
 * reason, every good frame exactly one result, and the good cameras' results must keep flowing.
 */
class HostileFramesTest {
    private static final Duration WAIT = Duration.ofSeconds(120);
    /** Generous for a loaded 2-core machine; results commit with checkpoints (1 s here). */
    private static final Duration MAX_GOOD_LATENCY = Duration.ofSeconds(20);
    private static final String HOSTILE = "hostile-cam";
    private static final List<String> GOOD = List.of("lobby-cam", "gate-cam");
    /** A decode budget of 64 MiB: 9 MP (90 MB at 10 bytes a pixel) never fits, two demo photos (24.6 MB each) always do. */
    private static final long BUDGET = 64L << 20;

    @TempDir
    Path dir;

    @Test
    void hostileFramesAndForgedLengthsAreDeadLettersWhileOtherCamerasKeepFlowing() throws Exception {
        List<byte[]> photos = DemoCamera.loadPhotos();
        byte[] bomb = TestImages.black(6324, 6324, ".png");
        byte[] overBudget = TestImages.black(3000, 3000, ".png");
        System.out.println("hostile frames: 40 MP PNG of " + bomb.length + " bytes, 9 MP PNG of " + overBudget.length + " bytes");

        try (PipelineCluster cluster = new PipelineCluster(dir)) {
            PipelineConfig config = cluster.pipelineConfig(Map.of("biostream.decode.budget-bytes", Long.toString(BUDGET)));
            JobClient job = cluster.submit(config, Optional.empty());
            FramePublisher frames = cluster.publisher(cluster.topics.frames());

            // Warm up (nets loaded, first checkpoint done) so the timings below measure the burst.
            Map<String, Long> published = new HashMap<>();
            for (String camera : GOOD) {
                frames.publish(FramePublisher.frame(camera, 0, photos.get(0)));
                published.put(camera + "/0", System.nanoTime());
            }
            awaitResults(cluster, published.keySet());

            // The burst: the forged records first (as in the incident), then the big frames, a good
            // frame of one of the other cameras after every second hostile record (7 in all).
            List<byte[]> hostile = new ArrayList<>(ForgedFrames.all());
            int[] sequences = {1, 1};
            long burstStart = System.nanoTime();
            for (int i = 0; i < hostile.size() + 10; i++) {
                if (i < hostile.size()) {
                    frames.publishRaw(HOSTILE, hostile.get(i));
                } else {
                    int n = i - hostile.size();
                    frames.publish(FramePublisher.frame(HOSTILE, n, n < 8 ? bomb : overBudget));
                }
                if (i % 2 == 0) {
                    int c = (i / 2) % 2;
                    String camera = GOOD.get(c);
                    long sequence = sequences[c]++;
                    frames.publish(FramePublisher.frame(camera, sequence, photos.get((int) (sequence % photos.size()))));
                    published.put(camera + "/" + sequence, System.nanoTime());
                }
            }
            long burstEnd = System.nanoTime();

            Map<String, Long> arrived = awaitResults(cluster, published.keySet());
            List<DeadLetter> letters = awaitDeadLetters(cluster, 13);

            List<ConsumerRecord<byte[], byte[]>> results = cluster.readCommittedToEnd(cluster.topics.results(), WAIT);
            Map<String, Integer> perFrame = PipelineCluster.countBy(results, HostileFramesTest::frameId);
            assertThat(perFrame.keySet()).as("a result for every good frame, none for a hostile one")
                    .containsExactlyInAnyOrderElementsOf(published.keySet());
            assertThat(perFrame.values()).as("exactly one result per good frame").containsOnly(1);

            assertThat(letters).as("no dead letter for the good cameras").allMatch(l -> HOSTILE.equals(l.getCameraId()));
            assertThat(letters.stream().filter(l -> l.getReason() == DeadLetterReason.NOT_AVRO))
                    .as("the forged lengths").hasSize(3)
                    .allMatch(l -> l.getMessage().contains("2147483639") && l.getMessage().contains("bytes left"));
            assertThat(letters.stream().filter(l -> l.getMessage().contains("12000000 px")))
                    .as("the 40 MP frames, over the pixel limit").hasSize(8)
                    .allMatch(l -> l.getReason() == DeadLetterReason.DIMENSIONS_TOO_LARGE && l.getMessage().contains("6324x6324"));
            assertThat(letters.stream().filter(l -> l.getMessage().contains("more than the whole decode budget")))
                    .as("the 9 MP frames, over the decode budget").hasSize(2)
                    .allMatch(l -> l.getReason() == DeadLetterReason.DIMENSIONS_TOO_LARGE);
            assertThat(letters).hasSize(13);

            long worst = 0;
            for (String frame : published.keySet()) {
                if (!frame.endsWith("/0")) {
                    worst = Math.max(worst, arrived.get(frame) - published.get(frame));
                }
            }
            System.out.printf("hostile frames: burst of 13 hostile + 7 good records published in %d ms; "
                    + "worst good-frame latency (publish to committed result seen) %d ms; all good results %d ms after the burst%n",
                    (burstEnd - burstStart) / 1_000_000, worst / 1_000_000,
                    (arrived.values().stream().mapToLong(Long::longValue).max().orElseThrow() - burstEnd) / 1_000_000);
            assertThat(Duration.ofNanos(worst)).as("the good cameras' results keep flowing").isLessThan(MAX_GOOD_LATENCY);

            cluster.assertJobNeverFailed(job.getJobID());
        }
    }

    private static String frameId(ConsumerRecord<byte[], byte[]> record) {
        FrameResult result = PipelineIntegrationTest.decodeResult(record);
        return result.getCameraId() + "/" + result.getSequence();
    }

    /** When each wanted frame's committed result was first seen (nanoTime); fails after {@link #WAIT}. */
    private static Map<String, Long> awaitResults(PipelineCluster cluster, java.util.Set<String> wanted) {
        Map<String, Long> seen = new HashMap<>();
        int[] read = {0};
        cluster.readCommitted(cluster.topics.results(), WAIT, records -> {
            long now = System.nanoTime();
            for (; read[0] < records.size(); read[0]++) {
                seen.putIfAbsent(frameId(records.get(read[0])), now);
            }
            return seen.keySet().containsAll(wanted);
        });
        assertThat(seen.keySet()).as("results within %s", WAIT).containsAll(wanted);
        return seen;
    }

    private static List<DeadLetter> awaitDeadLetters(PipelineCluster cluster, int count) {
        List<DeadLetter> letters = new ArrayList<>();
        cluster.readCommitted(cluster.topics.dlq(), WAIT, records -> {
            letters.clear();
            records.forEach(r -> letters.add(PipelineIntegrationTest.decodeDeadLetter(r)));
            return letters.size() >= count;
        });
        assertThat(letters).as("dead letters within %s", WAIT).hasSizeGreaterThanOrEqualTo(count);
        return letters;
    }
}
