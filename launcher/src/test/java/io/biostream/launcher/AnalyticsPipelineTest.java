package io.biostream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.biostream.api.ApiServer;
import io.biostream.api.auth.ApiKeyStore;
import io.biostream.api.auth.IssuedKey;
import io.biostream.api.auth.Role;
import io.biostream.launcher.local.FramePublisher;
import io.biostream.operators.decode.TestImages;
import io.biostream.operators.functions.PipelineConfig;
import io.biostream.operators.testing.SharedFaces;
import io.biostream.schemas.AnalyticsStep;
import io.biostream.schemas.CameraAnalytics;
import io.biostream.schemas.FaceStatus;
import io.biostream.schemas.Frame;
import io.biostream.schemas.FrameResult;
import io.biostream.schemas.WireFormat;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Business analytics end to end: frames with scripted capture times (out of order, late, a dead
 * letter) through the broker and the job on a MiniCluster; the closed minute windows on
 * biostream.analytics (read_committed) and through GET /api/v1/analytics/cameras/{id}.
 */
class AnalyticsPipelineTest {
    private static final Duration WAIT = Duration.ofSeconds(180);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void closedMinuteWindowsGiveExactCountsOnTheTopicAndTheApi() throws Exception {
        byte[] stranger = SharedFaces.bbtFrame("sheldon/sheldon_2.png"); // skips the test without the shared photos
        byte[] empty = TestImages.gradient(160, 120, ".png");
        byte[] truncated = Arrays.copyOf(empty, empty.length / 2);
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.MINUTES).minus(Duration.ofMinutes(30));
        try (PipelineCluster cluster = new PipelineCluster(dir)) {
            PipelineConfig config = cluster.pipelineConfig(Map.of("biostream.analytics.out-of-orderness", "10s"));
            JobClient job = cluster.submit(config, Optional.empty());
            FramePublisher frames = cluster.publisher(cluster.topics.frames());
            // minute t0: two faces (one out of order), an empty frame and a dead letter; then a frame
            // 75 s in closes it (watermark 64.999 s) and one 40 s in comes too late for it.
            publish(frames, "door", 1, stranger, t0.plusSeconds(5));
            publish(frames, "door", 2, empty, t0.plusSeconds(20));
            publish(frames, "door", 3, stranger, t0.plusSeconds(15));
            publish(frames, "door", 4, truncated, t0.plusSeconds(30));
            publish(frames, "door", 5, empty, t0.plusSeconds(75));
            // The watermark is emitted periodically (200 ms): the late frame goes once minute t0 has closed.
            assertThat(cluster.readCommitted(cluster.topics.analytics(), WAIT, records -> !records.isEmpty()))
                    .as("minute t0 closed").isNotEmpty();
            publish(frames, "door", 6, stranger, t0.plusSeconds(40));
            publish(frames, "door", 7, empty, t0.plusSeconds(200)); // closes minute t0+1

            Map<Long, FrameResult> results = new HashMap<>();
            cluster.readCommitted(cluster.topics.results(), WAIT, records -> {
                records.forEach(r -> {
                    FrameResult result = PipelineIntegrationTest.decodeResult(r);
                    results.put(result.getSequence(), result);
                });
                records.clear();
                return results.keySet().containsAll(List.of(1L, 2L, 3L, 5L, 6L, 7L));
            });
            long faces = 0;
            long described = 0;
            for (long sequence : new long[] {1, 2, 3}) {
                faces += results.get(sequence).getFaces().size();
                described += results.get(sequence).getFaces().stream().filter(f -> f.getStatus() == FaceStatus.DESCRIBED).count();
            }
            assertThat(faces).as("the stranger's photo shows a face").isGreaterThanOrEqualTo(2);

            List<CameraAnalytics> windows = new ArrayList<>();
            cluster.readCommitted(cluster.topics.analytics(), WAIT, records -> {
                records.forEach(r -> windows.add(decode(r.value())));
                records.clear();
                return windows.stream().anyMatch(w -> w.getStart().equals(t0.plusSeconds(60)));
            });
            List<CameraAnalytics> minutes = windows.stream().filter(w -> w.getStep() == AnalyticsStep.MINUTE).toList();
            assertThat(minutes).extracting(CameraAnalytics::getStart).containsExactly(t0, t0.plusSeconds(60));
            // nobody is enrolled: every described face is unknown
            assertThat(counts(minutes.get(0))).containsExactly(3L, faces, described, 0L, described, 1L);
            assertThat(counts(minutes.get(1))).containsExactly(1L, 0L, 0L, 0L, 0L, 0L);

            ApiKeyStore keys = new ApiKeyStore();
            IssuedKey analyst = keys.generate("dashboard", EnumSet.of(Role.ANALYST), Set.of());
            ApiServer api = cluster.startApi(keys, job.getJobID());
            HttpResponse<String> answer = PipelineCluster.send(api, "GET", "/api/v1/analytics/cameras/door?step=minute&from=" + t0
                    + "&to=" + t0.plusSeconds(120), analyst.plaintext(), "application/json", new byte[0]);
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            JsonNode buckets = JSON.readTree(answer.body()).get("buckets");
            assertThat(buckets).hasSize(2);
            assertThat(List.of(buckets.get(0).get("frames").asLong(), buckets.get(0).get("faces").asLong(),
                    buckets.get(0).get("described").asLong(), buckets.get(0).get("unknown").asLong(),
                    buckets.get(0).get("deadLetters").asLong())).containsExactly(3L, faces, described, described, 1L);
            assertThat(buckets.get(1).get("frames").asLong()).isEqualTo(1L);
            System.out.printf("analytics: minute %s frames 3 faces %d described %d dead letters 1; the late frame dropped%n",
                    t0, faces, described);
            cluster.flink.cancel(job.getJobID()); // bounded: waits until CANCELED, at most a minute
        }
    }

    private static void publish(FramePublisher frames, String camera, long sequence, byte[] image, Instant captured)
            throws Exception {
        Frame frame = FramePublisher.frame(camera, sequence, image);
        frames.publish(Frame.newBuilder(frame).setCaptureTime(captured).build());
    }

    private static CameraAnalytics decode(byte[] value) {
        try {
            return WireFormat.decode(CameraAnalytics.class, value);
        } catch (java.io.IOException e) {
            throw new AssertionError("not a CameraAnalytics record", e);
        }
    }

    private static List<Long> counts(CameraAnalytics w) {
        return List.of(w.getFrames(), w.getFaces(), w.getDescribed(), w.getSubjects(), w.getUnknown(), w.getDeadLetters());
    }
}
