package io.biostream.operators.functions;

import static io.biostream.operators.functions.PipelineTestData.bytes;
import static io.biostream.operators.functions.PipelineTestData.deadLetter;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.crypto.tink.KeysetHandle;
import io.biostream.operators.crypto.SignatureKeysets;
import io.biostream.operators.identity.ControlSignatures;
import io.biostream.operators.identity.TestControlEvents;
import io.biostream.operators.identity.TestControlSigning;
import io.biostream.operators.records.ControlRecord;
import io.biostream.operators.records.Outbound;
import io.biostream.operators.records.RawRecord;
import io.biostream.schemas.ControlEvent;
import io.biostream.schemas.ControlType;
import io.biostream.schemas.DeadLetter;
import io.biostream.schemas.DeadLetterReason;
import io.biostream.schemas.MatchSettings;
import io.biostream.schemas.WireFormat;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ParseControlFunctionTest {
    private static final String CONTROL_TOPIC = "biostream.control";
    private final PipelineConfig config = PipelineTestData.configWithoutKeys(Map.of("biostream.dlq.max-original-bytes", "100"));
    private OneInputStreamOperatorTestHarness<RawRecord, ControlRecord> harness;

    @BeforeEach
    void open() throws Exception {
        harness = ProcessFunctionTestHarnesses.forProcessFunction(new ParseControlFunction(config));
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    /** A record as the API writes it: signed with the control signing key. */
    private void parse(long offset, byte[] value) throws Exception {
        parse(offset, value, TestControlSigning.sign(value));
    }

    private void parse(long offset, byte[] value, byte[] signature) throws Exception {
        harness.processElement(new RawRecord(CONTROL_TOPIC, 0, offset, 1_000L, "raj".getBytes(StandardCharsets.UTF_8), value)
                .withSignature(signature), 1_000L);
    }

    private List<DeadLetter> deadLetters() throws Exception {
        List<DeadLetter> letters = new java.util.ArrayList<>();
        for (StreamRecord<Outbound> record : harness.getSideOutput(ParseFrameFunction.DEAD_LETTERS)) {
            assertThat(record.getValue().topic).isEqualTo(config.topics().dlq());
            letters.add(deadLetter(record.getValue()));
        }
        return letters;
    }

    @Test
    void aValidEventPassesWithItsKafkaCoordinates() throws Exception {
        ControlEvent event = TestControlEvents.erased("raj");

        parse(4, WireFormat.encode(event));

        assertThat(harness.extractOutputValues()).singleElement().satisfies(r -> {
            assertThat(r.event).isEqualTo(event);
            assertThat(r.topic).isEqualTo(CONTROL_TOPIC);
            assertThat(r.offset).isEqualTo(4L);
        });
        assertThat(harness.getSideOutput(ParseFrameFunction.DEAD_LETTERS)).isNull();
    }

    /** Finding 1 of the hardening issue: anyone who could write to the control topic could erase, enroll and set the threshold. */
    @Test
    void recordsNotSignedByTheApiBecomeUnauthenticatedDeadLettersAndNeverReachTheJob() throws Exception {
        byte[] erase = WireFormat.encode(TestControlEvents.erased("raj"));
        byte[] lowerThreshold = WireFormat.encode(TestControlEvents.settingsChanged(TestControlEvents.settings(1.99f, 5, 40, "ssd", Map.of(), 9L)));
        byte[] tampered = lowerThreshold.clone();
        tampered[tampered.length - 3] ^= 1;
        KeysetHandle stranger = SignatureKeysets.generate();

        parse(0, erase, null);                                                          // a plain producer
        parse(1, erase, new byte[0]);                                                   // an empty header
        parse(2, erase, ControlSignatures.sign(erase, SignatureKeysets.signer(stranger))); // someone else's key
        parse(3, lowerThreshold, TestControlSigning.sign(erase));                       // a signature lifted from another record
        parse(4, tampered, TestControlSigning.sign(lowerThreshold));                    // a signed record, altered

        assertThat(harness.extractOutputValues()).isEmpty();
        List<DeadLetter> letters = deadLetters();
        assertThat(letters).extracting(DeadLetter::getReason).containsOnly(DeadLetterReason.UNAUTHENTICATED);
        assertThat(letters).extracting(DeadLetter::getOffset).containsExactly(0L, 1L, 2L, 3L, 4L);
        assertThat(letters.get(0).getMessage()).contains("not signed");
        assertThat(letters.get(2).getMessage()).contains("does not verify");
    }

    @Test
    void garbageAndIncompleteEventsBecomeDeadLettersWithTheirReason() throws Exception {
        byte[] garbage = "{\"type\":\"SUBJECT_ERASED\"}".getBytes(StandardCharsets.UTF_8);
        byte[] aFrame = WireFormat.encode(PipelineTestData.frame("cam", 1, "png", 1, 1, new byte[] {1}));
        ControlEvent noTemplate = ControlEvent.newBuilder(TestControlEvents.erased("raj")).setType(ControlType.TEMPLATE_ENROLLED).build();
        ControlEvent unknown = ControlEvent.newBuilder(TestControlEvents.erased("raj")).setType(ControlType.UNKNOWN).build();
        ControlEvent badSettings = TestControlEvents.settingsChanged(
                new MatchSettings(Float.NaN, 0, 2f, "yolo", 0, Map.of(), 1L, "full", 60L));
        ControlEvent noSession = ControlEvent.newBuilder().setEventId("e").setTime(Instant.EPOCH).setActor("a")
                .setType(ControlType.SESSION_STARTED).build();

        parse(0, new byte[0]);
        parse(1, garbage);
        parse(2, aFrame);
        parse(3, new byte[ParseControlFunction.MAX_CONTROL_BYTES + 1]);
        parse(4, WireFormat.encode(noTemplate));
        parse(5, WireFormat.encode(unknown));
        parse(6, WireFormat.encode(badSettings));
        parse(7, WireFormat.encode(noSession));

        assertThat(harness.extractOutputValues()).isEmpty();
        List<DeadLetter> letters = deadLetters();
        assertThat(letters).extracting(DeadLetter::getReason).containsExactly(
                DeadLetterReason.EMPTY, DeadLetterReason.NOT_AVRO, DeadLetterReason.NOT_AVRO, DeadLetterReason.OVERSIZED,
                DeadLetterReason.INVALID_FIELD, DeadLetterReason.INVALID_FIELD, DeadLetterReason.INVALID_FIELD,
                DeadLetterReason.INVALID_FIELD);
        assertThat(letters).extracting(DeadLetter::getOffset).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L);
        assertThat(letters).allSatisfy(l -> {
            assertThat(l.getTopic()).isEqualTo(CONTROL_TOPIC);
            assertThat(l.getCameraId()).isNull();
        });
        assertThat(bytes(letters.get(1).getOriginalBytes())).isEqualTo(garbage);
        assertThat(letters.get(4).getMessage()).contains("needs a template");
        assertThat(letters.get(5).getMessage()).contains("unknown control event type");
        assertThat(letters.get(6).getMessage()).contains("threshold", "minFaceSize", "minQuality", "detector", "topK");
        assertThat(letters.get(7).getMessage()).contains("needs a session");
    }
}
