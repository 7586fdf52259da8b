package io.biostream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.biostream.api.ApiServer;
import io.biostream.api.auth.ApiKeyStore;
import io.biostream.api.auth.Permission;
import io.biostream.api.auth.Role;
import io.biostream.api.state.QueryableStateCameraReader;
import io.biostream.launcher.local.FramePublisher;
import io.biostream.launcher.local.LocalFlinkCluster;
import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.operators.crypto.TemplateErasedException;
import io.biostream.operators.crypto.TemplateKeyRing;
import io.biostream.operators.identity.FacePhotos;
import io.biostream.operators.functions.PipelineConfig;
import io.biostream.operators.testing.SharedFaces;
import io.biostream.schemas.ControlEvent;
import io.biostream.schemas.ControlType;
import io.biostream.schemas.EncryptedTemplate;
import io.biostream.schemas.CameraLatest;
import io.biostream.schemas.FaceResult;
import io.biostream.schemas.Identification;
import io.biostream.schemas.FrameResult;
import io.biostream.schemas.WireFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data-protection promises end to end, on a real broker, a MiniCluster with RocksDB and the
 * API over HTTP: crypto-shredding erasure (also after a restore from a checkpoint taken before the
 * erasure), retention of seconds, and no descriptor in clear in any Kafka log or in RocksDB.
 * The job runs with one-second key periods and a one-second expiry sweep so that retention can be
 * watched; RocksDB runs without compression so that the byte scan is meaningful.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DataProtectionTest {
    private static final Duration WAIT = Duration.ofSeconds(120);
    /** The key period (biostream.crypto.period) and the deployment's retention (biostream.identity.retention). */
    private static final Duration PERIOD = Duration.ofSeconds(1);
    private static final Duration DEPLOYMENT_RETENTION = Duration.ofSeconds(8);
    /** Camera short-r's retention: its template is opened after a commit, which takes a few seconds on a loaded machine. */
    private static final Duration SHORT_RETENTION = Duration.ofSeconds(15);
    /** The deployment's identity settings, for the job and the API alike. */
    private static final Map<String, String> DEPLOYMENT = Map.of("biostream.identity.retention", DEPLOYMENT_RETENTION.toSeconds() + "s");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    private static PipelineCluster cluster;
    private static PipelineConfig config;
    private static JobClient job;
    private static ApiServer api;
    private static ApiKeyStore store;
    /** The job's camera states, read without the API's filtering. */
    private static QueryableStateCameraReader jobStates;
    private static final Map<String, String> keys = new HashMap<>();
    private static FramePublisher frames;

    @BeforeAll
    static void start() throws Exception {
        SharedFaces.bbtFrame("raj/raj_4.png"); // skips the class without the shared photos
        cluster = new PipelineCluster(dir, Map.of(
                "execution.checkpointing.num-retained", "100",
                "state.backend.rocksdb.compression.per.level", "NO_COMPRESSION"));
        config = cluster.pipelineConfig(Map.of(
                "biostream.crypto.period", PERIOD.toSeconds() + "s",
                "biostream.crypto.expiry-sweep-interval", "1s",
                "biostream.identity.retention", DEPLOYMENT.get("biostream.identity.retention")));
        job = cluster.submit(config, Optional.empty());
        cluster.flink.awaitStatus(job.getJobID(), JobStatus.RUNNING, WAIT);
        store = PipelineCluster.keys(keys);
        keys.put("admin", store.generate("privacy officer", EnumSet.of(Role.ADMIN), EnumSet.noneOf(Permission.class)).plaintext());
        api = cluster.startIdentityApi(store, job.getJobID(), DEPLOYMENT);
        jobStates = cluster.cameraStates(() -> job.getJobID());
        frames = cluster.publisher(cluster.topics.frames());
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void withARetentionOfSecondsExpiredFacesBecomeUnreadableAndLeaveTheApi() throws Exception {
        // Until the first SETTINGS_CHANGED the deployment's retention applies (biostream.identity.retention, 8 s):
        // a face is sealed under its camera's key of the current period, which expires after the period and the retention.
        frames.publish(FramePublisher.frame("default-r", 1, SharedFaces.bbtFrame("sheldon/sheldon_2.png")));
        assertSealedForRetention(committedTemplate("default-r/1/0"), DEPLOYMENT_RETENTION);
        // The API's settings start from the same deployment retention, so that a PUT of other fields keeps it.
        assertThat(JSON.readTree(get("/api/v1/config", "analyst").body()).get("retentionSeconds").asLong())
                .isEqualTo(DEPLOYMENT_RETENTION.toSeconds());

        // Then every camera keeps faces for an hour (the later tests read them at leisure), short-r for
        // SHORT_RETENTION: long enough to open the template on a loaded machine, short enough to watch it expire.
        put("/api/v1/config", "{\"retentionSeconds\": 3600, \"cameras\": {\"short-r\": {\"retentionSeconds\": "
                + SHORT_RETENTION.toSeconds() + "}}}");
        cluster.awaitControlApplied();
        long published = System.nanoTime();
        frames.publish(FramePublisher.frame("short-r", 1, SharedFaces.bbtFrame("sheldon/sheldon_2.png")));
        EncryptedTemplate template = committedTemplate("short-r/1/0");
        assertSealedForRetention(template, SHORT_RETENTION);
        assertThat(cluster.cipher.open(template)).as("within its retention: readable").hasSize(128);
        System.out.printf("retention: short-r/1/0 opened %.1f s after it was published (readable for %d to %d s after sealing)%n",
                (System.nanoTime() - published) / 1e9, SHORT_RETENTION.toSeconds(), SHORT_RETENTION.toSeconds() + PERIOD.toSeconds());
        assertThat(get("/api/v1/cameras/short-r/latest", "analyst+descriptors").statusCode()).isEqualTo(200);

        // Once the period and the retention are over: the key is expired, then destroyed by the job's
        // sweep; the camera's latest result leaves the job's state.
        awaitTrue("the template's key destroyed", () -> cluster.cipher.keys().describe(template.getKeyId()).isEmpty());
        assertThatThrownBy(() -> cluster.cipher.open(template)).isInstanceOf(TemplateErasedException.class);
        try (TemplateKeyRing fresh = KafkaKeyRings.open(dir.resolve("keys"), cluster.broker.adminConnection())) {
            assertThatThrownBy(() -> new TemplateCipher(fresh).open(template)).isInstanceOf(TemplateErasedException.class);
        }
        awaitTrue("short-r's latest result gone from the API",
                () -> get("/api/v1/cameras/short-r/latest", "analyst+descriptors").statusCode() == 404);
    }

    /**
     * The template's key is its camera's period key, expiring after the period plus the retention.
     * The period is the frame's processing time's; the template's time is taken a moment later, at
     * sealing, possibly in the next period: hence a period of slack below.
     */
    private static void assertSealedForRetention(EncryptedTemplate template, Duration retention) {
        java.time.Instant sealed = template.getCreatedTime();
        java.time.Instant expires = cluster.cipher.keys().describe(template.getKeyId()).orElseThrow().getExpiresTime();
        assertThat(expires).as("expiry of the key of %s, sealed at %s", template.getFaceId(), sealed)
                .isAfter(sealed.plus(retention).minus(PERIOD))
                .isBeforeOrEqualTo(sealed.plus(retention).plus(PERIOD));
    }

    @Test
    @Order(2)
    void anErasedSubjectsTemplatesStayUnreadableAndTheSubjectAbsentAlsoAfterARestoreFromAnOlderCheckpoint() throws Exception {
        post("/api/v1/subjects", "{\"id\": \"raj\", \"displayName\": \"Raj\", \"consent\": {\"legalBasis\": \"explicit-consent\","
                + " \"purpose\": \"building access\"}}");
        for (int photo : new int[] {1, 10}) {
            HttpResponse<String> enrolled = PipelineCluster.send(api, "POST", "/api/v1/subjects/raj/images", keys.get("admin"),
                    "image/png", FacePhotos.bbt("raj", photo));
            assertThat(enrolled.statusCode()).as(enrolled.body()).isEqualTo(201);
        }
        cluster.awaitControlApplied();
        // Raj beside a stranger: raj's face is sealed under raj's own key; the stranger's under door-e's
        // period key (an hour's retention, test 1), with raj among its candidates. The job must strip raj
        // from the stranger's identification, the API must drop raj's face (its key is dead).
        frames.publish(FramePublisher.frame("door-e", 1, FacePhotos.sideBySide(FacePhotos.bbt("raj", 4), FacePhotos.bbt("sheldon", 2))));
        FrameResult seen = committedResult("door-e", 1);
        assertThat(seen.getFaces()).as("faces of door-e/1").hasSize(2);
        FaceResult rajFace = seen.getFaces().stream().filter(f -> f.getIdentification().getMatched()).findFirst().orElseThrow();
        FaceResult strangerFace = seen.getFaces().stream().filter(f -> !f.getIdentification().getMatched()).findFirst().orElseThrow();
        assertThat(rajFace.getIdentification().getSubjectId()).isEqualTo("raj");
        assertThat(strangerFace.getIdentification().getCandidates()).extracting(c -> c.getSubjectId()).contains("raj");
        EncryptedTemplate sighted = committedTemplate(rajFace.getFaceId());
        EncryptedTemplate stranger = committedTemplate(strangerFace.getFaceId());
        List<EncryptedTemplate> enrolled = enrollmentTemplates("raj");
        assertThat(enrolled).hasSize(2);
        // A matched face is the subject's template: sealed under the subject's own key, like the enrollments.
        assertThat(sighted.getKeyId()).isEqualTo(enrolled.get(0).getKeyId());
        assertThat(stranger.getKeyId()).isNotEqualTo(sighted.getKeyId());
        assertThat(cluster.cipher.open(sighted)).hasSize(128);
        awaitTrue("raj's sighting in state", () -> get("/api/v1/subjects/raj/sightings", "analyst").statusCode() == 200);
        JsonNode latestBefore = JSON.readTree(get("/api/v1/cameras/door-e/latest", "analyst+descriptors").body());
        assertThat(latestBefore.get("faces").findValuesAsText("faceId")).containsExactlyInAnyOrder(rajFace.getFaceId(), strangerFace.getFaceId());
        assertThat(jobStates.latest("door-e").orElseThrow().getFrameResult().getFaces()).as("door-e's latest result in the job's state")
                .filteredOn(f -> names(f.getIdentification(), "raj")).hasSize(2);
        // The checkpoint to restore later: it holds raj's enrollments, gallery, sighting and door-e's latest result naming raj.
        LocalFlinkCluster.CompletedCheckpoint before = cluster.flink.awaitCompletedCheckpoint(job.getJobID(),
                cluster.flink.latestCompletedCheckpoint(job.getJobID()).map(LocalFlinkCluster.CompletedCheckpoint::id).orElse(0L), WAIT);

        HttpResponse<String> erased = PipelineCluster.send(api, "DELETE", "/api/v1/subjects/raj", keys.get("admin"), "application/json", new byte[0]);
        assertThat(erased.statusCode()).as(erased.body()).isEqualTo(200);

        assertErased("right after the erasure", sighted, enrolled, strangerFace.getFaceId());
        // Later frames go to another camera: door-e's latest result stays the one that named raj.
        frames.publish(FramePublisher.frame("door-w", 1, SharedFaces.bbtFrame("raj/raj_4.png")));
        assertThat(committedResult("door-w", 1).getFaces().get(0).getIdentification().getMatched()).isFalse();

        // Restore the job from the checkpoint taken before the erasure.
        cluster.flink.cancel(job.getJobID());
        job = cluster.submit(config, Optional.of(before.externalPath()));
        cluster.flink.awaitStatus(job.getJobID(), JobStatus.RUNNING, WAIT);
        assertThat(cluster.flink.restoredCheckpoint(job.getJobID()).orElseThrow().id()).isEqualTo(before.id());
        api.close();
        api = cluster.startIdentityApi(store, job.getJobID(), DEPLOYMENT); // reads the restored job's state
        frames.publish(FramePublisher.frame("door-w", 2, SharedFaces.bbtFrame("raj/raj_4.png")));
        FrameResult afterRestore = committedResult("door-w", 2);
        assertThat(afterRestore.getFaces().get(0).getIdentification().getMatched()).as("raj matched after the restore").isFalse();
        assertThat(afterRestore.getFaces().get(0).getIdentification().getCandidates()).noneMatch(c -> c.getSubjectId().equals("raj"));
        assertErased("after the restore from the older checkpoint", sighted, enrolled, strangerFace.getFaceId());
    }

    /** Templates unreadable (by this API's keys and by a freshly opened key ring), the subject in no API answer. */
    private static void assertErased(String when, EncryptedTemplate sighted, List<EncryptedTemplate> enrolled, String strangerFaceId)
            throws Exception {
        try (TemplateKeyRing fresh = KafkaKeyRings.open(dir.resolve("keys"), cluster.broker.adminConnection())) {
            for (TemplateCipher cipher : List.of(cluster.cipher, new TemplateCipher(fresh))) {
                for (EncryptedTemplate t : concat(sighted, enrolled)) {
                    assertThatThrownBy(() -> cipher.open(t)).as(when).isInstanceOf(TemplateErasedException.class);
                }
            }
        }
        String admin = keys.get("admin");
        assertThat(PipelineCluster.send(api, "GET", "/api/v1/subjects/raj", admin, "application/json", new byte[0]).statusCode())
                .as(when).isEqualTo(404);
        assertThat(PipelineCluster.send(api, "GET", "/api/v1/subjects/raj/export", admin, "application/json", new byte[0]).statusCode())
                .as(when).isEqualTo(404);
        assertThat(PipelineCluster.send(api, "GET", "/api/v1/subjects", admin, "application/json", new byte[0]).body())
                .as(when).doesNotContain("\"raj\"");
        assertThat(get("/api/v1/subjects/raj/sightings", "analyst").statusCode()).as(when).isEqualTo(404);
        HttpResponse<String> search = PipelineCluster.send(api, "POST", "/api/v1/search?k=5", keys.get("analyst"), "image/png",
                FacePhotos.bbt("raj", 17));
        assertThat(search.statusCode()).as(search.body()).isEqualTo(200);
        assertThat(search.body()).as(when).doesNotContain("\"raj\"");
        // door-e's latest result stays (an hour's retention) without raj. In the job's state: raj taken out of
        // every identification (the job strips an erased subject; the API shows no identifications).
        CameraLatest[] inState = {null};
        awaitTrue("door-e's latest result in the job's state without raj " + when, () -> {
            inState[0] = jobStates.latest("door-e").orElse(null);
            return inState[0] != null && inState[0].getFrameResult().getSequence() == 1
                    && inState[0].getFrameResult().getFaces().stream().noneMatch(f -> names(f.getIdentification(), "raj"));
        }, () -> "last state: " + (inState[0] == null ? "none" : "sequence " + inState[0].getFrameResult().getSequence() + ", "
                + inState[0].getFrameResult().getFaces().stream().map(f -> f.getFaceId() + " " + f.getIdentification()).toList()));
        // Through the API: raj's face dropped (its key is dead: the API's filter), the stranger's face kept.
        String[] last = {"no answer"};
        awaitTrue("door-e's latest result in the API without raj's face " + when, () -> {
            HttpResponse<String> latest = get("/api/v1/cameras/door-e/latest", "analyst+descriptors");
            last[0] = latest.statusCode() + " " + latest.body();
            if (latest.statusCode() != 200 || latest.body().contains("\"raj\"")) {
                return false;
            }
            JsonNode body = JSON.readTree(latest.body());
            return body.get("sequence").asLong() == 1 && body.get("faces").findValuesAsText("faceId").equals(List.of(strangerFaceId));
        }, () -> "last answer " + last[0]);
    }

    private static boolean names(Identification identification, String subjectId) {
        return identification != null && (subjectId.equals(identification.getSubjectId())
                || identification.getCandidates().stream().anyMatch(c -> c.getSubjectId().equals(subjectId)));
    }

    @Test
    @Order(3)
    void noKafkaLogNorRocksDbFileHoldsADescriptorInClear() throws Exception {
        // Known descriptors: the job's own, opened from the templates topic, and an enrollment's.
        List<float[]> known = new ArrayList<>();
        frames.publish(FramePublisher.frame("scan-s", 1, SharedFaces.bbtFrame("sheldon/sheldon_2.png")));
        known.add(cluster.cipher.open(committedTemplate("scan-s/1/0")));
        frames.publish(FramePublisher.frame("scan-s", 2, SharedFaces.bbtFrame("raj/raj_4.png")));
        known.add(cluster.cipher.open(committedTemplate("scan-s/2/0")));
        post("/api/v1/subjects", "{\"id\": \"sheldon\", \"displayName\": \"Sheldon\", \"consent\": {\"legalBasis\": \"explicit-consent\","
                + " \"purpose\": \"building access\"}}");
        HttpResponse<String> enrolled = PipelineCluster.send(api, "POST", "/api/v1/subjects/sheldon/images", keys.get("admin"),
                "image/png", FacePhotos.bbt("sheldon", 11));
        assertThat(enrolled.statusCode()).as(enrolled.body()).isEqualTo(201);
        known.add(cluster.cipher.open(enrollmentTemplates("sheldon").get(0)));
        cluster.awaitControlApplied();
        // A checkpoint after all of it: RocksDB has flushed its memtables into files.
        cluster.flink.awaitCompletedCheckpoint(job.getJobID(),
                cluster.flink.latestCompletedCheckpoint(job.getJobID()).map(LocalFlinkCluster.CompletedCheckpoint::id).orElse(0L), WAIT);

        DescriptorScan scan = new DescriptorScan(known);
        Path control = dir.resolve("scan-control.bin");
        Files.write(control, DescriptorScan.littleEndian(known.get(0)));
        assertThat(scan.hits(control)).as("the scan finds a descriptor written in clear").isNotEmpty();
        Files.delete(control);

        List<Path> scanned = new ArrayList<>();
        for (Path root : List.of(dir.resolve("kafka"), dir.resolve("rocksdb"), dir.resolve("flink"))) {
            try (Stream<Path> files = Files.walk(root)) {
                files.filter(Files::isRegularFile).forEach(scanned::add);
            }
        }
        assertThat(scanned).anyMatch(p -> p.toString().contains("biostream.templates"))
                .anyMatch(p -> p.toString().endsWith(".sst"));
        long bytes = 0;
        List<String> hits = new ArrayList<>();
        for (Path file : scanned) {
            bytes += file.toFile().length();
            scan.hits(file).forEach(hit -> hits.add(dir.relativize(file) + ": " + hit));
        }
        System.out.printf("descriptor scan: %d files, %d bytes, %d descriptors, %d hits%n", scanned.size(), bytes, known.size(), hits.size());
        assertThat(hits).as("descriptor bytes found in clear").isEmpty();
    }

    private static Iterable<EncryptedTemplate> concat(EncryptedTemplate one, List<EncryptedTemplate> more) {
        List<EncryptedTemplate> all = new ArrayList<>(more);
        all.add(one);
        return all;
    }

    private static EncryptedTemplate committedTemplate(String faceId) {
        List<EncryptedTemplate> found = new ArrayList<>();
        cluster.readCommitted(cluster.topics.templates(), WAIT, records -> {
            for (ConsumerRecord<byte[], byte[]> r : records) {
                if (r.value() != null && faceId.equals(new String(r.key(), StandardCharsets.UTF_8))) {
                    found.add(decode(EncryptedTemplate.class, r.value()));
                }
            }
            records.clear();
            return !found.isEmpty();
        });
        assertThat(found).as("template " + faceId + " committed").isNotEmpty();
        return found.get(found.size() - 1);
    }

    private static FrameResult committedResult(String cameraId, long sequence) {
        List<FrameResult> found = new ArrayList<>();
        cluster.readCommitted(cluster.topics.results(), WAIT, records -> {
            records.stream().map(PipelineIntegrationTest::decodeResult)
                    .filter(r -> r.getCameraId().equals(cameraId) && r.getSequence() == sequence).forEach(found::add);
            records.clear();
            return !found.isEmpty();
        });
        assertThat(found).as("result " + cameraId + "/" + sequence + " committed").isNotEmpty();
        return found.get(0);
    }

    /** The sealed enrollment templates of a subject, as they stay in the control topic's log. */
    private static List<EncryptedTemplate> enrollmentTemplates(String subjectId) {
        List<EncryptedTemplate> templates = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : cluster.readCommittedToEnd(cluster.topics.control(), WAIT)) {
            if (r.value() == null || !subjectId.equals(new String(r.key(), StandardCharsets.UTF_8))) {
                continue;
            }
            ControlEvent event = decode(ControlEvent.class, r.value());
            if (event.getType() == ControlType.TEMPLATE_ENROLLED && seen.add(event.getTemplate().getFaceId())) {
                templates.add(event.getTemplate());
            }
        }
        return templates;
    }

    private static <T extends org.apache.avro.specific.SpecificRecordBase> T decode(Class<T> type, byte[] bytes) {
        try {
            return WireFormat.decode(type, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static HttpResponse<String> get(String path, String role) throws Exception {
        return PipelineCluster.send(api, "GET", path, keys.get(role), "application/json", new byte[0]);
    }

    private static void post(String path, String json) throws Exception {
        HttpResponse<String> response = PipelineCluster.send(api, "POST", path, keys.get("admin"), "application/json",
                json.getBytes(StandardCharsets.UTF_8));
        assertThat(response.statusCode()).as(response.body()).isBetween(200, 201);
    }

    private static void put(String path, String json) throws Exception {
        HttpResponse<String> response = PipelineCluster.send(api, "PUT", path, keys.get("admin"), "application/json",
                json.getBytes(StandardCharsets.UTF_8));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    @FunctionalInterface
    private interface Check {
        boolean holds() throws Exception;
    }

    private static void awaitTrue(String what, Check check) throws Exception {
        awaitTrue(what, check, () -> "");
    }

    /** Polls the check until it holds; fails after a minute with {@code state} (the last thing seen). */
    private static void awaitTrue(String what, Check check, java.util.function.Supplier<String> state) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (check.holds()) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError(what + ": not within 60 s; " + state.get());
    }

    /**
     * Looks for descriptors in raw bytes: any run of three consecutive values of a known descriptor
     * as float32, little- or big-endian (12 bytes: a chance match is about 1 in 2^96 per position).
     */
    static final class DescriptorScan {
        private static final int RUN = 3;
        private final Set<ByteBuffer> windows = new HashSet<>();
        /** The first four bytes of every window: a cheap test before the full one. */
        private final Set<Integer> heads = new HashSet<>();

        DescriptorScan(List<float[]> descriptors) {
            for (float[] d : descriptors) {
                for (ByteOrder order : List.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN)) {
                    ByteBuffer all = ByteBuffer.allocate(d.length * Float.BYTES).order(order);
                    for (float v : d) {
                        all.putFloat(v);
                    }
                    byte[] bytes = all.array();
                    for (int i = 0; i + RUN <= d.length; i++) {
                        windows.add(ByteBuffer.wrap(bytes, i * Float.BYTES, RUN * Float.BYTES).slice());
                        heads.add(ByteBuffer.wrap(bytes, i * Float.BYTES, Float.BYTES).getInt());
                    }
                }
            }
        }

        static byte[] littleEndian(float[] d) {
            ByteBuffer out = ByteBuffer.allocate(d.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : d) {
                out.putFloat(v);
            }
            return out.array();
        }

        /** Where the file holds a window; nothing for a file that vanished meanwhile (a rolled segment, a compacted SST). */
        List<String> hits(Path file) throws IOException {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(file);
            } catch (java.nio.file.NoSuchFileException e) {
                return List.of();
            }
            int width = RUN * Float.BYTES;
            List<String> hits = new ArrayList<>();
            ByteBuffer view = ByteBuffer.wrap(bytes);
            for (int at = 0; at + width <= bytes.length; at++) {
                if (heads.contains(view.getInt(at)) && windows.contains(ByteBuffer.wrap(bytes, at, width).slice())) {
                    hits.add("offset " + at);
                    at += width - 1;
                }
            }
            return hits;
        }
    }
}
