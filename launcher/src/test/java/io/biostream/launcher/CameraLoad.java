package io.biostream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.launcher.local.FramePublisher;
import io.biostream.schemas.DeadLetter;
import io.biostream.schemas.FrameResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Cameras sending frames in the background while a fault is injected: each round one frame per
 * camera, every {@code badEvery}-th frame of a camera a truncated image (a dead letter's worth).
 * Bounded in frames and time; a send that fails is kept as the test's failure.
 */
final class CameraLoad implements AutoCloseable {
    /** One frame record as the broker acknowledged it. */
    record Published(String camera, long sequence, boolean bad, int partition, long offset) {}

    private final List<Published> published = Collections.synchronizedList(new ArrayList<>());
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final Thread thread;
    private volatile boolean running = true;

    private CameraLoad(FramePublisher frames, List<String> cameras, Duration interval, byte[] image, int badEvery,
            int maxFrames, Duration maxTime) {
        byte[] truncated = Arrays.copyOf(image, image.length / 2);
        thread = new Thread(() -> {
            long deadline = System.nanoTime() + maxTime.toNanos();
            long sequence = 0;
            try {
                while (running && published.size() < maxFrames && System.nanoTime() < deadline) {
                    sequence++;
                    for (String camera : cameras) {
                        boolean bad = sequence % badEvery == 0;
                        RecordMetadata sent = frames.publish(FramePublisher.frame(camera, sequence, bad ? truncated : image));
                        published.add(new Published(camera, sequence, bad, sent.partition(), sent.offset()));
                    }
                    Thread.sleep(interval.toMillis());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                failure.set(e);
            }
        }, "camera-load");
        thread.setDaemon(true);
    }

    static CameraLoad start(FramePublisher frames, List<String> cameras, Duration interval, byte[] image, int badEvery,
            int maxFrames, Duration maxTime) {
        CameraLoad load = new CameraLoad(frames, cameras, interval, image, badEvery, maxFrames, maxTime);
        load.thread.start();
        return load;
    }

    int count() {
        return published.size();
    }

    /** Stops sending (waiting at most a minute for a send under way) and returns what was published. */
    List<Published> stop() throws InterruptedException {
        running = false;
        thread.join(Duration.ofSeconds(60).toMillis());
        assertThat(thread.isAlive()).as("camera load still sending a minute after stop").isFalse();
        if (failure.get() != null) {
            throw new AssertionError("a camera's send failed: " + failure.get(), failure.get());
        }
        synchronized (published) {
            return List.copyOf(published);
        }
    }

    /**
     * Every published frame has exactly one outcome: a good frame one result (by camera and
     * sequence) and no dead letter, a bad frame one dead letter (by partition and offset) and no
     * result; waits at most {@code wait} for them, then reads both topics to their ends once more.
     */
    static void assertExactlyOneOutcome(PipelineCluster cluster, List<Published> published, Duration wait) {
        long good = published.stream().filter(p -> !p.bad()).count();
        long bad = published.size() - good;
        cluster.readCommitted(cluster.topics.results(), wait, records -> records.size() >= good);
        cluster.readCommitted(cluster.topics.dlq(), wait, records -> records.size() >= bad);
        List<FrameResult> results = cluster.readCommittedToEnd(cluster.topics.results(), wait).stream()
                .map(PipelineIntegrationTest::decodeResult).toList();
        List<DeadLetter> letters = cluster.readCommittedToEnd(cluster.topics.dlq(), wait).stream()
                .map(PipelineIntegrationTest::decodeDeadLetter)
                .filter(l -> l.getTopic().equals(cluster.topics.frames())).toList();
        Map<String, Integer> resultCounts = PipelineCluster.countBy(results, r -> r.getCameraId() + "/" + r.getSequence());
        Map<String, Integer> letterCounts = PipelineCluster.countBy(letters, l -> l.getPartition() + "/" + l.getOffset());
        List<String> wrong = new ArrayList<>();
        for (Published p : published) {
            int r = resultCounts.getOrDefault(p.camera() + "/" + p.sequence(), 0);
            int l = letterCounts.getOrDefault(p.partition() + "/" + p.offset(), 0);
            if (p.bad() ? (l != 1 || r != 0) : (r != 1 || l != 0)) {
                wrong.add(p + ": " + r + " results, " + l + " dead letters");
            }
        }
        assertThat(wrong).as("frames without exactly one outcome, of %d published (%d bad)", published.size(), bad).isEmpty();
        assertThat(results).as("results of frames nobody published").hasSize((int) good);
        assertThat(letters).as("dead letters of frames nobody published").hasSize((int) bad);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(Duration.ofSeconds(60).toMillis());
    }
}
