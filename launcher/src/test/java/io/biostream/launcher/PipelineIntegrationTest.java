package io.biostream.launcher;

import io.biostream.schemas.WireFormat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.biostream.launcher.local.DemoCamera;
import io.biostream.launcher.local.FramePublisher;
import io.biostream.operators.decode.DecodeLimits;
import io.biostream.operators.decode.FrameDecoder;
import io.biostream.operators.decode.TestImages;
import io.biostream.operators.functions.PipelineConfig;
import io.biostream.operators.vision.FacePipeline;
import io.biostream.operators.vision.Goldens;
import io.biostream.operators.vision.PeerPath;
import io.biostream.operators.image.RgbImage;
import io.biostream.schemas.AssociatedData;
import io.biostream.schemas.DeadLetter;
import io.biostream.schemas.DeadLetterReason;
import io.biostream.schemas.EncryptedTemplate;
import io.biostream.schemas.Frame;
import io.biostream.schemas.FrameResult;
import io.biostream.api.ApiServer;
import io.biostream.api.OpenApiConformance;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real face photos (face-api's demo pictures) through a real broker, the pipeline job on a Flink
 * MiniCluster, and back out through the API over HTTP; bad records into the dead-letter topic.
 */
class PipelineIntegrationTest {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    static Path dir;
    static PipelineCluster cluster;
    static JobClient job;
    static ApiServer api;
    static final Map<String, String> KEYS = new HashMap<>();
    static FramePublisher frames;
    static PipelineConfig config;

    @BeforeAll
    static void start() throws Exception {
        cluster = new PipelineCluster(dir);
        // face-api's path, not the defaults: the golden samples must give face-api's own descriptors
        config = cluster.pipelineConfig(PeerPath.SETTINGS);
        job = cluster.submit(config, Optional.empty());
        api = cluster.startApi(PipelineCluster.keys(KEYS), job.getJobID());
        frames = cluster.publisher(cluster.topics.frames());
    }

    @AfterAll
    static void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void demoPhotosComeBackThroughTheApiWithSealedDescriptors() throws Exception {
        List<byte[]> photos = DemoCamera.loadPhotos();
        for (int i = 0; i < photos.size(); i++) {
            frames.publish(FramePublisher.frame("cam-" + i, 1, photos.get(i)));
        }
        FrameDecoder decoder = new FrameDecoder(DecodeLimits.DEFAULTS);
        int totalFaces = 0;
        try (FacePipeline direct = config.vision().openPipeline()) {
            for (int i = 0; i < photos.size(); i++) {
                String camera = "cam-" + i;
                JsonNode latest = awaitLatest(camera, KEYS.get("analyst+descriptors"));
                RgbImage image = decoder.decode(photos.get(i));
                List<FacePipeline.Face> expected = direct.analyze(image);
                JsonNode faces = latest.get("faces");
                assertThat(latest.get("sequence").asLong()).isEqualTo(1);
                assertThat(latest.get("width").asInt()).isEqualTo(image.width());
                assertThat(faces.size()).as("faces of %s", camera).isEqualTo(expected.size()).isPositive();
                for (int f = 0; f < faces.size(); f++) {
                    JsonNode face = faces.get(f);
                    FacePipeline.Face want = expected.get(f);
                    assertThat(face.get("box").get("x").floatValue()).isEqualTo(want.detection().x());
                    assertThat(face.get("status").asText()).isEqualTo("DESCRIBED");
                    assertThat(face.get("quality").get("score").floatValue()).as("quality score vs direct")
                            .isEqualTo((float) want.quality().score());
                    EncryptedTemplate template = template(face.get("faceId").asText(), face.get("template"));
                    float[] opened = cluster.cipher.open(template);
                    assertThat(distance(opened, want.descriptor())).as("sealed descriptor vs direct").isLessThan(1e-3);
                    assertThat(distance(floats(face.get("descriptor")), want.descriptor())).as("API descriptor").isLessThan(1e-3);
                    AssociatedData otherFrame = new AssociatedData(camera, 2L, f);
                    assertThatThrownBy(() -> cluster.cipher.open(template, otherFrame)).isInstanceOf(GeneralSecurityException.class);
                    AssociatedData otherCamera = new AssociatedData("cam-x", 1L, f);
                    assertThatThrownBy(() -> cluster.cipher.open(template, otherCamera)).isInstanceOf(GeneralSecurityException.class);
                    totalFaces++;
                }
                // A key without the descriptors permission sees the sealed template only: no descriptor, no face geometry.
                JsonNode plain = JSON.readTree(get("/api/v1/cameras/" + camera + "/latest?mesh=true", KEYS.get("analyst")).body());
                assertThat(plain.get("faces").get(0).has("descriptor")).isFalse();
                assertThat(plain.get("faces").get(0).has("landmarks")).isFalse();
                assertThat(plain.get("faces").get(0).has("mesh")).isFalse();
                assertThat(plain.get("faces").get(0).get("template").get("ciphertext").asText()).isNotEmpty();
            }
        }
        System.out.println("pipeline integration: " + totalFaces + " faces in " + photos.size() + " demo photos matched");

        JsonNode cameras = JSON.readTree(get("/api/v1/cameras", KEYS.get("analyst")).body());
        Set<String> ids = new java.util.HashSet<>();
        cameras.get("cameras").forEach(c -> ids.add(c.get("cameraId").asText()));
        assertThat(ids).contains("cam-0", "cam-1", "cam-2", "cam-3");
        assertThat(get("/api/v1/cameras/cam-0/latest", null).statusCode()).isEqualTo(401);
        assertThat(get("/api/v1/cameras/cam-0/latest", "bsk_0000000000000000_wrong").statusCode()).isEqualTo(401);
        assertThat(get("/api/v1/cameras/no-such-camera/latest", KEYS.get("analyst")).statusCode()).isEqualTo(404);

        // Every read with descriptors is in the audit topic, and the trail verifies.
        JsonNode verified = JSON.readTree(get("/api/v1/audit/verify", KEYS.get("auditor")).body());
        assertThat(verified.get("ok").asBoolean()).as(verified.toString()).isTrue();
        JsonNode events = JSON.readTree(get("/api/v1/audit?limit=1000", KEYS.get("auditor")).body()).get("events");
        Set<String> descriptorReads = new java.util.HashSet<>();
        events.forEach(e -> {
            if (e.get("action").asText().equals("biometric.descriptors.read")) {
                descriptorReads.add(e.get("subject").asText());
            }
        });
        for (int i = 0; i < photos.size(); i++) {
            assertThat(descriptorReads).contains("cam-" + i);
        }
        // The two 401s are counted for the minute's aggregate event (DeniedRequestAudit), not one event each.
        assertThat(events).noneSatisfy(e -> assertThat(e.get("details").path("status").asText()).isEqualTo("401"));
    }

    /**
     * The golden samples (face-api's demo pictures as jpeg-js decoded them, sent as lossless PNG frames)
     * give exactly the faces face-api's SSD found, with its landmarks and descriptors.
     */
    @Test
    void goldenSamplesGiveExactlyTheFacesAndDescriptorsOfFaceApi() throws Exception {
        Path goldens = Goldens.dir();
        for (int n = 1; n <= 4; n++) {
            frames.publish(FramePublisher.frame("golden-" + n, 1, java.nio.file.Files.readAllBytes(goldens.resolve("images/sample" + n + ".png"))));
        }
        double maxBox = 0;
        double maxLandmark = 0;
        double maxDescriptor = 0;
        int faces = 0;
        for (int n = 1; n <= 4; n++) {
            JsonNode golden = Goldens.json(goldens.resolve("out/sample" + n + ".json"));
            JsonNode want = golden.get("faces");
            JsonNode got = awaitLatest("golden-" + n, KEYS.get("analyst+descriptors")).get("faces");
            assertThat(got.size()).as("faces in sample%d", n).isEqualTo(golden.get("ssdMobilenetv1").get("detections").size())
                    .isEqualTo(want.size());
            for (int i = 0; i < want.size(); i++) {
                JsonNode wantBox = want.get(i).get("detection").get("box");
                JsonNode gotBox = got.get(i).get("box");
                for (String k : List.of("x", "y", "width", "height")) {
                    maxBox = Math.max(maxBox, Math.abs(gotBox.get(k).asDouble() - wantBox.get(k).asDouble()));
                }
                JsonNode wantPoints = want.get(i).get("landmarks");
                JsonNode gotPoints = got.get(i).get("landmarks");
                for (int p = 0; p < 68; p++) {
                    maxLandmark = Math.max(maxLandmark, Math.abs(gotPoints.get(2 * p).asDouble() - wantPoints.get(p).get(0).asDouble()));
                    maxLandmark = Math.max(maxLandmark, Math.abs(gotPoints.get(2 * p + 1).asDouble() - wantPoints.get(p).get(1).asDouble()));
                }
                maxDescriptor = Math.max(maxDescriptor, distance(floats(got.get(i).get("descriptor")), Goldens.floats(want.get(i).get("descriptor"))));
                faces++;
            }
        }
        System.out.printf("golden samples through the job: %d faces, max box error %.2e px, max landmark error %.2e px, max descriptor distance %.2e%n",
                faces, maxBox, maxLandmark, maxDescriptor);
        assertThat(maxBox).isLessThanOrEqualTo(io.biostream.operators.vision.GoldenTolerances.MAX_BOX_PX);
        assertThat(maxLandmark).isLessThanOrEqualTo(io.biostream.operators.vision.GoldenTolerances.MAX_LANDMARK_PX);
        assertThat(maxDescriptor).isLessThanOrEqualTo(io.biostream.operators.vision.GoldenTolerances.MAX_DESCRIPTOR_DISTANCE);

        JsonNode withMesh = JSON.readTree(get("/api/v1/cameras/golden-1/latest?mesh=true", KEYS.get("analyst+descriptors")).body());
        JsonNode mesh = withMesh.get("faces").get(0).get("mesh");
        assertThat(mesh.size()).as("triangles of 68 points").isGreaterThan(100);
        mesh.forEach(t -> t.forEach(index -> assertThat(index.asInt()).isBetween(0, 67)));
    }

    @Test
    void badRecordsBecomeDeadLettersWhileGoodFramesAroundThemProduceResults() throws Exception {
        String camera = "dlq-cam";
        byte[] png = TestImages.gradient(64, 48, ".png");
        byte[] jpeg = TestImages.gradient(64, 48, ".jpg");
        long seq = 0;
        List<Long> good = new ArrayList<>();
        good.add(seq);
        frames.publish(FramePublisher.frame(camera, seq++, png));
        frames.publish(frameWith(camera, seq++, "png", 64, 48, TestImages.corruptPngData(png)));          // CORRUPT_IMAGE
        frames.publish(frameWith(camera, seq++, "jpeg", 64, 48, java.util.Arrays.copyOf(jpeg, jpeg.length / 2))); // TRUNCATED_IMAGE
        frames.publishRaw(camera, new byte[0]);                                                            // EMPTY
        good.add(seq);
        frames.publish(FramePublisher.frame(camera, seq++, jpeg));
        frames.publish(frameWith(camera, seq++, "png", 64, 48, new byte[PipelineCluster.MAX_FRAME_BYTES + 512 * 1024])); // OVERSIZED
        frames.publish(frameWith(camera, seq++, "gif", 64, 48, "GIF89a-not-supported".getBytes(StandardCharsets.US_ASCII))); // UNSUPPORTED_FORMAT
        frames.publishRaw(camera, "{\"cameraId\":\"dlq-cam\",\"json\":true}".getBytes(StandardCharsets.UTF_8)); // NOT_AVRO
        good.add(seq);
        frames.publish(FramePublisher.frame(camera, seq++, png));

        Set<DeadLetterReason> expected = Set.of(DeadLetterReason.CORRUPT_IMAGE, DeadLetterReason.TRUNCATED_IMAGE,
                DeadLetterReason.EMPTY, DeadLetterReason.OVERSIZED, DeadLetterReason.UNSUPPORTED_FORMAT, DeadLetterReason.NOT_AVRO);
        List<DeadLetter> letters = new ArrayList<>();
        cluster.readCommitted(cluster.topics.dlq(), WAIT, records -> {
            letters.clear();
            records.forEach(r -> letters.add(decodeDeadLetter(r)));
            return letters.stream().filter(l -> camera.equals(l.getCameraId())).count() >= expected.size();
        });
        List<DeadLetter> ours = letters.stream().filter(l -> camera.equals(l.getCameraId())).toList();
        assertThat(ours).extracting(DeadLetter::getReason).containsExactlyInAnyOrderElementsOf(expected);
        for (DeadLetter letter : ours) {
            assertThat(letter.getMessage()).isNotBlank();
            assertThat(letter.getTopic()).isEqualTo(cluster.topics.frames());
            assertThat(letter.getOriginalBytes().remaining()).isLessThanOrEqualTo(64 * 1024);
        }

        List<FrameResult> results = new ArrayList<>();
        cluster.readCommitted(cluster.topics.results(), WAIT, records -> {
            results.clear();
            records.forEach(r -> results.add(decodeResult(r)));
            return results.stream().filter(r -> camera.equals(r.getCameraId())).count() >= good.size();
        });
        assertThat(results.stream().filter(r -> camera.equals(r.getCameraId())).map(FrameResult::getSequence).toList())
                .containsExactlyInAnyOrderElementsOf(good);
    }

    static Frame frameWith(String camera, long sequence, String encoding, int width, int height, byte[] bytes) {
        return Frame.newBuilder().setCameraId(camera).setSequence(sequence).setCaptureTime(Instant.now())
                .setEncoding(encoding).setWidth(width).setHeight(height).setBytes(ByteBuffer.wrap(bytes)).build();
    }

    static DeadLetter decodeDeadLetter(ConsumerRecord<byte[], byte[]> r) {
        try {
            return WireFormat.decode(DeadLetter.class, r.value());
        } catch (java.io.IOException e) {
            throw new AssertionError("dead letter is not Avro", e);
        }
    }

    static FrameResult decodeResult(ConsumerRecord<byte[], byte[]> r) {
        try {
            return WireFormat.decode(FrameResult.class, r.value());
        } catch (java.io.IOException e) {
            throw new AssertionError("result is not Avro", e);
        }
    }

    private static JsonNode awaitLatest(String camera, String key) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        HttpResponse<String> last = null;
        while (System.nanoTime() < deadline) {
            last = get("/api/v1/cameras/" + camera + "/latest", key);
            if (last.statusCode() == 200) {
                return JSON.readTree(last.body());
            }
            Thread.sleep(500);
        }
        throw new AssertionError("no result for " + camera + " within " + WAIT + "; last answer " + (last == null ? "none" : last.statusCode() + " " + last.body()));
    }

    private static HttpResponse<String> get(String path, String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path))
                .timeout(Duration.ofSeconds(30)).GET();
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        HttpRequest built = request.build();
        HttpResponse<String> response = HTTP.send(built, HttpResponse.BodyHandlers.ofString());
        OpenApiConformance.check(built, response); // real results of the pipeline against the API's document
        return response;
    }

    private static EncryptedTemplate template(String faceId, JsonNode t) {
        JsonNode ad = t.get("associatedData");
        return EncryptedTemplate.newBuilder()
                .setFaceId(faceId)
                .setKeyId(t.get("keyId").asText())
                .setAlgorithm(t.get("algorithm").asText())
                .setCiphertext(ByteBuffer.wrap(Base64.getDecoder().decode(t.get("ciphertext").asText())))
                .setAssociatedData(new AssociatedData(ad.get("cameraId").asText(), ad.get("sequence").asLong(), ad.get("faceIndex").asInt()))
                .setModel(t.get("model").asText())
                .setCreatedTime(Instant.EPOCH)
                .build();
    }

    private static float[] floats(JsonNode array) {
        assertThat(array).as("descriptor in API answer").isNotNull();
        float[] out = new float[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).floatValue();
        }
        return out;
    }

    static double distance(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            sum += d * d;
        }
        return Math.sqrt(sum);
    }
}
