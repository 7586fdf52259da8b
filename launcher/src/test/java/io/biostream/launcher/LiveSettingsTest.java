package io.biostream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.api.ApiServer;
import io.biostream.api.auth.ApiKeyStore;
import io.biostream.api.auth.IssuedKey;
import io.biostream.api.auth.Role;
import io.biostream.launcher.local.FramePublisher;
import io.biostream.launcher.local.LocalFlinkCluster;
import io.biostream.operators.identity.FacePhotos;
import io.biostream.operators.functions.PipelineConfig;
import io.biostream.operators.testing.SharedFolder;
import io.biostream.schemas.DeadLetter;
import io.biostream.schemas.DeadLetterReason;
import io.biostream.schemas.FaceResult;
import io.biostream.schemas.FrameResult;
import io.biostream.schemas.Identification;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The analyst's loop end to end: a subject enrolled over HTTP is matched by the running job, and a
 * threshold set with PUT /api/v1/config changes how the job matches later frames, without a restart.
 */
class LiveSettingsTest {
    private static final Duration WAIT = Duration.ofSeconds(180);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;

    @Test
    void enrollmentOverHttpIsMatchedByTheJobAndANewThresholdAppliesToLaterFrames() throws Exception {
        SharedFolder.resolve("data/faces/bbt");
        // Enough retained checkpoints that the one taken before the settings change is still there to restore.
        try (PipelineCluster cluster = new PipelineCluster(dir, Map.of("execution.checkpointing.num-retained", "100"))) {
            PipelineConfig config = cluster.pipelineConfig(Map.of());
            JobClient job = cluster.submit(config, Optional.empty());
            cluster.flink.awaitStatus(job.getJobID(), JobStatus.RUNNING, WAIT);
            ApiKeyStore keys = new ApiKeyStore();
            IssuedKey admin = keys.generate("registrar", EnumSet.of(Role.ADMIN), Set.of());
            ApiServer api = cluster.startIdentityApi(keys, job.getJobID(), Map.of());

            assertThat(send(api, "POST", "/api/v1/subjects", admin, "application/json",
                    ("{\"id\": \"raj\", \"displayName\": \"Raj\", \"consent\": {\"legalBasis\": \"explicit-consent\","
                            + " \"purpose\": \"building access\"}}").getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(201);
            for (int photo : new int[] {1, 10}) {
                HttpResponse<String> enrolled = send(api, "POST", "/api/v1/subjects/raj/images", admin, "image/png", FacePhotos.bbt("raj", photo));
                assertThat(enrolled.statusCode()).as(enrolled.body()).isEqualTo(201);
            }
            cluster.awaitControlApplied();

            FramePublisher frames = cluster.publisher(cluster.topics.frames());
            byte[] probe = FacePhotos.bbt("raj", 17);
            frames.publish(FramePublisher.frame("door-1", 1, probe));
            Identification before = identification(cluster, "door-1", 1);
            assertThat(before.getMatched()).as("raj_17 against raj's enrollment at %s", before.getThreshold()).isTrue();
            assertThat(before.getSubjectId()).isEqualTo("raj");

            // The checkpoint to restore later: taken before any SETTINGS_CHANGED.
            LocalFlinkCluster.CompletedCheckpoint beforeSettings = cluster.flink.awaitCompletedCheckpoint(job.getJobID(),
                    cluster.flink.latestCompletedCheckpoint(job.getJobID()).map(LocalFlinkCluster.CompletedCheckpoint::id).orElse(0L), WAIT);

            HttpResponse<String> put = send(api, "PUT", "/api/v1/config", admin, "application/json",
                    "{\"threshold\": 0.0001, \"cameras\": {\"door-2\": {\"threshold\": 0.5}}}".getBytes(StandardCharsets.UTF_8));
            assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
            cluster.awaitControlApplied();
            frames.publish(FramePublisher.frame("door-1", 2, probe));
            Identification after = identification(cluster, "door-1", 2);
            assertThat(after.getThreshold()).isEqualTo(0.0001f);
            assertThat(after.getMatched()).isFalse();
            assertThat(after.getCandidates().get(0).getSubjectId()).isEqualTo("raj");
            System.out.printf("live settings: distance %.4f matched at %.2f, not at %.4f after PUT /api/v1/config%n",
                    before.getDistance(), before.getThreshold(), after.getThreshold());

            // A change whose audit event the broker refuses is aborted with it: the job, reading the
            // control topic read_committed, never applies it.
            IdentityControlTopicTest.topicMaxMessageBytes(cluster.broker, cluster.topics.audit(), "150");
            HttpResponse<String> unaudited;
            try {
                unaudited = send(api, "PUT", "/api/v1/config", admin, "application/json",
                        "{\"threshold\": 0.9}".getBytes(StandardCharsets.UTF_8));
            } finally {
                IdentityControlTopicTest.topicMaxMessageBytes(cluster.broker, cluster.topics.audit(), null);
            }
            assertThat(unaudited.statusCode()).as(unaudited.body()).isEqualTo(503);
            cluster.awaitControlApplied();
            frames.publish(FramePublisher.frame("door-1", 3, probe));
            assertThat(identification(cluster, "door-1", 3).getThreshold()).as("the aborted change is not in force").isEqualTo(0.0001f);

            // Finding 11 of the hardening issue: a SETTINGS_CHANGED (with a per-camera override) published after
            // the checkpoint a restore starts from is read again from the control topic and applied, not lost.
            cluster.flink.cancel(job.getJobID());
            job = cluster.submit(config, Optional.of(beforeSettings.externalPath()));
            cluster.flink.awaitStatus(job.getJobID(), JobStatus.RUNNING, WAIT);
            assertThat(cluster.flink.restoredCheckpoint(job.getJobID()).orElseThrow().id()).isEqualTo(beforeSettings.id());
            cluster.awaitControlApplied();
            frames.publish(FramePublisher.frame("door-1", 4, probe));
            frames.publish(FramePublisher.frame("door-2", 1, probe));
            assertThat(identification(cluster, "door-1", 4).getThreshold()).as("deployment threshold after the restore").isEqualTo(0.0001f);
            Identification door2 = identification(cluster, "door-2", 1);
            assertThat(door2.getThreshold()).as("door-2's override after the restore").isEqualTo(0.5f);
            assertThat(door2.getMatched()).isTrue();
            // Every control record the API wrote was applied: none of them is a dead letter (only the unsigned markers are).
            List<DeadLetter> control = cluster.readCommittedToEnd(cluster.topics.dlq(), WAIT).stream()
                    .map(PipelineIntegrationTest::decodeDeadLetter).filter(l -> l.getTopic().equals(cluster.topics.control())).toList();
            assertThat(control).isNotEmpty().allSatisfy(l -> {
                assertThat(l.getReason()).isEqualTo(DeadLetterReason.UNAUTHENTICATED);
                assertThat(StandardCharsets.UTF_8.decode(l.getOriginalBytes().duplicate()).toString()).startsWith("marker-");
            });
            cluster.flink.cancel(job.getJobID()); // bounded: waits until CANCELED, at most a minute
        }
    }

    private static Identification identification(PipelineCluster cluster, String camera, long sequence) {
        Map<Long, FrameResult> results = new HashMap<>();
        cluster.readCommitted(cluster.topics.results(), WAIT, records -> {
            records.forEach(r -> {
                FrameResult result = PipelineIntegrationTest.decodeResult(r);
                if (result.getCameraId().equals(camera)) {
                    results.put(result.getSequence(), result);
                }
            });
            records.clear();
            return results.containsKey(sequence);
        });
        FrameResult result = results.get(sequence);
        assertThat(result).as("result of %s frame %d", camera, sequence).isNotNull();
        return result.getFaces().stream().map(FaceResult::getIdentification).filter(i -> i != null).findFirst()
                .orElseThrow(() -> new AssertionError("no identified face in frame " + sequence + ": " + result));
    }

    private static HttpResponse<String> send(ApiServer api, String method, String path, IssuedKey key, String type, byte[] body)
            throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + key.plaintext())
                .header("Content-Type", type)
                .method(method, HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
