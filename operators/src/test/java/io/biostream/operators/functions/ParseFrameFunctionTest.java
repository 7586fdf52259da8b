package io.biostream.operators.functions;

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

    private static RawRecord raw(long offset, byte[] value) {
        return new RawRecord(FRAMES_TOPIC, 2, offset, 1_000L, KEY, value);
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
}
