package io.biostream.operators.functions;

import io.biostream.operators.testing.KeyedStates;
import static io.biostream.operators.functions.PipelineTestData.FRAMES_TOPIC;
import static io.biostream.operators.functions.PipelineTestData.deadLetter;
import static io.biostream.operators.functions.PipelineTestData.frame;
import static io.biostream.operators.identity.TestControlEvents.settingsChanged;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.operators.decode.FrameDecoder;
import io.biostream.operators.decode.TestImages;
import io.biostream.operators.identity.TestControlEvents;
import io.biostream.operators.image.RgbImage;
import io.biostream.operators.records.ControlRecord;
import io.biostream.operators.records.FrameRecord;
import io.biostream.operators.records.Outbound;
import io.biostream.operators.state.CameraStateCodec;
import io.biostream.operators.state.QueryableStateNames;
import io.biostream.operators.state.StateSeal;
import io.biostream.operators.vision.BatchConfig;
import io.biostream.operators.vision.FacePipeline;
import io.biostream.operators.vision.Goldens;
import io.biostream.schemas.DeadLetterReason;
import io.biostream.schemas.EncryptedTemplate;
import io.biostream.schemas.FaceResult;
import io.biostream.schemas.FaceStatus;
import io.biostream.schemas.Frame;
import io.biostream.schemas.FrameResult;
import io.biostream.schemas.WireFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.apache.flink.util.OutputTag;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The analysis step's micro-batch across frames and cameras, with the real decoder, face-api's
 * nets on the golden photos and the Tink cipher: when a batch completes (frame count, face count,
 * latency budget, checkpoint), that every frame's result is the one it gets alone, and that bad
 * frames leave at once as dead letters.
 */
class MicroBatchAnalyzeOperatorTest {
    private static final Duration BUDGET = Duration.ofMillis(100);
    /** Landmarks and descriptors of a face in a batch against the same face alone (oneDNN may sum in another order). */
    private static final float TOLERANCE = 1e-4f;

    @TempDir
    static Path keysDir;

    private static PipelineConfig config;
    private static TemplateCipher cipher;
    private static final List<byte[]> PHOTOS = new ArrayList<>();
    private static final List<RgbImage> IMAGES = new ArrayList<>();
    /** Each golden photo's faces analysed alone, as the unbatched job does. */
    private static final List<List<FacePipeline.Face>> ALONE = new ArrayList<>();

    private final List<KeyedBroadcastOperatorTestHarness<String, FrameRecord, ControlRecord, Outbound>> opened = new ArrayList<>();

    @BeforeAll
    static void analyseTheGoldenPhotosAlone() throws Exception {
        config = PipelineTestData.config(keysDir, Map.of("biostream.decode.budget-bytes", Long.toString(2L << 30)));
        cipher = new TemplateCipher(config.crypto().openKeyRing());
        FrameDecoder decoder = new FrameDecoder(config.decodeLimits());
        try (FacePipeline alone = config.vision().openPipeline()) {
            for (int n = 1; n <= 4; n++) {
                byte[] png = Files.readAllBytes(Goldens.dir().resolve("images/sample" + n + ".png"));
                RgbImage image = decoder.decode(png);
                PHOTOS.add(png);
                IMAGES.add(image);
                ALONE.add(alone.analyze(image));
            }
        }
        assertThat(ALONE).as("faces described in each golden photo")
                .allSatisfy(faces -> assertThat(faces).filteredOn(FacePipeline.Face::described).hasSizeGreaterThan(1));
    }

    @AfterEach
    void closeHarnesses() throws Exception {
        for (var harness : opened) {
            harness.close();
        }
    }

    private KeyedBroadcastOperatorTestHarness<String, FrameRecord, ControlRecord, Outbound> open(
            BatchConfig batch, OperatorSubtaskState restored) throws Exception {
        var harness = new KeyedBroadcastOperatorTestHarness<>(
                new MicroBatchAnalyzeOperator(new AnalyzeFrameFunction(config), batch),
                (FrameRecord record) -> record.frame.getCameraId(), Types.STRING, 128, 1, 0);
        opened.add(harness);
        harness.setup();
        if (restored != null) {
            harness.initializeState(restored);
        }
        harness.open();
        harness.setProcessingTime(0);
        return harness;
    }

    private static Frame golden(String cameraId, long sequence, int photo) {
        return frame(cameraId, sequence, "png", IMAGES.get(photo).width(), IMAGES.get(photo).height(), PHOTOS.get(photo));
    }

    private static void process(KeyedBroadcastOperatorTestHarness<String, FrameRecord, ControlRecord, Outbound> harness,
                                Frame frame) throws Exception {
        harness.processElement(new FrameRecord(frame, FRAMES_TOPIC, 0, frame.getSequence()), 0L);
    }

    private static List<FrameResult> results(List<Outbound> outputs) throws Exception {
        List<FrameResult> results = new ArrayList<>();
        for (Outbound o : outputs) {
            if (o.topic.equals(config.topics().results())) {
                results.add(WireFormat.decode(FrameResult.class, o.value));
            }
        }
        return results;
    }

    private static List<FrameResult> results(KeyedBroadcastOperatorTestHarness<String, FrameRecord, ControlRecord, Outbound> harness)
            throws Exception {
        return results(harness.extractOutputValues());
    }

    private static Map<String, float[]> descriptors(KeyedBroadcastOperatorTestHarness<String, FrameRecord, ControlRecord, Outbound> harness)
            throws Exception {
        Map<String, float[]> byFace = new HashMap<>();
        for (Outbound o : harness.extractOutputValues()) {
            if (o.topic.equals(config.topics().templates())) {
                EncryptedTemplate template = WireFormat.decode(EncryptedTemplate.class, o.value);
                byFace.put(template.getFaceId(), cipher.open(template));
            }
        }
        return byFace;
    }

    private static <T> List<T> side(KeyedBroadcastOperatorTestHarness<String, FrameRecord, ControlRecord, Outbound> harness,
                                    OutputTag<T> tag) {
        Queue<StreamRecord<T>> records = harness.getSideOutput(tag);
        return records == null ? List.of() : records.stream().map(StreamRecord::getValue).toList();
    }

    private static FrameResult latest(KeyedBroadcastOperatorTestHarness<String, FrameRecord, ControlRecord, Outbound> harness,
                                      String cameraId) throws Exception {
        byte[] stored = KeyedStates.value(harness.getOperator(), cameraId, QueryableStateNames.cameraLatestDescriptor());
        byte[] bytes = stored;
        return bytes == null ? null
                : CameraStateCodec.openLatest(new StateSeal(cipher.keys()), cameraId, bytes).orElseThrow().getFrameResult();
    }

    private static int pending(KeyedBroadcastOperatorTestHarness<String, FrameRecord, ControlRecord, Outbound> harness) {
        return ((MicroBatchAnalyzeOperator) harness.getOperator()).pendingFrames();
    }

    /** The frame's result and sealed descriptors are those of its photo analysed alone. */
    private static void assertAsAlone(FrameResult result, Map<String, float[]> descriptors, int photo) {
        List<FacePipeline.Face> alone = ALONE.get(photo);
        assertThat(result.getWidth()).isEqualTo(IMAGES.get(photo).width());
        assertThat(result.getFaces()).hasSize(alone.size());
        for (FacePipeline.Face face : alone) {
            FaceResult batched = result.getFaces().get(face.index());
            assertThat(batched.getStatus()).isEqualTo(face.status());
            assertThat(batched.getBox().getX()).isEqualTo(face.detection().x());
            assertThat(batched.getBox().getWidth()).isEqualTo(face.detection().width());
            List<Float> landmarks = FaceResults.landmarks(face.landmarks());
            for (int i = 0; i < landmarks.size(); i++) {
                assertThat(batched.getLandmarks().get(i)).as("landmark value %d", i).isCloseTo(landmarks.get(i), within(TOLERANCE * 100));
            }
            if (face.described()) {
                float[] descriptor = descriptors.get(batched.getTemplateRef());
                assertThat(descriptor).as("sealed descriptor of " + batched.getFaceId()).isNotNull();
                for (int d = 0; d < descriptor.length; d++) {
                    assertThat(descriptor[d]).as("%s descriptor element %d", batched.getFaceId(), d)
                            .isCloseTo(face.descriptor()[d], within(TOLERANCE));
                }
            }
        }
    }

    @Test
    void aBatchOfFramesFromSeveralCamerasCompletesAtItsFrameCountWithTheResultsEachFrameGetsAlone() throws Exception {
        var harness = open(new BatchConfig(4, 1000, BUDGET), null);
        for (int photo = 0; photo < 3; photo++) {
            process(harness, golden("cam-" + photo, 10 + photo, photo));
        }
        assertThat(harness.extractOutputValues()).as("three frames wait for the fourth").isEmpty();
        assertThat(pending(harness)).isEqualTo(3);

        process(harness, golden("cam-3", 13, 3));

        assertThat(pending(harness)).isZero();
        List<FrameResult> results = results(harness);
        assertThat(results).extracting(r -> r.getCameraId() + "/" + r.getSequence())
                .containsExactly("cam-0/10", "cam-1/11", "cam-2/12", "cam-3/13");
        Map<String, float[]> descriptors = descriptors(harness);
        for (int photo = 0; photo < 4; photo++) {
            assertAsAlone(results.get(photo), descriptors, photo);
            // Each frame was finished under its own camera's key: its latest result is there.
            assertThat(latest(harness, "cam-" + photo)).isEqualTo(results.get(photo));
        }
        assertThat(side(harness, AnalyzeFrameFunction.SIGHTINGS)).extracting(s -> s.cameraId)
                .containsExactly("cam-0", "cam-1", "cam-2", "cam-3");
        assertThat(side(harness, ParseFrameFunction.DEAD_LETTERS)).isEmpty();
    }

    @Test
    void aBatchCompletesOnceItHoldsMaxFacesFaces() throws Exception {
        int facesOfFirst = ALONE.get(0).size();
        var harness = open(new BatchConfig(8, facesOfFirst + 1, BUDGET), null);
        process(harness, golden("door-1", 1, 0));
        assertThat(pending(harness)).as("%d faces, under %d", facesOfFirst, facesOfFirst + 1).isEqualTo(1);

        process(harness, golden("door-1", 2, 1));

        assertThat(pending(harness)).isZero();
        List<FrameResult> results = results(harness);
        assertThat(results).extracting(FrameResult::getSequence).containsExactly(1L, 2L);
        assertAsAlone(results.get(0), descriptors(harness), 0);
        assertAsAlone(results.get(1), descriptors(harness), 1);
        assertThat(latest(harness, "door-1")).as("the camera's later frame").isEqualTo(results.get(1));
    }

    @Test
    void noFrameWaitsLongerThanTheLatencyBudget() throws Exception {
        var harness = open(new BatchConfig(8, 1000, BUDGET), null);
        harness.setProcessingTime(1_000);
        process(harness, golden("hall-1", 1, 0));
        harness.setProcessingTime(1_040);
        process(harness, golden("hall-2", 1, 1));
        harness.setProcessingTime(1_000 + BUDGET.toMillis() - 1);
        assertThat(results(harness)).isEmpty();

        harness.setProcessingTime(1_000 + BUDGET.toMillis());

        assertThat(results(harness)).as("both frames, at the first one's deadline")
                .extracting(r -> r.getCameraId() + "/" + r.getSequence()).containsExactly("hall-1/1", "hall-2/1");
        assertThat(pending(harness)).isZero();

        // The next batch has its own deadline, counted from its first frame.
        harness.setProcessingTime(1_150);
        process(harness, golden("hall-1", 2, 2));
        harness.setProcessingTime(1_150 + BUDGET.toMillis() - 1);
        assertThat(results(harness)).hasSize(2);
        harness.setProcessingTime(1_150 + BUDGET.toMillis());
        assertThat(results(harness)).extracting(FrameResult::getSequence).containsExactly(1L, 1L, 2L);
    }

    @Test
    void aCheckpointCompletesTheBatchFirstSoEveryFrameHasItsResultExactlyOnceAcrossARestore() throws Exception {
        BatchConfig batch = new BatchConfig(8, 1000, BUDGET);
        var before = open(batch, null);
        process(before, golden("gate-1", 1, 0));
        process(before, golden("gate-2", 1, 1));
        assertThat(results(before)).isEmpty();

        // As the task checkpoints: the operator before the barrier, then its state.
        before.prepareSnapshotPreBarrier(1L);
        OperatorSubtaskState checkpoint = before.snapshot(1L, 1L);

        // What the checkpoint's transaction commits: both frames, emitted before the barrier.
        List<FrameResult> committed = results(before);
        assertThat(committed).extracting(r -> r.getCameraId() + "/" + r.getSequence()).containsExactly("gate-1/1", "gate-2/1");
        assertThat(pending(before)).isZero();
        // A frame after the barrier, still in its batch when the task fails: its offset is after the
        // checkpoint's, so the source replays it into the restored operator.
        process(before, golden("gate-1", 2, 2));
        assertThat(pending(before)).isEqualTo(1);

        var after = open(batch, checkpoint);
        assertThat(latest(after, "gate-2")).as("keyed state of the checkpoint").isEqualTo(committed.get(1));
        process(after, golden("gate-1", 2, 2));
        after.setProcessingTime(BUDGET.toMillis());

        List<FrameResult> all = new ArrayList<>(committed);
        all.addAll(results(after));
        assertThat(all).extracting(r -> r.getCameraId() + "/" + r.getSequence())
                .containsExactly("gate-1/1", "gate-2/1", "gate-1/2");
        assertAsAlone(all.get(2), descriptors(after), 2);
        assertThat(latest(after, "gate-1")).isEqualTo(all.get(2));
    }

    @Test
    void aControlEventCompletesTheBatchFirstSoWaitingFramesAreAnalysedUnderTheSettingsTheyArrivedUnder() throws Exception {
        var harness = open(new BatchConfig(8, 1000, BUDGET), null);
        process(harness, golden("dock-1", 1, 0));
        assertThat(pending(harness)).isEqualTo(1);

        // From now on every face of these photos is too small to describe.
        harness.processBroadcastElement(new ControlRecord(
                settingsChanged(TestControlEvents.settings(0.6f, 5, 1000, "ssd", Map.of(), 1L)), "biostream.control", 0, 0L), 0L);

        assertThat(pending(harness)).isZero();
        assertThat(results(harness)).singleElement().satisfies(result -> {
            assertThat(result.getSequence()).isEqualTo(1L);
            assertThat(result.getFaces()).extracting(FaceResult::getStatus).containsOnly(FaceStatus.DESCRIBED);
        });
        process(harness, golden("dock-1", 2, 0));
        harness.setProcessingTime(BUDGET.toMillis());
        assertThat(results(harness)).hasSize(2).last().satisfies(result ->
                assertThat(result.getFaces()).extracting(FaceResult::getStatus).containsOnly(FaceStatus.TOO_SMALL));
    }

    @Test
    void badFramesAreDeadLetteredAtOnceWithTheirReasonAndDoNotHoldUpTheBatch() throws Exception {
        var harness = open(new BatchConfig(3, 1000, BUDGET), null);
        byte[] png = TestImages.gradient(64, 48, ".png");
        Frame truncated = frame("lane-2", 1, "png", 64, 48, Arrays.copyOf(png, png.length / 2));

        process(harness, golden("lane-1", 1, 0));
        process(harness, truncated);

        List<Outbound> letters = side(harness, ParseFrameFunction.DEAD_LETTERS);
        assertThat(letters).as("the bad frame leaves before its batch completes").hasSize(1);
        assertThat(deadLetter(letters.get(0)).getReason()).isEqualTo(DeadLetterReason.TRUNCATED_IMAGE);
        assertThat(deadLetter(letters.get(0)).getSequence()).isEqualTo(1L);
        assertThat(pending(harness)).as("only the good frame waits; the bad one took no place in the batch").isEqualTo(1);

        process(harness, golden("lane-3", 1, 1));
        assertThat(results(harness)).isEmpty();
        process(harness, golden("lane-1", 2, 3));

        assertThat(results(harness)).extracting(r -> r.getCameraId() + "/" + r.getSequence())
                .containsExactly("lane-1/1", "lane-3/1", "lane-1/2");
        assertThat(side(harness, ParseFrameFunction.DEAD_LETTERS)).hasSize(1);
        assertThat(latest(harness, "lane-2")).isNull();
    }
}
