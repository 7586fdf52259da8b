package io.biostream.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.biostream.api.ApiServer;
import io.biostream.api.auth.ApiKeyStore;
import io.biostream.api.auth.Permission;
import io.biostream.api.auth.Role;
import io.biostream.jobs.local.FramePublisher;
import io.biostream.jobs.local.LocalFlinkCluster;
import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.operators.crypto.TemplateErasedException;
import io.biostream.operators.crypto.TemplateKeyRing;
import io.biostream.operators.identity.FacePhotos;
import io.biostream.operators.pipeline.PipelineConfig;
import io.biostream.operators.pipeline.SharedFaces;
import io.biostream.schemas.ControlEvent;
import io.biostream.schemas.ControlType;
import io.biostream.schemas.EncryptedTemplate;
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
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;

    private static PipelineCluster cluster;
    private static PipelineConfig config;
    private static JobClient job;
    private static ApiServer api;
    private static ApiKeyStore store;
    private static final Map<String, String> keys = new HashMap<>();
    private static FramePublisher frames;
    private static FramePublisher control;

    @BeforeAll
    static void start() throws Exception {
        SharedFaces.bbtFrame("raj/raj_4.png"); // skips the class without the shared photos
        cluster = new PipelineCluster(dir, Map.of(
                "execution.checkpointing.num-retained", "100",
                "state.backend.rocksdb.compression.per.level", "NO_COMPRESSION"));
        config = cluster.pipelineConfig(Map.of(
                "biostream.crypto.period", "1s",
                "biostream.identity.retention", "8s",
                "biostream.crypto.expiry-sweep-interval", "1s"));
        job = cluster.submit(config, Optional.empty());
        cluster.flink.awaitStatus(job.getJobID(), JobStatus.RUNNING, WAIT);
        store = PipelineCluster.keys(keys);
        keys.put("admin", store.generate("privacy officer", EnumSet.of(Role.ADMIN), EnumSet.noneOf(Permission.class)).plaintext());
        api = cluster.startIdentityApi(store, job.getJobID(), Map.of());
        frames = cluster.publisher(cluster.topics.frames());
        control = cluster.publisher(cluster.topics.control());
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
        put("/api/v1/config", "{\"cameras\": {\"short-r\": {\"retentionSeconds\": 8}}}");
        cluster.awaitControlApplied(control);

        // The job's deployment retention is 8 s (biostream.identity.retention); the camera's override
        // says the same. Frames until one is sealed under a key with that retention.
        EncryptedTemplate template = null;
        for (int sequence = 1; sequence <= 20 && template == null; sequence++) {
            frames.publish(FramePublisher.frame("short-r", sequence, SharedFaces.bbtFrame("sheldon/sheldon_2.png")));
            EncryptedTemplate sealed = committedTemplate("short-r/" + sequence + "/0");
            java.time.Instant expires = cluster.cipher.keys().describe(sealed.getKeyId()).orElseThrow().getExpiresTime();
            System.out.printf("retention: template %s key %s expires %s (now %s)%n", sealed.getFaceId(), sealed.getKeyId(),
                    expires, java.time.Instant.now());
            if (expires.isBefore(java.time.Instant.now().plusSeconds(10))) {
                template = sealed;
            }
        }
        assertThat(template).as("a face sealed under the camera's 8 s retention").isNotNull();
        assertThat(cluster.cipher.open(template)).hasSize(128); // within its retention: readable

        // Once the period (1 s) and the retention (8 s) are over: the key is expired, then destroyed
        // by the job's sweep; the camera's latest result leaves the job's state.
        EncryptedTemplate expiring = template;
        awaitTrue("the template's key destroyed", () -> cluster.cipher.keys().describe(expiring.getKeyId()).isEmpty());
        assertThatThrownBy(() -> cluster.cipher.open(expiring)).isInstanceOf(TemplateErasedException.class);
        try (TemplateKeyRing fresh = KafkaKeyRings.open(dir.resolve("keys"), cluster.broker.bootstrapServers())) {
            assertThatThrownBy(() -> new TemplateCipher(fresh).open(expiring)).isInstanceOf(TemplateErasedException.class);
        }
        awaitTrue("short-r's latest result gone from the API",
                () -> get("/api/v1/cameras/short-r/latest", "analyst+descriptors").statusCode() == 404);
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
        cluster.awaitControlApplied(control);
        frames.publish(FramePublisher.frame("door-e", 1, SharedFaces.bbtFrame("raj/raj_4.png")));
        FrameResult seen = committedResult("door-e", 1);
        assertThat(seen.getFaces().get(0).getIdentification().getSubjectId()).isEqualTo("raj");
        EncryptedTemplate sighted = committedTemplate("door-e/1/0");
        List<EncryptedTemplate> enrolled = enrollmentTemplates("raj");
        assertThat(enrolled).hasSize(2);
        // A matched face is the subject's template: sealed under the subject's own key, like the enrollments.
        assertThat(sighted.getKeyId()).isEqualTo(enrolled.get(0).getKeyId());
        assertThat(cluster.cipher.open(sighted)).hasSize(128);
        awaitTrue("raj's sighting in state", () -> get("/api/v1/subjects/raj/sightings", "analyst").statusCode() == 200);
        // The checkpoint to restore later: it holds raj's enrollments, gallery and sighting.
        LocalFlinkCluster.CompletedCheckpoint before = cluster.flink.awaitCompletedCheckpoint(job.getJobID(),
                cluster.flink.latestCompletedCheckpoint(job.getJobID()).map(LocalFlinkCluster.CompletedCheckpoint::id).orElse(0L), WAIT);

        HttpResponse<String> erased = PipelineCluster.send(api, "DELETE", "/api/v1/subjects/raj", keys.get("admin"), "application/json", new byte[0]);
        assertThat(erased.statusCode()).as(erased.body()).isEqualTo(200);

        assertErased("right after the erasure", sighted, enrolled);
        frames.publish(FramePublisher.frame("door-e", 2, SharedFaces.bbtFrame("raj/raj_4.png")));
        assertThat(committedResult("door-e", 2).getFaces().get(0).getIdentification().getMatched()).isFalse();

        // Restore the job from the checkpoint taken before the erasure.
        cluster.flink.cancel(job.getJobID());
        job = cluster.submit(config, Optional.of(before.externalPath()));
        cluster.flink.awaitStatus(job.getJobID(), JobStatus.RUNNING, WAIT);
        assertThat(cluster.flink.restoredCheckpoint(job.getJobID()).orElseThrow().id()).isEqualTo(before.id());
        api.close();
        api = cluster.startIdentityApi(store, job.getJobID(), Map.of()); // reads the restored job's state
        frames.publish(FramePublisher.frame("door-e", 3, SharedFaces.bbtFrame("raj/raj_4.png")));
        FrameResult afterRestore = committedResult("door-e", 3);
        assertThat(afterRestore.getFaces().get(0).getIdentification().getMatched()).as("raj matched after the restore").isFalse();
        assertThat(afterRestore.getFaces().get(0).getIdentification().getCandidates()).noneMatch(c -> c.getSubjectId().equals("raj"));
        assertErased("after the restore from the older checkpoint", sighted, enrolled);
    }

    /** Templates unreadable (by this API's keys and by a freshly opened key ring), the subject in no API answer. */
    private static void assertErased(String when, EncryptedTemplate sighted, List<EncryptedTemplate> enrolled) throws Exception {
        try (TemplateKeyRing fresh = KafkaKeyRings.open(dir.resolve("keys"), cluster.broker.bootstrapServers())) {
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
        awaitTrue("door-e's latest result names raj nowhere " + when, () -> {
            HttpResponse<String> latest = get("/api/v1/cameras/door-e/latest", "analyst+descriptors");
            // 404 once the camera's 8 s retention is over
            return (latest.statusCode() == 200 || latest.statusCode() == 404) && !latest.body().contains("\"raj\"");
        });
    }

    @Test
    @Order(3)
    void noKafkaLogNorRocksDbFileHoldsADescriptorInClear() throws Exception {
        // Known descriptors: the job's own, opened from the templates topic, and an enrollment's.
        // (opened at once: faces of people not enrolled expire after this job's 8 s retention)
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
        cluster.awaitControlApplied(control);
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
        cluster.readCommitted(cluster.topics.control(), Duration.ofSeconds(10), records -> {
            for (ConsumerRecord<byte[], byte[]> r : records) {
                if (r.value() == null || !subjectId.equals(new String(r.key(), StandardCharsets.UTF_8))) {
                    continue;
                }
                ControlEvent event = decode(ControlEvent.class, r.value());
                if (event.getType() == ControlType.TEMPLATE_ENROLLED && seen.add(event.getTemplate().getFaceId())) {
                    templates.add(event.getTemplate());
                }
            }
            records.clear();
            return false; // read for the whole wait: the topic is small
        });
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
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            if (check.holds()) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError(what + ": not within 60 s");
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
