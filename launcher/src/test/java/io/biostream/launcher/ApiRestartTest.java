package io.biostream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.biostream.api.auth.ApiKeyStore;
import io.biostream.api.auth.IssuedKey;
import io.biostream.api.auth.Permission;
import io.biostream.api.auth.Role;
import io.biostream.launcher.local.FramePublisher;
import io.biostream.operators.audit.AuditSigningKeys;
import io.biostream.operators.testing.SharedFaces;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API process killed (SIGKILL, no shutdown hook) while two cameras send frames, and started
 * again on the same files: the job and its results do not depend on the API (results of frames
 * sent while it is down commit), the new process answers the cameras' latest results, and its
 * audit trail continues the old one: the events before the crash are still there, new ones follow,
 * and the whole trail verifies with no break.
 */
class ApiRestartTest {
    private static final Duration WAIT = Duration.ofSeconds(180);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void aKilledApiComesBackWhileResultsKeepFlowingAndItsAuditTrailContinuesAndVerifies() throws Exception {
        byte[] face = SharedFaces.bbtFrame("raj/raj_4.png");
        try (PipelineCluster cluster = new PipelineCluster(dir)) {
            JobClient job = cluster.submit(cluster.pipelineConfig(Map.of()), Optional.empty());
            cluster.flink.awaitStatus(job.getJobID(), JobStatus.RUNNING, WAIT);
            Path apiDir = Files.createDirectories(dir.resolve("api"));
            ApiKeyStore store = ApiKeyStore.fileBacked(apiDir.resolve("api-keys.json"));
            IssuedKey reader = store.generate("reader", EnumSet.of(Role.ANALYST), EnumSet.of(Permission.DESCRIPTORS));
            IssuedKey auditor = store.generate("auditor", EnumSet.of(Role.AUDITOR), Set.of());
            AuditSigningKeys.readOrCreate(apiDir.resolve("audit-signing.json"));
            Path config = ApiProcess.writeConfig(apiDir.resolve("api.yaml"), ApiProcess.settings(cluster, apiDir));
            FramePublisher frames = cluster.publisher(cluster.topics.frames());

            List<CameraLoad.Published> published;
            long eventsBefore;
            long lastBefore;
            try (CameraLoad load = CameraLoad.start(frames, List.of("hall-1", "hall-2"), Duration.ofMillis(700), face, 6, 600,
                    Duration.ofMinutes(5))) {
                try (ApiProcess first = ApiProcess.start(apiDir, config, ApiProcess.secretEnvironment(cluster))) {
                    String url = first.awaitListening(WAIT);
                    // Reads with descriptors are audited: the trail has events from the first process.
                    awaitJson(url, "/api/v1/cameras/hall-1/latest", reader, latest -> latest.path("sequence").asLong() >= 2);
                    awaitJson(url, "/api/v1/cameras/hall-2/latest", reader, latest -> latest.path("sequence").asLong() >= 2);
                    JsonNode verified = awaitJson(url, "/api/v1/audit/verify?full=true", auditor, v -> v.path("events").asLong() >= 2);
                    assertThat(verified.get("ok").asBoolean()).as(verified.toString()).isTrue();
                    eventsBefore = verified.get("events").asLong();
                    lastBefore = lastSequence(url, auditor);
                    first.process.destroyForcibly();
                    assertThat(first.awaitExit(Duration.ofSeconds(60))).as("killed").isEqualTo(137);
                }
                // While no API runs: frames sent now still get results, committed.
                int atCrash = load.count();
                long sequenceAfterCrash = atCrash / 2 + 2;
                assertThat(cluster.readCommitted(cluster.topics.results(), WAIT, records -> records.stream()
                        .map(PipelineIntegrationTest::decodeResult).anyMatch(r -> r.getSequence() >= sequenceAfterCrash)))
                        .as("results of frames sent while the API is down").isNotEmpty();

                try (ApiProcess second = ApiProcess.start(apiDir, config, ApiProcess.secretEnvironment(cluster))) {
                    String url = second.awaitListening(WAIT);
                    // Reads answer again, with results newer than the crash.
                    JsonNode latest = awaitJson(url, "/api/v1/cameras/hall-1/latest", reader,
                            l -> l.path("sequence").asLong() >= sequenceAfterCrash);
                    assertThat(latest.get("faces").size()).as(latest.toString()).isEqualTo(1);
                    // The trail continues: the old events, then the new process's, one chain, no break.
                    // The reads above were audited by now: the trail has grown (a minute, not WAIT: it answers at once).
                    JsonNode verified = awaitJson(url, "/api/v1/audit/verify?full=true", auditor,
                            v -> v.path("events").asLong() > eventsBefore, Duration.ofSeconds(60));
                    assertThat(verified.get("ok").asBoolean()).as(verified.toString()).isTrue();
                    assertThat(verified.path("breaks")).as("breaks: %s", verified).isEmpty();
                    assertThat(lastSequence(url, auditor)).as("the sequence continues after %d", lastBefore).isGreaterThan(lastBefore);
                    JsonNode events = awaitJson(url, "/api/v1/audit?from=0&limit=1000", auditor, page -> true).get("events");
                    for (int i = 1; i < events.size(); i++) {
                        assertThat(events.get(i).get("previousHash").asText()).as("event %d chained to %d", i, i - 1)
                                .isEqualTo(events.get(i - 1).get("hash").asText());
                        assertThat(events.get(i).get("sequence").asLong()).isEqualTo(events.get(i - 1).get("sequence").asLong() + 1);
                    }
                    published = load.stop();
                }
            }
            // The API's absence cost the cameras nothing: every frame exactly one outcome.
            CameraLoad.assertExactlyOneOutcome(cluster, published, WAIT);
        }
    }

    private static long lastSequence(String url, IssuedKey auditor) throws Exception {
        JsonNode events = awaitJson(url, "/api/v1/audit?from=0&limit=1000", auditor, page -> page.path("events").size() > 0)
                .get("events");
        return events.get(events.size() - 1).get("sequence").asLong();
    }

    /** GETs until the answer is 200 with a body {@code done} accepts; fails after WAIT (or {@code wait}). */
    private static JsonNode awaitJson(String url, String path, IssuedKey key, Predicate<JsonNode> done) throws Exception {
        return awaitJson(url, path, key, done, WAIT);
    }

    private static JsonNode awaitJson(String url, String path, IssuedKey key, Predicate<JsonNode> done, Duration wait)
            throws Exception {
        long deadline = System.nanoTime() + wait.toNanos();
        HttpResponse<String> last = null;
        while (System.nanoTime() < deadline) {
            last = HTTP.send(HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(60))
                    .header("Authorization", "Bearer " + key.plaintext()).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (last.statusCode() == 200 && done.test(JSON.readTree(last.body()))) {
                return JSON.readTree(last.body());
            }
            Thread.sleep(500);
        }
        throw new AssertionError("GET " + path + " did not answer as expected within " + wait + "; last: "
                + (last == null ? "none" : last.statusCode() + " " + last.body()));
    }
}
