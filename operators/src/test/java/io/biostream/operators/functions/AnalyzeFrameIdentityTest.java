package io.biostream.operators.functions;

import io.biostream.operators.testing.KeyedStates;
import static io.biostream.operators.functions.PipelineTestData.deadLetter;
import static io.biostream.operators.identity.TestControlEvents.enrolled;
import static io.biostream.operators.identity.TestControlEvents.enrollmentTemplate;
import static io.biostream.operators.identity.TestControlEvents.erased;
import static io.biostream.operators.identity.TestControlEvents.settingsChanged;
import static io.biostream.operators.identity.TestControlEvents.subjectCreated;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.operators.crypto.TestKeyRings;
import io.biostream.operators.decode.FrameDecoder;
import io.biostream.operators.identity.Enrollments;
import io.biostream.operators.identity.IdentityConfig;
import io.biostream.operators.identity.TestControlEvents;
import io.biostream.operators.identity.VerificationPairs;
import io.biostream.operators.records.ControlRecord;
import io.biostream.operators.records.FrameRecord;
import io.biostream.operators.records.Outbound;
import io.biostream.operators.state.CameraStateCodec;
import io.biostream.operators.state.QueryableStateNames;
import io.biostream.operators.state.StateSeal;
import io.biostream.operators.testing.SharedFaces;
import io.biostream.operators.vision.FacePipeline;
import io.biostream.operators.image.RgbImage;
import io.biostream.schemas.CameraLatest;
import io.biostream.schemas.CameraOverride;
import io.biostream.schemas.Candidate;
import io.biostream.schemas.ControlEvent;
import io.biostream.schemas.AssociatedData;
import io.biostream.schemas.DeadLetter;
import io.biostream.schemas.DeadLetterReason;
import io.biostream.schemas.EncryptedTemplate;
import io.biostream.schemas.FaceResult;
import io.biostream.schemas.FaceStatus;
import io.biostream.schemas.Frame;
import io.biostream.schemas.FrameResult;
import io.biostream.schemas.Identification;
import io.biostream.schemas.WireFormat;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.apache.flink.util.OutputTag;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Identity in the analysis step, with real photos (bbt crops in a black border), the real nets and
 * Tink: enrollments arrive as control events, every described face is matched 1:N, settings and
 * erasures apply to later frames, and the gallery survives a restore through broadcast state.
 * Expected distances come from the same photos described directly, never from constants.
 */
class AnalyzeFrameIdentityTest {
    private static final String CONTROL_TOPIC = "biostream.control";
    /** Enrolled: raj (raj_1) and lennard (lennard_1). Probes: raj_4 (enrolled person), sheldon_2 (not enrolled). */
    private static final String RAJ_ENROLL = "raj/raj_1.png";
    private static final String LENNARD_ENROLL = "lennard/lennard_1.png";
    private static final String RAJ_PROBE = "raj/raj_4.png";
    private static final String STRANGER_PROBE = "sheldon/sheldon_2.png";

    @TempDir
    static Path keysDir;

    private static PipelineConfig config;
    private static TemplateCipher cipher;
    private static String model;
    private static final Map<String, float[]> DESCRIPTORS = new HashMap<>();
    private static final Map<String, byte[]> FRAMES = new HashMap<>();
    private static final Map<String, RgbImage> IMAGES = new HashMap<>();

    private KeyedBroadcastOperatorTestHarness<String, FrameRecord, ControlRecord, Outbound> harness;
    private long offset;

    @BeforeAll
    static void describeThePhotos() throws Exception {
        config = PipelineTestData.config(keysDir, Map.of());
        cipher = new TemplateCipher(config.crypto().openKeyRing());
        try (FacePipeline reference = config.vision().openPipeline()) {
            model = reference.modelId();
            for (String name : List.of(RAJ_ENROLL, LENNARD_ENROLL, RAJ_PROBE, STRANGER_PROBE)) {
                byte[] png = SharedFaces.bbtFrame(name);
                RgbImage image = new FrameDecoder(config.decodeLimits()).decode(png);
                IMAGES.put(name, image);
                List<FacePipeline.Face> faces = reference.analyze(image);
                assertThat(faces).as("faces in %s", name).hasSize(1);
                assertThat(faces.get(0).status()).as("status of the face in %s", name).isEqualTo(FaceStatus.DESCRIBED);
                DESCRIPTORS.put(name, faces.get(0).descriptor());
                FRAMES.put(name, png);
            }
        }
    }

    @AfterEach
    void close() throws Exception {
        if (harness != null) {
            harness.close();
        }
    }

    private static KeyedBroadcastOperatorTestHarness<String, FrameRecord, ControlRecord, Outbound> open() throws Exception {
        return ProcessFunctionTestHarnesses.forKeyedBroadcastProcessFunction(new AnalyzeFrameFunction(config),
                record -> record.frame.getCameraId(), Types.STRING, ControlState.descriptors());
    }

    private void control(ControlEvent event) throws Exception {
        harness.processBroadcastElement(new ControlRecord(event, CONTROL_TOPIC, 0, offset++), 0L);
    }

    private void enroll(String subjectId, String photo, int n) throws Exception {
        control(subjectCreated(subjectId));
        control(enrolled(subjectId, enrollmentTemplate(cipher, subjectId, n, DESCRIPTORS.get(photo), model)));
    }

    /** Sends the photo as frame {@code sequence} of the camera and returns the FrameResult it produced. */
    private FrameResult analyze(String cameraId, long sequence, String photo) throws Exception {
        harness.getOutput().clear();
        byte[] png = FRAMES.get(photo);
        RgbImage image = IMAGES.get(photo);
        Frame frame = PipelineTestData.frame(cameraId, sequence, "png", image.width(), image.height(), png);
        harness.processElement(new FrameRecord(frame, "biostream.frames", 0, offset++), 0L);
        assertThat(side(ParseFrameFunction.DEAD_LETTERS)).as("dead letters").isEmpty();
        List<Outbound> results = harness.extractOutputValues().stream().filter(o -> o.topic.equals(config.topics().results())).toList();
        assertThat(results).as("results of %s/%d", cameraId, sequence).hasSize(1);
        return WireFormat.decode(FrameResult.class, results.get(0).value);
    }

    private static Identification onlyFace(FrameResult result) {
        assertThat(result.getFaces()).hasSize(1);
        return result.getFaces().get(0).getIdentification();
    }

    private static double distance(String a, String b) {
        return VerificationPairs.euclidean(DESCRIPTORS.get(a), DESCRIPTORS.get(b));
    }

    private <T> List<T> side(OutputTag<T> tag) {
        Queue<StreamRecord<T>> records = harness.getSideOutput(tag);
        return records == null ? List.of() : records.stream().map(StreamRecord::getValue).toList();
    }

    private CameraLatest latest(String cameraId) throws Exception {
        byte[] stored = KeyedStates.value(harness.getOperator(), cameraId, QueryableStateNames.cameraLatestDescriptor());
        return CameraStateCodec.openLatest(new StateSeal(cipher.keys()), cameraId, stored).orElseThrow();
    }

    @Test
    void aFaceOfAnEnrolledPersonMatchesThatPersonAndAStrangerMatchesNobody() throws Exception {
        harness = open();
        enroll("raj", RAJ_ENROLL, 1);
        enroll("lennard", LENNARD_ENROLL, 1);

        Identification raj = onlyFace(analyze("door-1", 1, RAJ_PROBE));
        System.out.printf("raj_4 vs raj_1 %.4f, vs lennard_1 %.4f; sheldon_2 vs raj_1 %.4f, vs lennard_1 %.4f%n",
                distance(RAJ_PROBE, RAJ_ENROLL), distance(RAJ_PROBE, LENNARD_ENROLL),
                distance(STRANGER_PROBE, RAJ_ENROLL), distance(STRANGER_PROBE, LENNARD_ENROLL));
        assertThat(raj.getMatched()).isTrue();
        assertThat(raj.getSubjectId()).isEqualTo("raj");
        float threshold = IdentityConfig.DEFAULTS.matchThreshold();
        assertThat(raj.getThreshold()).isEqualTo(threshold);
        assertThat(raj.getGallerySize()).isEqualTo(2);
        assertThat((double) raj.getDistance()).isCloseTo(distance(RAJ_PROBE, RAJ_ENROLL), within(1e-3)).isLessThan(threshold);
        assertThat(raj.getCandidates()).extracting(Candidate::getSubjectId).containsExactly("raj", "lennard");
        assertThat((double) raj.getCandidates().get(1).getDistance()).isCloseTo(distance(RAJ_PROBE, LENNARD_ENROLL), within(1e-3));
        assertThat(side(AnalyzeFrameFunction.SUBJECT_SIGHTINGS)).singleElement().satisfies(s -> {
            assertThat(s.erased).isFalse();
            assertThat(s.subjectId).isEqualTo("raj");
            assertThat(s.faceId).isEqualTo("door-1/1/0");
            assertThat(s.distance).isEqualTo(raj.getDistance());
        });

        Identification stranger = onlyFace(analyze("door-1", 2, STRANGER_PROBE));
        double nearest = Math.min(distance(STRANGER_PROBE, RAJ_ENROLL), distance(STRANGER_PROBE, LENNARD_ENROLL));
        assertThat(stranger.getMatched()).isFalse();
        assertThat(stranger.getSubjectId()).isNull();
        assertThat((double) stranger.getDistance()).isCloseTo(nearest, within(1e-3)).isGreaterThanOrEqualTo(threshold);
        assertThat(stranger.getCandidates()).hasSize(2);
        assertThat(side(AnalyzeFrameFunction.SUBJECT_SIGHTINGS)).hasSize(1);
        assertThat(latest("door-1").getFrameResult().getFaces().get(0).getIdentification()).isEqualTo(stranger);
    }

    @Test
    void changedSettingsApplyToLaterFramesAndACameraOverrideBeatsTheDeploymentValue() throws Exception {
        harness = open();
        enroll("raj", RAJ_ENROLL, 1);
        enroll("lennard", LENNARD_ENROLL, 1);
        assertThat(onlyFace(analyze("door-1", 1, RAJ_PROBE)).getMatched()).isTrue();

        control(settingsChanged(TestControlEvents.settings(0.0001f, 1, 40, "ssd",
                Map.of("door-2", new CameraOverride(0.6f, null, null, null, null)), 1L)));

        Identification strict = onlyFace(analyze("door-1", 2, RAJ_PROBE));
        assertThat(strict.getMatched()).isFalse();
        assertThat(strict.getThreshold()).isEqualTo(0.0001f);
        assertThat(strict.getCandidates()).as("top-1").extracting(Candidate::getSubjectId).containsExactly("raj");
        Identification overridden = onlyFace(analyze("door-2", 1, RAJ_PROBE));
        assertThat(overridden.getMatched()).isTrue();
        assertThat(overridden.getThreshold()).isEqualTo(0.6f);

        // The face gate and the detector are live too: a minimum face larger than the face, then another detector.
        control(settingsChanged(TestControlEvents.settings(0.6f, 5, 500, "ssd", Map.of(), 2L)));
        FrameResult tooSmall = analyze("door-1", 3, RAJ_PROBE);
        assertThat(tooSmall.getFaces()).singleElement().satisfies(f -> {
            assertThat(f.getStatus()).isEqualTo(FaceStatus.TOO_SMALL);
            assertThat(f.getIdentification()).isNull();
        });
        control(settingsChanged(TestControlEvents.settings(0.6f, 5, 40, "tiny", Map.of(), 3L)));
        assertThat(analyze("door-1", 4, RAJ_PROBE).getDetector()).isEqualTo("tiny");
    }

    @Test
    void erasureRemovesTheSubjectFromTheGalleryTheLatestResultsAndItsSightings() throws Exception {
        harness = open();
        enroll("raj", RAJ_ENROLL, 1);
        enroll("raj", RAJ_PROBE, 2); // a second template of the same subject
        enroll("lennard", LENNARD_ENROLL, 1);
        Identification before = onlyFace(analyze("door-1", 1, RAJ_PROBE));
        assertThat(before.getSubjectId()).isEqualTo("raj");
        assertThat(before.getDistance()).as("the probe itself is enrolled").isLessThan(1e-3f);

        control(erased("raj"));

        assertThat(side(AnalyzeFrameFunction.SUBJECT_SIGHTINGS)).last().satisfies(s -> {
            assertThat(s.erased).isTrue();
            assertThat(s.subjectId).isEqualTo("raj");
        });
        assertThat(harness.getBroadcastState(ControlState.ENROLLED_TEMPLATES).immutableEntries())
                .extracting(Map.Entry::getKey).containsExactly("enrollment/lennard/1");
        Identification scrubbed = latest("door-1").getFrameResult().getFaces().get(0).getIdentification();
        assertThat(scrubbed.getMatched()).isFalse();
        assertThat(scrubbed.getCandidates()).extracting(Candidate::getSubjectId).containsExactly("lennard");

        Identification after = onlyFace(analyze("door-1", 2, RAJ_PROBE));
        assertThat(after.getMatched()).isFalse();
        assertThat(after.getGallerySize()).isEqualTo(1);
        assertThat(after.getCandidates()).extracting(Candidate::getSubjectId).containsExactly("lennard");
    }

    @Test
    void aReplayedUpsertOrEnrollmentOfAnErasedSubjectIsADeadLetterAlsoAfterARestore() throws Exception {
        harness = open();
        ControlEvent upsert = subjectCreated("raj");
        ControlEvent enrollment = enrolled("raj", enrollmentTemplate(cipher, "raj", 1, DESCRIPTORS.get(RAJ_ENROLL), model));
        control(upsert);
        control(enrollment);
        control(subjectCreated("lennard"));
        control(enrolled("lennard", enrollmentTemplate(cipher, "lennard", 1, DESCRIPTORS.get(LENNARD_ENROLL), model)));
        control(erased("raj"));
        assertThat(harness.getBroadcastState(ControlState.ERASED_SUBJECTS).immutableEntries())
                .extracting(Map.Entry::getKey).containsExactly("raj");
        OperatorSubtaskState snapshot = harness.snapshot(1L, 1L);

        // The very events, as published (and signed) before the erasure, come again; the enrollment's key
        // still opens it here (the key ring of this test is not the one an erasure destroys), so only the
        // remembered erasure stops it.
        control(upsert);
        control(enrollment);
        List<Outbound> letters = side(ParseFrameFunction.DEAD_LETTERS);
        assertThat(letters).hasSize(2);
        assertThat(deadLetter(letters.get(0)).getMessage()).contains("SUBJECT_UPSERTED for subject raj, which was erased");
        assertThat(deadLetter(letters.get(1)).getMessage()).contains("TEMPLATE_ENROLLED for subject raj, which was erased");
        assertThat(deadLetter(letters.get(1)).getReason()).isEqualTo(DeadLetterReason.INVALID_FIELD);
        assertThat(harness.getBroadcastState(ControlState.SUBJECTS).immutableEntries())
                .extracting(Map.Entry::getKey).containsExactly("lennard");
        harness.getSideOutput(ParseFrameFunction.DEAD_LETTERS).clear();
        assertThat(onlyFace(analyze("door-1", 1, RAJ_PROBE)).getCandidates()).extracting(Candidate::getSubjectId)
                .containsExactly("lennard");
        harness.close();

        // Restored from a checkpoint taken after the erasure: the erasure is remembered there too.
        harness = new KeyedBroadcastOperatorTestHarness<>(
                new CoBroadcastWithKeyedOperator<>(new AnalyzeFrameFunction(config), List.of(ControlState.descriptors())),
                record -> record.frame.getCameraId(), Types.STRING, 1, 1, 0);
        harness.setup();
        harness.initializeState(snapshot);
        harness.open();
        control(upsert);
        control(enrollment);
        assertThat(side(ParseFrameFunction.DEAD_LETTERS)).hasSize(2)
                .allSatisfy(o -> assertThat(deadLetter(o).getMessage()).contains("raj, which was erased"));
        harness.getSideOutput(ParseFrameFunction.DEAD_LETTERS).clear();
        assertThat(onlyFace(analyze("door-1", 2, RAJ_PROBE)).getCandidates()).extracting(Candidate::getSubjectId)
                .containsExactly("lennard");
    }

    @Test
    void afterARestoreTheGalleryAndSettingsComeBackFromBroadcastState() throws Exception {
        harness = open();
        enroll("raj", RAJ_ENROLL, 1);
        enroll("lennard", LENNARD_ENROLL, 1);
        control(settingsChanged(TestControlEvents.settings(0.6f, 1, 40, "ssd", Map.of(), 1L)));
        OperatorSubtaskState snapshot = harness.snapshot(1L, 1L);
        harness.close();

        harness = new KeyedBroadcastOperatorTestHarness<>(
                new CoBroadcastWithKeyedOperator<>(new AnalyzeFrameFunction(config), List.of(ControlState.descriptors())),
                record -> record.frame.getCameraId(), Types.STRING, 1, 1, 0);
        harness.setup();
        harness.initializeState(snapshot);
        harness.open();

        Identification restored = onlyFace(analyze("door-1", 1, RAJ_PROBE));
        assertThat(restored.getMatched()).isTrue();
        assertThat(restored.getSubjectId()).isEqualTo("raj");
        assertThat(restored.getGallerySize()).isEqualTo(2);
        assertThat(restored.getCandidates()).as("top-k of the restored settings").hasSize(1);
    }

    @Test
    void enrollmentsThatDoNotOpenOrComeFromAnotherModelBecomeDeadLettersAndChangeNothing() throws Exception {
        harness = open();
        float[] descriptor = new float[128];
        Random random = new Random(7);
        for (int i = 0; i < descriptor.length; i++) {
            descriptor[i] = (float) random.nextGaussian() * 0.1f;
        }
        EncryptedTemplate good = enrollmentTemplate(cipher, "raj", 1, descriptor, model);
        byte[] tamperedBytes = PipelineTestData.bytes(good.getCiphertext());
        tamperedBytes[tamperedBytes.length / 2] ^= 1;
        EncryptedTemplate tampered = EncryptedTemplate.newBuilder(good).setCiphertext(ByteBuffer.wrap(tamperedBytes)).build();
        TemplateCipher otherKeys = new TemplateCipher(TestKeyRings.directory(keysDir.resolve("other")));
        EncryptedTemplate foreign = enrollmentTemplate(otherKeys, "raj", 1, descriptor, model);
        EncryptedTemplate otherModel = enrollmentTemplate(cipher, "raj", 1, descriptor, "some-other-model-1.0");
        // Forged enrollments (finding 1 of the hardening issue): a stranger's face copied from the
        // templates topic, another subject's enrollment, and raj's binding under another subject's key.
        EncryptedTemplate cameraFace = cipher.seal("door-1/7/0", descriptor, new AssociatedData("door-1", 7L, 0), model,
                cipher.keys().periodKey("door-1", java.time.Instant.now(), java.time.Duration.ofDays(1), java.time.Duration.ofDays(30)));
        EncryptedTemplate bobs = enrollmentTemplate(cipher, "bob", 1, descriptor, model);
        EncryptedTemplate underBobsKey = cipher.seal(Enrollments.templateId("raj", 1), descriptor, Enrollments.associatedData("raj", 1),
                model, cipher.keys().subjectKey("bob"));
        control(subjectCreated("raj"));
        control(subjectCreated("bob"));

        long first = offset;
        for (EncryptedTemplate template : List.of(tampered, foreign, otherModel, cameraFace, bobs, underBobsKey)) {
            control(enrolled("raj", template));
        }

        List<Outbound> letters = side(ParseFrameFunction.DEAD_LETTERS);
        assertThat(letters).hasSize(6);
        for (int i = 0; i < letters.size(); i++) {
            DeadLetter letter = deadLetter(letters.get(i));
            assertThat(letter.getReason()).isEqualTo(DeadLetterReason.INVALID_FIELD);
            assertThat(letter.getTopic()).isEqualTo(CONTROL_TOPIC);
            assertThat(letter.getOffset()).isEqualTo(first + i);
            assertThat(letters.get(i).key).isEqualTo("raj".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        assertThat(deadLetter(letters.get(0)).getMessage()).contains("does not open");
        assertThat(deadLetter(letters.get(2)).getMessage()).contains("some-other-model-1.0");
        assertThat(deadLetter(letters.get(3)).getMessage()).contains("sealed for enrollment/raj", "got one sealed for door-1");
        assertThat(deadLetter(letters.get(4)).getMessage()).contains("got one sealed for enrollment/bob");
        assertThat(deadLetter(letters.get(5)).getMessage()).contains("not a key of subject raj");
        assertThat(harness.getBroadcastState(ControlState.ENROLLED_TEMPLATES).immutableEntries()).isEmpty();

        control(enrolled("raj", good));
        assertThat(side(ParseFrameFunction.DEAD_LETTERS)).hasSize(6);
        assertThat(harness.getBroadcastState(ControlState.ENROLLED_TEMPLATES).immutableEntries())
                .extracting(Map.Entry::getKey).containsExactly("enrollment/raj/1");
    }

    @Test
    void framesOfAnOpenSessionCarryItsIdAndAreReportedForTheSummary() throws Exception {
        harness = open();
        byte[] png = io.biostream.operators.decode.TestImages.gradient(64, 48, ".png");
        Frame lobby = PipelineTestData.frame("lobby", 1, "png", 64, 48, png);
        java.time.Instant start = lobby.getCaptureTime().minusSeconds(60);
        var session = TestControlEvents.session("visit-1", List.of("lobby", "hall"), start, null);
        control(TestControlEvents.sessionStarted(session));

        FrameResult stamped = analyzeFrame(Frame.newBuilder(lobby).setSessionId(null).build());
        FrameResult elsewhere = analyzeFrame(Frame.newBuilder(lobby).setCameraId("garage").setSessionId(null).build());
        FrameResult own = analyzeFrame(Frame.newBuilder(lobby).setSequence(2).setSessionId("camera-session").build());
        control(TestControlEvents.sessionEnded(session));
        FrameResult afterEnd = analyzeFrame(Frame.newBuilder(lobby).setSequence(3).setSessionId(null).build());

        assertThat(stamped.getSessionId()).isEqualTo("visit-1");
        assertThat(elsewhere.getSessionId()).isNull();
        assertThat(own.getSessionId()).isEqualTo("camera-session");
        assertThat(afterEnd.getSessionId()).isNull();
        assertThat(side(AnalyzeFrameFunction.SESSION_FRAMES)).extracting(f -> f.sessionId + "/" + f.cameraId + "/" + f.faces)
                .containsExactly("visit-1/lobby/0", "camera-session/lobby/0");
    }

    @Test
    void privacyModesKeepOnlyWhatTheCameraMayKeep() throws Exception {
        harness = open();
        enroll("raj", RAJ_ENROLL, 1);
        control(settingsChanged(TestControlEvents.settings(0.6f, 5, 40, "ssd", Map.of(
                "gate", new CameraOverride(null, null, null, "watchlist-only", null),
                "hall", new CameraOverride(null, null, null, "count-only", 3600L)), 1L)));

        // watchlist-only: the enrolled person is kept with template and sighting; the stranger only counted.
        FrameResult known = analyze("gate", 1, RAJ_PROBE);
        assertThat(onlyFace(known).getSubjectId()).isEqualTo("raj");
        assertThat(known.getDroppedFaces()).isZero();
        assertThat(templateKeys()).containsExactly("gate/1/0");
        assertThat(side(AnalyzeFrameFunction.SUBJECT_SIGHTINGS)).singleElement()
                .satisfies(s -> assertThat(s.faceId).isEqualTo("gate/1/0"));
        FrameResult stranger = analyze("gate", 2, STRANGER_PROBE);
        assertThat(stranger.getFaces()).isEmpty();
        assertThat(stranger.getDroppedFaces()).isEqualTo(1);
        assertThat(templateKeys()).isEmpty();
        assertThat(side(AnalyzeFrameFunction.SUBJECT_SIGHTINGS)).as("side outputs accumulate: still only gate/1/0").hasSize(1);
        assertThat(latest("gate").getTemplates()).isEmpty();

        // count-only: even the enrolled person is only counted, and not matched.
        FrameResult counted = analyze("hall", 1, RAJ_PROBE);
        assertThat(counted.getFaces()).isEmpty();
        assertThat(counted.getDroppedFaces()).isEqualTo(1);
        assertThat(templateKeys()).isEmpty();
        assertThat(side(AnalyzeFrameFunction.SUBJECT_SIGHTINGS)).hasSize(1);

        // Other cameras keep the deployment's mode, full.
        FrameResult full = analyze("door-1", 1, STRANGER_PROBE);
        assertThat(full.getFaces()).hasSize(1);
        assertThat(full.getDroppedFaces()).isZero();
        assertThat(templateKeys()).containsExactly("door-1/1/0");
    }

    /** Keys of the templates the last frame sent to the templates topic. */
    private List<String> templateKeys() {
        return harness.extractOutputValues().stream().filter(o -> o.topic.equals(config.topics().templates()))
                .map(o -> new String(o.key, java.nio.charset.StandardCharsets.UTF_8)).toList();
    }

    private FrameResult analyzeFrame(Frame frame) throws Exception {
        harness.getOutput().clear();
        harness.processElement(new FrameRecord(frame, "biostream.frames", 0, offset++), 0L);
        List<Outbound> results = harness.extractOutputValues().stream().filter(o -> o.topic.equals(config.topics().results())).toList();
        assertThat(results).hasSize(1);
        return WireFormat.decode(FrameResult.class, results.get(0).value);
    }
}
