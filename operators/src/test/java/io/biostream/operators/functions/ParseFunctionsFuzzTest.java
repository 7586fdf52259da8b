package io.biostream.operators.functions;

import static io.biostream.operators.functions.PipelineTestData.bytes;
import static io.biostream.operators.functions.PipelineTestData.deadLetter;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.biostream.operators.HeapAllocations;
import io.biostream.operators.identity.ControlEvents;
import io.biostream.operators.identity.TestControlEvents;
import io.biostream.operators.records.ControlRecord;
import io.biostream.operators.decode.FrameMetadata;
import io.biostream.operators.records.FrameRecord;
import io.biostream.operators.records.Outbound;
import io.biostream.operators.crypto.TestCameras;
import io.biostream.operators.records.RawRecord;
import io.biostream.schemas.ControlEvent;
import io.biostream.schemas.DeadLetter;
import io.biostream.schemas.DeadLetterReason;
import io.biostream.schemas.Frame;
import io.biostream.schemas.WireFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile record values against the job's first two functions, as the job runs them: every value
 * of biostream.frames or biostream.control becomes exactly one record or exactly one dead letter
 * with a reason, never an exception that would fail the job, a hang, or heap use proportional to a
 * forged Avro length or count. Seeds: {@code ParseFunctionsFuzzTestInputs/}; docs/fuzzing.md.
 */
class ParseFunctionsFuzzTest {
    private static final int ORIGINAL_CAP = 100;
    private static final ObjectMapper JSON = new ObjectMapper();
    private final PipelineConfig config = PipelineTestData.configWithoutKeys(Map.of(
            "biostream.dlq.max-original-bytes", Integer.toString(ORIGINAL_CAP)));
    private OneInputStreamOperatorTestHarness<RawRecord, FrameRecord> frames;
    private OneInputStreamOperatorTestHarness<RawRecord, ControlRecord> control;
    private long offset;

    @BeforeEach
    void open() throws Exception {
        frames = ProcessFunctionTestHarnesses.forProcessFunction(new ParseFrameFunction(config));
        control = ProcessFunctionTestHarnesses.forProcessFunction(new ParseControlFunction(config));
        // The first records through each harness load classes, Avro decoders and the output
        // serializers: a valid record and a refused one each, not measured.
        byte[] frame = WireFormat.encode(PipelineTestData.frame("cam-1", 1, "png", 1, 1, new byte[] {1}));
        byte[] event = WireFormat.encode(TestControlEvents.erased("raj"));
        for (byte[] value : List.of(frame, new byte[] {1})) {
            frames.processElement(fromItsCamera(-1, value), 1_000L);
        }
        for (byte[] value : List.of(event, new byte[] {1})) {
            control.processElement(new RawRecord("biostream.control", 0, -1, 1_000L, null, value), 1_000L);
        }
        takeDeadLetters(frames.getSideOutput(ParseFrameFunction.DEAD_LETTERS));
        takeDeadLetters(control.getSideOutput(ParseFrameFunction.DEAD_LETTERS));
        frames.getOutput().clear();
        control.getOutput().clear();
    }

    @AfterEach
    void close() throws Exception {
        frames.close();
        control.close();
    }

    /**
     * The value as a compromised but authenticated camera sends it: keyed by and signed as the
     * cameraId it decodes to (cam-1 when it decodes to no Frame), so fuzzed frames reach the
     * checks behind camera authentication.
     */
    private static RawRecord fromItsCamera(long at, byte[] value) {
        String cameraId = "cam-1";
        try {
            cameraId = WireFormat.decode(Frame.class, value).getCameraId().toString();
        } catch (Exception notAFrame) { // Avro reports bad input with several unchecked types
            // signed as cam-1: refused before authentication anyway
        }
        return new RawRecord(PipelineTestData.FRAMES_TOPIC, 0, at, 1_000L, cameraId.getBytes(StandardCharsets.UTF_8), value)
                .withCameraMac(TestCameras.mac(cameraId, value));
    }

    @FuzzTest(maxDuration = "60s")
    @Timeout(30)
    void frameRecordsBecomeFramesOrDeadLetters(byte[] value) throws Exception {
        long at = offset++;
        long allocatedBefore = HeapAllocations.ofCurrentThread();
        frames.processElement(fromItsCamera(at, value), 1_000L);
        assertHeapBounded(value.length, HeapAllocations.ofCurrentThread() - allocatedBefore);

        List<FrameRecord> parsed = List.copyOf(frames.extractOutputValues());
        List<DeadLetter> letters = takeDeadLetters(frames.getSideOutput(ParseFrameFunction.DEAD_LETTERS));
        frames.getOutput().clear();
        assertThat(parsed.size() + letters.size()).as("records out for one value").isEqualTo(1);
        if (parsed.isEmpty()) {
            DeadLetter letter = letters.get(0);
            assertDeadLetter(letter, value, at);
            if (letter.getReason() == DeadLetterReason.INVALID_FIELD) { // a Frame whose capture time or session id cannot be
                assertThat(FrameMetadata.problem(WireFormat.decode(Frame.class, value), java.time.Instant.now())).isPresent();
            } else {
                assertThat(letter.getReason()).isIn(DeadLetterReason.EMPTY, DeadLetterReason.OVERSIZED, DeadLetterReason.NOT_AVRO);
            }
        } else {
            FrameRecord record = parsed.get(0);
            assertThat(record.offset).isEqualTo(at);
            assertSameRecord(record.frame, WireFormat.decode(Frame.class, value));
            assertThat(FrameMetadata.problem(record.frame, java.time.Instant.now())).isEmpty();
        }
    }

    @FuzzTest(maxDuration = "60s")
    @Timeout(30)
    void controlRecordsBecomeEventsOrDeadLetters(byte[] value) throws Exception {
        long at = offset++;
        long allocatedBefore = HeapAllocations.ofCurrentThread();
        control.processElement(new RawRecord("biostream.control", 0, at, 1_000L, null, value), 1_000L);
        assertHeapBounded(value.length, HeapAllocations.ofCurrentThread() - allocatedBefore);

        List<ControlRecord> parsed = List.copyOf(control.extractOutputValues());
        List<DeadLetter> letters = takeDeadLetters(control.getSideOutput(ParseFrameFunction.DEAD_LETTERS));
        control.getOutput().clear();
        assertThat(parsed.size() + letters.size()).as("records out for one value").isEqualTo(1);
        if (parsed.isEmpty()) {
            assertDeadLetter(letters.get(0), value, at);
        } else {
            ControlEvent event = parsed.get(0).event;
            assertSameRecord(event, WireFormat.decode(ControlEvent.class, value));
            assertThat(ControlEvents.problem(event)).as("a passed event has no problem").isEmpty();
        }
    }

    /**
     * Field by field, as JSON trees: Avro's equals holds a record with a NaN field unequal to
     * itself, and the encoding depends on map order, which Flink's serializer does not keep.
     */
    private static void assertSameRecord(Object passed, Object decoded) throws IOException {
        assertThat(JSON.readTree(passed.toString())).isEqualTo(JSON.readTree(decoded.toString()));
    }

    private static List<DeadLetter> takeDeadLetters(Queue<StreamRecord<Outbound>> side) throws Exception {
        if (side == null) {
            return List.of();
        }
        List<DeadLetter> letters = new java.util.ArrayList<>();
        for (StreamRecord<Outbound> record; (record = side.poll()) != null; ) {
            letters.add(deadLetter(record.getValue()));
        }
        return letters;
    }

    private void assertDeadLetter(DeadLetter letter, byte[] value, long at) {
        assertThat(letter.getReason()).isNotNull();
        assertThat(letter.getMessage()).as("dead-letter message").isNotBlank();
        assertThat(letter.getOffset()).isEqualTo(at);
        assertThat(letter.getOriginalSize()).isEqualTo(value.length);
        byte[] original = bytes(letter.getOriginalBytes());
        assertThat(original).isEqualTo(java.util.Arrays.copyOf(value, Math.min(value.length, ORIGINAL_CAP)));
    }

    /** A few copies of the value, a dead letter and a constant; never a buffer sized by a forged length. */
    private static void assertHeapBounded(int valueBytes, long allocated) {
        assertThat(allocated).as("heap bytes allocated parsing a %d-byte value", valueBytes)
                .isLessThanOrEqualTo(8L * 1024 * 1024 + 32L * valueBytes);
    }
}
