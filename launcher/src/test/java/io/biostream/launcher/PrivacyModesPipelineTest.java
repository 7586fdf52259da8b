package io.biostream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.biostream.api.ApiServer;
import io.biostream.api.auth.ApiKeyStore;
import io.biostream.api.auth.IssuedKey;
import io.biostream.api.auth.Role;
import io.biostream.launcher.local.FramePublisher;
import io.biostream.operators.identity.FacePhotos;
import io.biostream.operators.functions.PipelineConfig;
import io.biostream.operators.testing.SharedFaces;
import io.biostream.schemas.FaceResult;
import io.biostream.schemas.FaceStatus;
import io.biostream.schemas.FrameResult;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Privacy modes end to end: a subject enrolled over HTTP, per-camera privacy modes set with PUT
 * /api/v1/config, frames through the broker and the job on a MiniCluster, and what comes out on
 * biostream.results and biostream.templates; then the subject's export shows the sighting.
 */
class PrivacyModesPipelineTest {
    private static final Duration WAIT = Duration.ofSeconds(180);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void watchlistOnlyKeepsOnlyEnrolledPeopleAndCountOnlyKeepsOnlyCounts() throws Exception {
        byte[] raj = SharedFaces.bbtFrame("raj/raj_4.png"); // skips the test without the shared photos
        byte[] stranger = SharedFaces.bbtFrame("sheldon/sheldon_2.png");
        try (PipelineCluster cluster = new PipelineCluster(dir)) {
            PipelineConfig config = cluster.pipelineConfig(Map.of());
            JobClient job = cluster.submit(config, Optional.empty());
            ApiKeyStore keys = new ApiKeyStore();
            IssuedKey admin = keys.generate("privacy officer", EnumSet.of(Role.ADMIN), Set.of());
            ApiServer api = cluster.startIdentityApi(keys, job.getJobID(), Map.of());

            assertThat(send(api, "POST", "/api/v1/subjects", admin, "application/json",
                    ("{\"id\": \"raj\", \"displayName\": \"Raj\", \"consent\": {\"legalBasis\": \"explicit-consent\","
                            + " \"purpose\": \"building access\"}}").getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(201);
            for (int photo : new int[] {1, 10}) {
                HttpResponse<String> enrolled = send(api, "POST", "/api/v1/subjects/raj/images", admin, "image/png", FacePhotos.bbt("raj", photo));
                assertThat(enrolled.statusCode()).as(enrolled.body()).isEqualTo(201);
            }
            HttpResponse<String> put = send(api, "PUT", "/api/v1/config", admin, "application/json",
                    ("{\"cameras\": {\"gate-w\": {\"privacyMode\": \"watchlist-only\"},"
                            + " \"hall-c\": {\"privacyMode\": \"count-only\", \"retentionSeconds\": 3600}}}").getBytes(StandardCharsets.UTF_8));
            assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
            cluster.awaitControlApplied();

            FramePublisher frames = cluster.publisher(cluster.topics.frames());
            frames.publish(FramePublisher.frame("gate-w", 1, raj));
            frames.publish(FramePublisher.frame("gate-w", 2, stranger));
            frames.publish(FramePublisher.frame("hall-c", 1, raj));
            frames.publish(FramePublisher.frame("door-f", 1, stranger));
            Map<String, FrameResult> results = results(cluster, Set.of("gate-w/1", "gate-w/2", "hall-c/1", "door-f/1"));
            // Templates travel in the same transactions as the results: all four frames' are committed now.
            Set<String> templates = committedTemplateKeys(cluster);

            // full (no override): the stranger is described, matches nobody, and is kept with a template.
            FaceResult strangerInFull = results.get("door-f/1").getFaces().get(0);
            assertThat(strangerInFull.getStatus()).isEqualTo(FaceStatus.DESCRIBED);
            assertThat(strangerInFull.getIdentification().getMatched()).isFalse();
            assertThat(templates).contains("door-f/1/0");

            // watchlist-only: the enrolled person is kept, the same stranger leaves nothing but a count.
            FrameResult known = results.get("gate-w/1");
            assertThat(known.getFaces()).singleElement().satisfies(f -> {
                assertThat(f.getIdentification().getSubjectId()).isEqualTo("raj");
                assertThat(f.getTemplateRef()).isEqualTo("gate-w/1/0");
            });
            assertThat(known.getDroppedFaces()).isZero();
            assertThat(templates).contains("gate-w/1/0");
            FrameResult unknown = results.get("gate-w/2");
            assertThat(unknown.getFaces()).isEmpty();
            assertThat(unknown.getDroppedFaces()).isEqualTo(1);
            assertThat(templates).doesNotContain("gate-w/2/0");

            // count-only: even the enrolled person is only counted.
            FrameResult counted = results.get("hall-c/1");
            assertThat(counted.getFaces()).isEmpty();
            assertThat(counted.getDroppedFaces()).isEqualTo(1);
            assertThat(templates).noneMatch(k -> k.startsWith("hall-c/"));

            // The export shows the one sighting the job kept of raj.
            JsonNode export = awaitExportWithSightings(api, admin);
            assertThat(export.get("templates")).hasSize(2);
            assertThat(export.get("sightings").get("sightings").findValuesAsText("faceId")).containsExactly("gate-w/1/0");
            System.out.printf("privacy modes: gate-w kept %s, dropped %d; hall-c dropped %d; templates %s%n",
                    known.getFaces().size(), unknown.getDroppedFaces(), counted.getDroppedFaces(), templates);
            cluster.flink.cancel(job.getJobID()); // bounded: waits until CANCELED, at most a minute
        }
    }

    /** The committed results by "camera/sequence", once all the wanted ones are there. */
    private static Map<String, FrameResult> results(PipelineCluster cluster, Set<String> wanted) {
        Map<String, FrameResult> results = new HashMap<>();
        cluster.readCommitted(cluster.topics.results(), WAIT, records -> {
            records.forEach(r -> {
                FrameResult result = PipelineIntegrationTest.decodeResult(r);
                results.put(result.getCameraId() + "/" + result.getSequence(), result);
            });
            records.clear();
            return results.keySet().containsAll(wanted);
        });
        assertThat(results.keySet()).containsAll(wanted);
        return results;
    }

    /**
     * Keys of every template committed so far: read to the end of each partition (for read_committed,
     * the last stable offset), so that a key missing here was not written by a committed transaction.
     */
    private static Set<String> committedTemplateKeys(PipelineCluster cluster) {
        Set<String> keys = new HashSet<>();
        cluster.readCommittedToEnd(cluster.topics.templates(), WAIT).forEach(r -> keys.add(new String(r.key(), StandardCharsets.UTF_8)));
        return keys;
    }

    /** The subject-sightings state is written after the result: ask until the export shows a sighting. */
    private static JsonNode awaitExportWithSightings(ApiServer api, IssuedKey admin) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JsonNode export = null;
        while (System.nanoTime() < deadline) {
            HttpResponse<String> response = send(api, "GET", "/api/v1/subjects/raj/export", admin, "application/json", new byte[0]);
            if (response.statusCode() == 200) {
                export = JSON.readTree(response.body());
                if (!export.get("sightings").get("sightings").isEmpty()) {
                    return export;
                }
            }
            Thread.sleep(500);
        }
        throw new AssertionError("no export with sightings of raj within 60 s; last: " + export);
    }

    private static HttpResponse<String> send(ApiServer api, String method, String path, IssuedKey key, String type, byte[] body)
            throws Exception {
        return PipelineCluster.send(api, method, path, key.plaintext(), type, body);
    }
}
