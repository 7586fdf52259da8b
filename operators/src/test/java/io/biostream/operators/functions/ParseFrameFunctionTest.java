package io.biostream.operators.functions;

import io.biostream.operators.crypto.CameraAuthConfig;
import io.biostream.operators.crypto.CameraKey;
import io.biostream.operators.crypto.TestCameras;
import io.biostream.operators.records.FrameRecord;
import io.biostream.operators.records.Outbound;
import io.biostream.operators.records.RawRecord;
import io.biostream.schemas.WireFormat;
import static io.biostream.operators.functions.PipelineTestData.FRAMES_TOPIC;
import static io.biostream.operators.functions.PipelineTestData.bytes;
import static io.biostream.operators.functions.PipelineTestData.deadLetter;
import static io.biostream.operators.functions.PipelineTestData.frame;
import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.schemas.DeadLetter;
import io.biostream.schemas.DeadLetterReason;
import io.biostream.schemas.Frame;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ParseFrameFunctionTest {
    private static final int CAP = 100;
    private static final byte[] KEY = "cam-1".getBytes(StandardCharsets.UTF_8);

    /** Small limits so an oversized record stays small: records over 1000 + 64 KiB bytes are refused. */
    private final PipelineConfig config = PipelineTestData.configWithoutKeys(Map.of(
            "biostream.decode.max-frame-bytes", "1000",
            "biostream.dlq.max-original-bytes", Integer.toString(CAP)));
    private OneInputStreamOperatorTestHarness<RawRecord, FrameRecord> harness;

    @BeforeEach
    void open() throws Exception {
        harness = ProcessFunctionTestHarnesses.forProcessFunction(new ParseFrameFunction(config));
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    /** A record as camera cam-1 sends it: keyed by its id and signed with its key. */
    private static RawRecord raw(long offset, byte[] value) {
        return new RawRecord(FRAMES_TOPIC, 2, offset, 1_000L, KEY, value)
                .withCameraMac(value == null ? null : TestCameras.mac("cam-1", value));
    }

    private List<DeadLetter> deadLetters() throws Exception {
        List<DeadLetter> letters = new java.util.ArrayList<>();
        for (StreamRecord<Outbound> record : harness.getSideOutput(ParseFrameFunction.DEAD_LETTERS)) {
            assertThat(record.getValue().topic).isEqualTo(config.topics().dlq());
            assertThat(record.getValue().key).isEqualTo(KEY);
            letters.add(deadLetter(record.getValue()));
        }
        return letters;
    }

    /** Parses one value that must be refused, and returns its only dead letter after checking the common fields. */
    private DeadLetter refuse(long offset, byte[] value, DeadLetterReason reason) throws Exception {
        harness.processElement(raw(offset, value), 1_000L);
        assertThat(harness.extractOutputValues()).isEmpty();
        List<DeadLetter> letters = deadLetters();
        assertThat(letters).hasSize(1);
        DeadLetter letter = letters.get(0);
        assertThat(letter.getReason()).isEqualTo(reason);
        assertThat(letter.getTopic()).isEqualTo(FRAMES_TOPIC);
        assertThat(letter.getPartition()).isEqualTo(2);
        assertThat(letter.getOffset()).isEqualTo(offset);
        assertThat(letter.getCameraId()).isEqualTo("cam-1");
        assertThat(letter.getSequence()).isNull();
        byte[] original = value == null ? new byte[0] : value;
        assertThat(letter.getOriginalSize()).isEqualTo(original.length);
        assertThat(bytes(letter.getOriginalBytes())).isEqualTo(Arrays.copyOf(original, Math.min(original.length, CAP)));
        return letter;
    }

    @Test
    void aGoodFramePassesThroughWithItsKafkaCoordinates() throws Exception {
        Frame frame = frame("cam-1", 7, "png", 2, 2, new byte[] {1, 2, 3});

        harness.processElement(raw(41, WireFormat.encode(frame)), 1_000L);

        List<FrameRecord> out = harness.extractOutputValues();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).frame).isEqualTo(frame);
        assertThat(out.get(0).topic).isEqualTo(FRAMES_TOPIC);
        assertThat(out.get(0).partition).isEqualTo(2);
        assertThat(out.get(0).offset).isEqualTo(41L);
        assertThat(harness.getSideOutput(ParseFrameFunction.DEAD_LETTERS)).isNullOrEmpty();
    }

    /** Finding 7 of the hardening issue: captureTime and sessionId were taken as given. */
    @Test
    void aCaptureTimeNoClockCanHaveOrASessionIdOfAnyBytesIsADeadLetter() throws Exception {
        Frame good = frame("cam-1", 7, "png", 2, 2, new byte[] {1, 2, 3});
        Frame future = Frame.newBuilder(good).setCaptureTime(java.time.Instant.now().plus(java.time.Duration.ofHours(1))).build();
        Frame unset = Frame.newBuilder(good).setCaptureTime(java.time.Instant.EPOCH).build();
        Frame session = Frame.newBuilder(good).setSessionId("visit 1\u0000; DROP").build();

        int offset = 0;
        for (Frame bad : List.of(future, unset, session)) {
            harness.processElement(raw(offset++, WireFormat.encode(bad)), 1_000L);
        }
        harness.processElement(raw(offset, WireFormat.encode(Frame.newBuilder(good).setSessionId("visit-1").build())), 1_000L);

        assertThat(harness.extractOutputValues()).extracting(r -> r.frame.getSessionId()).containsExactly("visit-1");
        List<DeadLetter> letters = deadLetters();
        assertThat(letters).extracting(DeadLetter::getReason).containsOnly(DeadLetterReason.INVALID_FIELD);
        assertThat(letters).extracting(DeadLetter::getSequence).containsOnly(7L);
        assertThat(letters.get(0).getMessage()).contains("ahead of the job's clock");
        assertThat(letters.get(1).getMessage()).contains("clock is not set");
        assertThat(letters.get(2).getMessage()).contains("sessionId must be");
        // Only the frame whose capture time has a window counts in its camera's analytics.
        assertThat(harness.getSideOutput(AnalyzeFrameFunction.ACTIVITY)).extracting(StreamRecord::getValue)
                .extracting(a -> a.cameraId + " " + a.deadLetter + " " + a.captureTimeMillis)
                .containsExactly("cam-1 true " + good.getCaptureTime().toEpochMilli());
    }

    @Test
    void anEmptyValueIsADeadLetter() throws Exception {
        assertThat(refuse(1, new byte[0], DeadLetterReason.EMPTY).getMessage()).contains("no value");
    }

    @Test
    void aMissingValueIsADeadLetter() throws Exception {
        refuse(1, null, DeadLetterReason.EMPTY);
    }

    @Test
    void aValueOverTheRecordLimitIsOversizedAndKeptOnlyUpToTheCap() throws Exception {
        byte[] value = new byte[(int) config.maxRecordBytes() + 1];
        new Random(1).nextBytes(value);

        DeadLetter letter = refuse(2, value, DeadLetterReason.OVERSIZED);

        assertThat(letter.getMessage()).contains(Long.toString(config.maxRecordBytes()));
    }

    @Test
    void aValueAtTheRecordLimitIsParsedNotRefusedAsOversized() throws Exception {
        byte[] value = new byte[(int) config.maxRecordBytes()];
        new Random(2).nextBytes(value);

        refuse(2, value, DeadLetterReason.NOT_AVRO);
    }

    @Test
    void randomBytesAreNotAvro() throws Exception {
        byte[] value = new byte[300];
        new Random(3).nextBytes(value);

        refuse(3, value, DeadLetterReason.NOT_AVRO);
    }

    @Test
    void jsonTextIsNotAvro() throws Exception {
        byte[] json = "{\"cameraId\":\"cam-1\",\"sequence\":1}".getBytes(StandardCharsets.UTF_8);

        refuse(4, json, DeadLetterReason.NOT_AVRO);
    }

    @Test
    void anAvroFrameWithACorruptedSchemaFingerprintIsNotAvro() throws Exception {
        byte[] value = WireFormat.encode(frame("cam-1", 1, "png", 2, 2, new byte[] {1, 2, 3}));
        value[2] ^= (byte) 0xFF; // bytes 2..9 hold the writer schema's fingerprint

        DeadLetter letter = refuse(5, value, DeadLetterReason.NOT_AVRO);

        assertThat(letter.getMessage()).startsWith("value is not an Avro single-object Frame");
    }

    @Test
    void forgedAvroLengthsAreNotAvroWithTheLengthThatLied() throws Exception {
        String[] fields = {"string length 2147483639", "bytes length 2147483639", "map count 2147483639"};
        List<byte[]> forged = ForgedFrames.all();
        for (int i = 0; i < forged.size(); i++) {
            DeadLetter letter = refuse(10 + i, forged.get(i), DeadLetterReason.NOT_AVRO);

            assertThat(letter.getMessage()).as("forged %s", fields[i])
                    .contains(fields[i]).contains("exceeds the").contains("bytes left");
            harness.getSideOutput(ParseFrameFunction.DEAD_LETTERS).clear();
        }
    }

    /** Finding 7 of the hardening issue: any producer could publish as any cameraId. */
    @Test
    void aFrameWithoutItsCamerasMacIsUnauthenticated() throws Exception {
        byte[] value = WireFormat.encode(frame("cam-1", 7, "png", 2, 2, new byte[] {1, 2, 3}));

        DeadLetter letter = refuseCamera(raw(20, value).withCameraMac(null), value);

        assertThat(letter.getMessage()).contains("no biostream-camera-mac header");
    }

    @Test
    void aValueAlteredAfterSigningIsUnauthenticated() throws Exception {
        byte[] signed = WireFormat.encode(frame("cam-1", 7, "png", 2, 2, new byte[] {1, 2, 3}));
        byte[] altered = WireFormat.encode(frame("cam-1", 7, "png", 2, 2, new byte[] {1, 2, 4}));

        DeadLetter letter = refuseCamera(raw(21, altered).withCameraMac(TestCameras.mac("cam-1", signed)), altered);

        assertThat(letter.getMessage()).contains("does not verify as camera cam-1");
    }

    /** The camera with the key of cam-2 (a compromised camera) cannot speak for cam-1, under either camera's record key. */
    @Test
    void aFrameSignedWithAnotherCamerasKeyIsUnauthenticated() throws Exception {
        byte[] value = WireFormat.encode(frame("cam-1", 7, "png", 2, 2, new byte[] {1, 2, 3}));
        byte[] cam2Mac = TestCameras.mac("cam-2", value);

        DeadLetter letter = refuseCamera(raw(22, value).withCameraMac(cam2Mac), value);

        assertThat(letter.getMessage()).contains("does not verify as camera cam-1");
    }

    @Test
    void aRecordKeyThatIsNotTheFramesCameraIdIsUnauthenticated() throws Exception {
        byte[] value = WireFormat.encode(frame("cam-2", 7, "png", 2, 2, new byte[] {1, 2, 3}));

        DeadLetter letter = refuseCamera(raw(23, value).withCameraMac(TestCameras.mac("cam-2", value)), value, "cam-2");

        assertThat(letter.getMessage()).contains("record key 'cam-1' is not the frame's cameraId 'cam-2'");
    }

    @Test
    void aKeyVersionTheMasterDoesNotHoldIsUnauthenticated() throws Exception {
        byte[] value = WireFormat.encode(frame("cam-1", 7, "png", 2, 2, new byte[] {1, 2, 3}));
        CameraKey retired = TestCameras.master().rotated().issue("cam-1"); // a version only a rotated master holds
        assertThat(retired.version()).isNotEqualTo(TestCameras.master().primaryVersion());

        DeadLetter letter = refuseCamera(raw(24, value).withCameraMac(retired.header("cam-1", value)), value);

        assertThat(letter.getMessage()).contains("key version " + Integer.toUnsignedString(retired.version()))
                .contains("is not in the camera master");
    }

    @Test
    void aMalformedMacHeaderIsUnauthenticated() throws Exception {
        byte[] value = WireFormat.encode(frame("cam-1", 7, "png", 2, 2, new byte[] {1, 2, 3}));
        String good = new String(TestCameras.mac("cam-1", value), StandardCharsets.US_ASCII);
        String[] malformed = {"", "no-colon", good.substring(0, good.indexOf(':')) + ":!!!", good.substring(0, good.length() - 4),
                "x".repeat(65)};
        for (int i = 0; i < malformed.length; i++) {
            harness.processElement(raw(30 + i, value).withCameraMac(malformed[i].getBytes(StandardCharsets.US_ASCII)), 1_000L);
        }

        assertThat(harness.extractOutputValues()).isEmpty();
        assertThat(deadLetters()).hasSize(malformed.length)
                .allSatisfy(l -> assertThat(l.getReason()).isEqualTo(DeadLetterReason.UNAUTHENTICATED_CAMERA))
                .allSatisfy(l -> assertThat(l.getMessage()).contains("biostream-camera-mac header"));
    }

    @Test
    void withAnAllowListOnlyListedCamerasPass() throws Exception {
        harness.close();
        harness = ProcessFunctionTestHarnesses.forProcessFunction(new ParseFrameFunction(PipelineTestData.configWithoutKeys(Map.of(
                CameraAuthConfig.ALLOWED, "cam-1, lobby"))));
        byte[] listed = WireFormat.encode(frame("cam-1", 7, "png", 2, 2, new byte[] {1, 2, 3}));
        byte[] unlisted = WireFormat.encode(frame("cam-9", 8, "png", 2, 2, new byte[] {1, 2, 3}));

        harness.processElement(raw(40, listed), 1_000L);
        harness.processElement(new RawRecord(FRAMES_TOPIC, 2, 41, 1_000L, "cam-9".getBytes(StandardCharsets.UTF_8), unlisted)
                .withCameraMac(TestCameras.mac("cam-9", unlisted)), 1_000L);

        assertThat(harness.extractOutputValues()).extracting(r -> r.frame.getCameraId()).containsExactly("cam-1");
        List<DeadLetter> letters = new java.util.ArrayList<>();
        for (StreamRecord<Outbound> record : harness.getSideOutput(ParseFrameFunction.DEAD_LETTERS)) {
            letters.add(deadLetter(record.getValue()));
        }
        assertThat(letters).singleElement().satisfies(l -> {
            assertThat(l.getReason()).isEqualTo(DeadLetterReason.UNKNOWN_CAMERA);
            assertThat(l.getCameraId()).isEqualTo("cam-9");
            assertThat(l.getMessage()).contains("camera cam-9 is not in biostream.cameras.allowed");
        });
    }

    @Test
    void withAuthenticationOffAnUnsignedFramePasses() throws Exception {
        harness.close();
        harness = ProcessFunctionTestHarnesses.forProcessFunction(new ParseFrameFunction(PipelineTestData.configWithoutKeys(Map.of(
                CameraAuthConfig.AUTHENTICATION, "off"))));
        byte[] value = WireFormat.encode(frame("cam-1", 7, "png", 2, 2, new byte[] {1, 2, 3}));

        harness.processElement(raw(50, value).withCameraMac(null), 1_000L);

        assertThat(harness.extractOutputValues()).hasSize(1);
        assertThat(harness.getSideOutput(ParseFrameFunction.DEAD_LETTERS)).isNullOrEmpty();
    }

    private DeadLetter refuseCamera(RawRecord record, byte[] value) throws Exception {
        return refuseCamera(record, value, "cam-1");
    }

    /** Parses a frame that must be refused as not from its camera; returns its only dead letter. */
    private DeadLetter refuseCamera(RawRecord record, byte[] value, String cameraId) throws Exception {
        harness.processElement(record, 1_000L);
        assertThat(harness.extractOutputValues()).isEmpty();
        List<StreamRecord<Outbound>> out = List.copyOf(harness.getSideOutput(ParseFrameFunction.DEAD_LETTERS));
        assertThat(out).hasSize(1);
        DeadLetter letter = deadLetter(out.get(0).getValue());
        assertThat(letter.getReason()).isEqualTo(DeadLetterReason.UNAUTHENTICATED_CAMERA);
        assertThat(letter.getCameraId()).isEqualTo(cameraId);
        assertThat(letter.getSequence()).isEqualTo(7L);
        assertThat(letter.getOffset()).isEqualTo(record.offset);
        assertThat(bytes(letter.getOriginalBytes())).isEqualTo(Arrays.copyOf(value, Math.min(value.length, CAP)));
        return letter;
    }
}
