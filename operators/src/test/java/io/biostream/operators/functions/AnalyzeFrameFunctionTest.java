package io.biostream.operators.functions;

import io.biostream.operators.testing.KeyedStates;
import io.biostream.operators.identity.IdentityConfig;
import io.biostream.operators.identity.Identifications;
import io.biostream.operators.records.ControlRecord;
import io.biostream.operators.records.FrameRecord;
import io.biostream.operators.records.Outbound;
import io.biostream.operators.testing.SharedFolder;
import io.biostream.schemas.WireFormat;
import static io.biostream.operators.functions.PipelineTestData.FRAMES_TOPIC;
import static io.biostream.operators.functions.PipelineTestData.deadLetter;
import static io.biostream.operators.functions.PipelineTestData.frame;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.operators.decode.DecodeBudget;
import io.biostream.operators.decode.FrameDecoder;
import io.biostream.operators.decode.TestImages;
import io.biostream.operators.state.CameraStateCodec;
import io.biostream.operators.state.QueryableStateNames;
import io.biostream.operators.state.StateSeal;
import io.biostream.operators.vision.FacePipeline;
import io.biostream.schemas.AssociatedData;
import io.biostream.schemas.CameraLatest;
import io.biostream.schemas.DeadLetter;
import io.biostream.schemas.DeadLetterReason;
import io.biostream.schemas.EncryptedTemplate;
import io.biostream.schemas.FaceResult;
import io.biostream.schemas.FaceStatus;
import io.biostream.schemas.Frame;
import io.biostream.schemas.FrameResult;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The analysis step with the real decoder, Haar detector, DL4J descriptor net and Tink cipher.
 * One harness (one net load) for the class; each test uses its own camera, so state does not leak.
 */
class AnalyzeFrameFunctionTest {
    /** A 150x150 photo in which the Haar cascade finds one face (faces that small need a small minimum size). */
    private static final String FACE_PHOTO = "data/faces/bbt/raj/raj_1.png";
    /** The process's decode budget under this class's limits: 64 MiB, about 4 MP at a time. */
    private static final long DECODE_BUDGET = 64L << 20;

    @TempDir
    static Path keysDir;

    private static PipelineConfig config;
    private static TemplateCipher cipher;
    private static KeyedBroadcastOperatorTestHarness<String, FrameRecord, ControlRecord, Outbound> harness;

    @BeforeAll
    static void openFunction() throws Exception {
        config = PipelineTestData.config(keysDir, Map.of("biostream.vision.min-face-size", "30",
                "biostream.decode.budget-bytes", Long.toString(DECODE_BUDGET), "biostream.decode.budget-wait", "200ms"));
        cipher = new TemplateCipher(config.crypto().openKeyRing());
        harness = ProcessFunctionTestHarnesses.forKeyedBroadcastProcessFunction(new AnalyzeFrameFunction(config),
                record -> record.frame.getCameraId(), Types.STRING, ControlState.descriptors());
    }

    @AfterAll
    static void closeFunction() throws Exception {
        if (harness != null) {
            harness.close();
        }
    }

    @BeforeEach
    void clearOutputs() {
        harness.getOutput().clear();
        for (var tag : List.of(ParseFrameFunction.DEAD_LETTERS, AnalyzeFrameFunction.SIGHTINGS, AnalyzeFrameFunction.ACTIVITY)) {
            Queue<?> side = harness.getSideOutput(tag);
            if (side != null) {
                side.clear();
            }
        }
    }

    private static void process(Frame frame, long offset) throws Exception {
        harness.processElement(new FrameRecord(frame, FRAMES_TOPIC, 1, offset), 0L);
    }

    private static List<Outbound> outboundTo(String topic) {
        return harness.extractOutputValues().stream().filter(o -> o.topic.equals(topic)).toList();
    }

    private static <T> List<T> side(org.apache.flink.util.OutputTag<T> tag) {
        Queue<StreamRecord<T>> records = harness.getSideOutput(tag);
        return records == null ? List.of() : records.stream().map(StreamRecord::getValue).toList();
    }

    private static CameraLatest latest(String cameraId) throws Exception {
        byte[] stored = KeyedStates.value(harness.getOperator(), cameraId, QueryableStateNames.cameraLatestDescriptor());
        byte[] bytes = stored;
        return bytes == null ? null : CameraStateCodec.openLatest(new StateSeal(cipher.keys()), cameraId, bytes).orElseThrow();
    }

    private static FrameResult onlyResult(String cameraId) throws Exception {
        List<Outbound> results = outboundTo(config.topics().results());
        assertThat(results).hasSize(1);
        assertThat(results.get(0).key).isEqualTo(cameraId.getBytes(StandardCharsets.UTF_8));
        return WireFormat.decode(FrameResult.class, results.get(0).value);
    }

    private static Path facePhoto() {
        return SharedFolder.resolve(FACE_PHOTO);
    }

    @Test
    void describesEachFaceOfAPhotoSealsItsDescriptorAndKeepsTheLatestResult() throws Exception {
        byte[] png = Files.readAllBytes(facePhoto());
        Frame frame = frame("lobby-1", 3, "png", 150, 150, png);
        List<FacePipeline.Face> expected;
        String detector;
        try (FacePipeline reference = config.vision().openPipeline()) {
            expected = reference.analyze(new FrameDecoder(config.decodeLimits()).decode(png));
            detector = reference.detectorName();
        }
        List<FacePipeline.Face> described = expected.stream().filter(FacePipeline.Face::described).toList();
        assertThat(described).as("faces the reference pipeline describes in " + FACE_PHOTO).isNotEmpty();

        process(frame, 10L);

        FrameResult result = onlyResult("lobby-1");
        assertThat(result.getCameraId()).isEqualTo("lobby-1");
        assertThat(result.getSequence()).isEqualTo(3L);
        assertThat(result.getCaptureTime()).isEqualTo(frame.getCaptureTime());
        assertThat(result.getSessionId()).isEqualTo("session-1");
        assertThat(result.getWidth()).isEqualTo(150);
        assertThat(result.getHeight()).isEqualTo(150);
        // the detector that ran: the SSD (the cascade is off by default)
        assertThat(result.getDetector()).isEqualTo(detector).isEqualTo("ssd");
        assertThat(result.getFaces()).hasSize(expected.size());
        for (FacePipeline.Face face : expected) {
            FaceResult faceResult = result.getFaces().get(face.index());
            String faceId = "lobby-1/3/" + face.index();
            assertThat(faceResult.getFaceIndex()).isEqualTo(face.index());
            assertThat(faceResult.getFaceId()).isEqualTo(faceId);
            assertThat(faceResult.getBox().getX()).isEqualTo(face.detection().x());
            assertThat(faceResult.getBox().getWidth()).isEqualTo(face.detection().width());
            assertThat(faceResult.getStatus()).isEqualTo(face.status());
            assertThat(faceResult.getLandmarks()).isEqualTo(FaceResults.landmarks(face.landmarks()));
            assertThat(faceResult.getQuality()).isEqualTo(FaceResults.quality(face.quality()));
            assertThat(faceResult.getTemplateRef()).isEqualTo(face.described() ? faceId : null);
            // Nothing enrolled: described faces are matched against an empty gallery, the others not at all.
            assertThat(faceResult.getIdentification())
                    .isEqualTo(face.described() ? Identifications.of(new ArrayList<>(), IdentityConfig.DEFAULTS.matchThreshold(), 0) : null);
        }

        List<Outbound> templateRecords = outboundTo(config.topics().templates());
        assertThat(templateRecords).hasSize(described.size());
        List<EncryptedTemplate> templates = new ArrayList<>();
        for (int i = 0; i < described.size(); i++) {
            FacePipeline.Face face = described.get(i);
            EncryptedTemplate template = WireFormat.decode(EncryptedTemplate.class, templateRecords.get(i).value);
            templates.add(template);
            assertThat(templateRecords.get(i).key).isEqualTo(template.getFaceId().getBytes(StandardCharsets.UTF_8));
            assertThat(template.getFaceId()).isEqualTo("lobby-1/3/" + face.index());
            assertThat(template.getAssociatedData()).isEqualTo(new AssociatedData("lobby-1", 3L, face.index()));
            assertThat(template.getDimensions()).isEqualTo(128);
            float[] opened = cipher.open(template);
            assertThat(opened).hasSize(face.descriptor().length);
            for (int d = 0; d < opened.length; d++) {
                assertThat(opened[d]).as("descriptor element %d", d).isCloseTo(face.descriptor()[d], within(1e-5f));
            }
            // Bound to its frame and face: under another camera, frame or face it does not open.
            for (AssociatedData other : List.of(new AssociatedData("lobby-2", 3L, face.index()),
                    new AssociatedData("lobby-1", 4L, face.index()), new AssociatedData("lobby-1", 3L, face.index() + 1))) {
                assertThatThrownBy(() -> cipher.open(template, other)).isInstanceOf(GeneralSecurityException.class);
            }
        }

        assertThat(latest("lobby-1")).isEqualTo(new CameraLatest(result, templates));
        assertThat(side(AnalyzeFrameFunction.SIGHTINGS)).singleElement()
                .satisfies(s -> assertThat(s.cameraId + "#" + s.sequence).isEqualTo("lobby-1#3"));
        assertThat(side(ParseFrameFunction.DEAD_LETTERS)).isEmpty();
        // its analytics: the faces of the result at the frame's capture time; nobody enrolled, so every described face is unknown
        long withTemplates = result.getFaces().stream().filter(f -> f.getTemplateRef() != null).count();
        assertThat(side(AnalyzeFrameFunction.ACTIVITY)).singleElement().satisfies(a -> {
            assertThat(a.cameraId).isEqualTo("lobby-1");
            assertThat(a.captureTimeMillis).isEqualTo(result.getCaptureTime().toEpochMilli());
            assertThat(a.deadLetter).isFalse();
            assertThat(List.of((long) a.faces, (long) a.described, (long) a.unknown))
                    .containsExactly((long) result.getFaces().size(), withTemplates, withTemplates);
            assertThat(a.subjectIds).isEmpty();
        });
    }

    @Test
    void anImageWithoutAFaceGivesAResultWithNoFacesAndNoTemplate() throws Exception {
        byte[] jpeg = TestImages.gradient(320, 240, ".jpg");

        process(frame("empty-hall", 1, "jpeg", 320, 240, jpeg), 20L);

        FrameResult result = onlyResult("empty-hall");
        assertThat(result.getFaces()).isEmpty();
        assertThat(outboundTo(config.topics().templates())).isEmpty();
        assertThat(latest("empty-hall")).isEqualTo(new CameraLatest(result, List.of()));
        assertThat(side(AnalyzeFrameFunction.SIGHTINGS)).hasSize(1);
    }

    @Test
    void badImagesBecomeDeadLettersAndTheNextGoodFrameIsStillProcessed() throws Exception {
        byte[] png = TestImages.gradient(64, 48, ".png");
        Frame truncated = frame("gate-2", 1, "png", 64, 48, Arrays.copyOf(png, png.length / 2));
        Frame wrongSize = frame("gate-2", 2, "png", 65, 48, png);
        Frame good = frame("gate-2", 3, "png", 64, 48, png);

        process(truncated, 30L);
        process(wrongSize, 31L);

        assertThat(harness.extractOutputValues()).isEmpty();
        assertThat(latest("gate-2")).isNull();
        List<Outbound> letters = side(ParseFrameFunction.DEAD_LETTERS);
        assertThat(letters).hasSize(2);
        assertDeadLetter(letters.get(0), DeadLetterReason.TRUNCATED_IMAGE, truncated, 30L);
        assertDeadLetter(letters.get(1), DeadLetterReason.DIMENSION_MISMATCH, wrongSize, 31L);
        assertThat(side(AnalyzeFrameFunction.SIGHTINGS)).isEmpty();
        assertThat(side(AnalyzeFrameFunction.ACTIVITY)).as("each dead letter counts for its camera at its capture time")
                .extracting(a -> a.cameraId + " " + a.deadLetter + " " + a.captureTimeMillis)
                .containsExactly("gate-2 true " + truncated.getCaptureTime().toEpochMilli(),
                        "gate-2 true " + wrongSize.getCaptureTime().toEpochMilli());

        process(good, 32L);

        FrameResult result = onlyResult("gate-2");
        assertThat(result.getSequence()).isEqualTo(3L);
        assertThat(latest("gate-2").getFrameResult()).isEqualTo(result);
        assertThat(side(ParseFrameFunction.DEAD_LETTERS)).hasSize(2);
    }

    @Test
    void framesOverTheDecodeBudgetOrWithoutAShareInTimeAreDeadLettersAndTheNextFrameIsProcessed() throws Exception {
        byte[] large = TestImages.black(3000, 2400, ".png"); // 7.2 MP: about 68.7 MiB to decode, over the budget
        Frame overBudget = frame("gate-3", 1, "png", 3000, 2400, large);
        byte[] png = TestImages.gradient(64, 48, ".png");
        Frame starved = frame("gate-3", 2, "png", 64, 48, png);
        Frame good = frame("gate-3", 3, "png", 64, 48, png);
        DecodeBudget budget = DecodeBudget.shared(config.decodeLimits());
        assertThat(budget.capacityBytes()).isEqualTo(DECODE_BUDGET);

        process(overBudget, 40L);
        try (DecodeBudget.Permit others = budget.acquire(DECODE_BUDGET, "other decodes")) {
            process(starved, 41L);
        }

        List<Outbound> letters = side(ParseFrameFunction.DEAD_LETTERS);
        assertThat(letters).hasSize(2);
        assertDeadLetter(letters.get(0), DeadLetterReason.DIMENSIONS_TOO_LARGE, overBudget, 40L);
        assertThat(deadLetter(letters.get(0)).getMessage()).contains("more than the whole decode budget of 64 MiB");
        assertDeadLetter(letters.get(1), DeadLetterReason.PROCESSING_ERROR, starved, 41L);
        assertThat(deadLetter(letters.get(1)).getMessage()).contains("stayed busy with other images for 200 ms");
        assertThat(harness.extractOutputValues()).isEmpty();

        process(good, 42L);

        assertThat(onlyResult("gate-3").getSequence()).isEqualTo(3L);
        assertThat(budget.inUse()).as("every share given back").isZero();
    }

    private static void assertDeadLetter(Outbound outbound, DeadLetterReason reason, Frame frame, long offset) throws Exception {
        assertThat(outbound.topic).isEqualTo(config.topics().dlq());
        assertThat(outbound.key).isEqualTo(frame.getCameraId().getBytes(StandardCharsets.UTF_8));
        DeadLetter letter = deadLetter(outbound);
        assertThat(letter.getReason()).isEqualTo(reason);
        assertThat(letter.getCameraId()).isEqualTo(frame.getCameraId());
        assertThat(letter.getSequence()).isEqualTo(frame.getSequence());
        assertThat(letter.getTopic()).isEqualTo(FRAMES_TOPIC);
        assertThat(letter.getPartition()).isEqualTo(1);
        assertThat(letter.getOffset()).isEqualTo(offset);
        assertThat(WireFormat.decode(Frame.class, PipelineTestData.bytes(letter.getOriginalBytes()))).isEqualTo(frame);
    }
}
