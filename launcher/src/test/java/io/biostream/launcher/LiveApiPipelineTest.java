package io.biostream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.biostream.api.ApiServer;
import io.biostream.api.auth.ApiKeyStore;
import io.biostream.api.auth.IssuedKey;
import io.biostream.api.auth.Role;
import io.biostream.api.state.FlinkJobStatus;
import io.biostream.launcher.local.FramePublisher;
import io.biostream.operators.identity.FacePhotos;
import io.biostream.operators.identity.IdentityConfig;
import io.biostream.operators.testing.LiveSocket;
import io.biostream.operators.testing.SharedFaces;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live endpoint end to end: the job on a MiniCluster writes results to the broker, the API
 * follows biostream.results and pushes them over a real WebSocket; a frame of a subject enrolled
 * with {@code watchlist=true} raises an alert, one of a subject not on the watchlist does not; the
 * job channel reports the running job from the JobManager's REST API; a video view gets the
 * camera's frames as annotated JPEGs.
 */
class LiveApiPipelineTest {
    private static final Duration WAIT = Duration.ofSeconds(180);
    /** From a frame on the broker to its result on the WebSocket (the bound). */
    private static final Duration LIVE_BOUND = Duration.ofSeconds(5);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void aLiveClientGetsACamerasResultAndAWatchlistAlertWithinSecondsOfTheFrame() throws Exception {
        byte[] raj = SharedFaces.bbtFrame("raj/raj_4.png"); // skips the test without the shared photos
        byte[] sheldon = SharedFaces.bbtFrame("sheldon/sheldon_2.png");
        try (PipelineCluster cluster = new PipelineCluster(dir)) {
            JobClient job = cluster.submit(cluster.pipelineConfig(Map.of()), Optional.empty());
            ApiKeyStore keys = new ApiKeyStore();
            IssuedKey admin = keys.generate("admin", EnumSet.of(Role.ADMIN), Set.of());
            IssuedKey analyst = keys.generate("analyst", EnumSet.of(Role.ANALYST), Set.of());
            ApiServer api = cluster.startIdentityApi(keys, job.getJobID(), Map.of());
            api.followTopics(cluster.apiKafka(), cluster.topics);
            api.followJobStatus(new FlinkJobStatus(cluster.flink.restUrl(), () -> Optional.of(job.getJobID())));

            createSubject(api, admin, "raj", "{\"watchlist\": \"true\"}");
            enroll(api, admin, "raj", 1, 10);
            createSubject(api, admin, "sheldon", "{\"team\": \"physics\"}");
            enroll(api, admin, "sheldon", 16, 17);
            cluster.awaitControlApplied();

            HttpResponse<String> issued = send(api, "POST", "/api/v1/live/tickets", analyst, "application/json", new byte[0]);
            assertThat(issued.statusCode()).as(issued.body()).isEqualTo(200);
            try (LiveSocket live = LiveSocket.open(api.port(), JSON.readTree(issued.body()).path("ticket").asText())) {
                live.subscribe("results");
                live.subscribe("alerts");
                live.subscribe("job");
                // restarts is null until the JobManager's metric fetcher has the job's numRestarts (up to 10 s)
                JsonNode status = live.await(m -> m.path("type").asText().equals("job") && m.hasNonNull("restarts"), WAIT)
                        .orElseThrow(() -> new AssertionError("no job status with its restarts"));
                assertThat(status.path("jobId").asText()).isEqualTo(job.getJobID().toHexString());
                assertThat(status.path("running").asBoolean()).as(status.toString()).isTrue();
                assertThat(status.path("restarts").asLong(-1)).as(status.toString()).isZero();
                FramePublisher frames = cluster.publisher(cluster.topics.frames());
                // The first frame warms the job's models and the follower's assignment: not timed.
                frames.publish(FramePublisher.frame("warm-up", 1, sheldon));
                assertThat(live.await(m -> isResult(m, "warm-up", 1), WAIT)).as("warm-up result").isPresent();

                long sent = System.nanoTime();
                frames.publish(FramePublisher.frame("gate-1", 1, sheldon));
                JsonNode first = live.await(m -> isResult(m, "gate-1", 1), LIVE_BOUND)
                        .orElseThrow(() -> new AssertionError("no result of gate-1/1 within " + LIVE_BOUND));
                long resultMillis = Duration.ofNanos(System.nanoTime() - sent).toMillis();
                assertThat(first.path("faces")).hasSize(1);
                assertThat(first.path("faces").get(0).path("box").path("width").asDouble()).isPositive();
                assertThat(first.toString()).doesNotContain("landmarks", "descriptor", "ciphertext");

                sent = System.nanoTime();
                frames.publish(FramePublisher.frame("gate-1", 2, raj));
                // Alerts and results come in one order; the first alert is raj's: sheldon is not on the watchlist.
                JsonNode alert = live.awaitType("alert", LIVE_BOUND)
                        .orElseThrow(() -> new AssertionError("no alert within " + LIVE_BOUND));
                long alertMillis = Duration.ofNanos(System.nanoTime() - sent).toMillis();
                assertThat(alert.path("subjectId").asText()).isEqualTo("raj");
                assertThat(alert.path("cameraId").asText()).isEqualTo("gate-1");
                assertThat(alert.path("sequence").asLong()).isEqualTo(2);
                assertThat(alert.path("distance").asDouble()).isBetween(0.0, (double) IdentityConfig.DEFAULTS.matchThreshold());

                // A video view of gate-1: its frames come back as JPEGs with the latest result's boxes.
                live.send("{\"type\":\"subscribe\",\"channel\":\"video\",\"cameraIds\":[\"gate-1\"],\"fps\":5}");
                assertThat(live.awaitType("subscribed", WAIT)).isPresent();
                Optional<JsonNode> video = Optional.empty();
                // The frames follower starts at the view, from the topic's end: frames until one is shown.
                for (int sequence = 3; sequence < 43 && video.isEmpty(); sequence++) {
                    frames.publish(FramePublisher.frame("gate-1", sequence, raj));
                    video = live.awaitType("video", Duration.ofMillis(500));
                }
                assertThat(video).as("a video frame of gate-1").hasValueSatisfying(v -> {
                    assertThat(v.path("cameraId").asText()).isEqualTo("gate-1");
                    assertThat(v.path("faces").asInt()).isEqualTo(1);
                    byte[] jpeg = java.util.Base64.getDecoder().decode(v.path("jpeg").asText());
                    assertThat(jpeg[0] & 0xff).isEqualTo(0xff);
                    assertThat(jpeg[1] & 0xff).isEqualTo(0xd8);
                });
                System.out.printf("live: result %d ms after its frame, watchlist alert %d ms after its frame%n",
                        resultMillis, alertMillis);
            }
            cluster.flink.cancel(job.getJobID()); // bounded: waits until CANCELED, at most a minute
        }
    }

    private static boolean isResult(JsonNode message, String camera, long sequence) {
        return message.path("type").asText().equals("result") && message.path("cameraId").asText().equals(camera)
                && message.path("sequence").asLong() == sequence;
    }

    private static void createSubject(ApiServer api, IssuedKey admin, String id, String attributes) throws Exception {
        HttpResponse<String> created = send(api, "POST", "/api/v1/subjects", admin, "application/json",
                ("{\"id\": \"" + id + "\", \"displayName\": \"" + id + "\", \"attributes\": " + attributes
                        + ", \"consent\": {\"legalBasis\": \"explicit-consent\", \"purpose\": \"building access\"}}")
                        .getBytes(StandardCharsets.UTF_8));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    }

    private static void enroll(ApiServer api, IssuedKey admin, String person, int... photos) throws Exception {
        for (int photo : photos) {
            HttpResponse<String> enrolled = send(api, "POST", "/api/v1/subjects/" + person + "/images", admin, "image/png",
                    FacePhotos.bbt(person, photo));
            assertThat(enrolled.statusCode()).as(enrolled.body()).isEqualTo(201);
        }
    }

    private static HttpResponse<String> send(ApiServer api, String method, String path, IssuedKey key, String type, byte[] body)
            throws Exception {
        return PipelineCluster.send(api, method, path, key.plaintext(), type, body);
    }
}
