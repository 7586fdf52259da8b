package io.biostream.operators.functions;

import io.biostream.operators.records.FrameRecord;
import io.biostream.operators.records.Outbound;
import io.biostream.operators.records.RawRecord;
import io.biostream.schemas.WireFormat;
import static io.biostream.operators.functions.PipelineTestData.bytes;
import static io.biostream.operators.functions.PipelineTestData.deadLetter;
import static io.biostream.operators.functions.PipelineTestData.frame;
import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.schemas.DeadLetter;
import io.biostream.schemas.DeadLetterReason;
import io.biostream.schemas.Frame;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class DeadLettersTest {
    private final DeadLetters deadLetters = new DeadLetters("biostream.dlq", 16);

    @Test
    void keepsTheOriginalValueUpToTheCapAndItsFullSize() throws Exception {
        byte[] value = new byte[40];
        for (int i = 0; i < value.length; i++) {
            value[i] = (byte) i;
        }
        RawRecord raw = new RawRecord("biostream.frames", 3, 99L, 5L, "cam-1".getBytes(StandardCharsets.UTF_8), value);

        Instant before = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Outbound out = deadLetters.of(raw, "cam-1", null, DeadLetterReason.NOT_AVRO, "not avro");
        Instant after = Instant.now();

        assertThat(out.topic).isEqualTo("biostream.dlq");
        assertThat(out.key).isEqualTo("cam-1".getBytes(StandardCharsets.UTF_8));
        DeadLetter letter = deadLetter(out);
        assertThat(letter.getReason()).isEqualTo(DeadLetterReason.NOT_AVRO);
        assertThat(letter.getMessage()).isEqualTo("not avro");
        assertThat(bytes(letter.getOriginalBytes())).isEqualTo(Arrays.copyOf(value, 16));
        assertThat(letter.getOriginalSize()).isEqualTo(40L);
        assertThat(letter.getCameraId()).isEqualTo("cam-1");
        assertThat(letter.getSequence()).isNull();
        assertThat(letter.getTopic()).isEqualTo("biostream.frames");
        assertThat(letter.getPartition()).isEqualTo(3);
        assertThat(letter.getOffset()).isEqualTo(99L);
        assertThat(letter.getFailedTime()).as("when it failed, to the millisecond").isBetween(before, after);
    }

    @Test
    void keepsASmallValueWholeAndNamesTheReasonWhenThereIsNoMessage() throws Exception {
        RawRecord raw = new RawRecord("t", 0, 1L, 0L, null, new byte[] {1, 2, 3});

        DeadLetter letter = deadLetter(deadLetters.of(raw, null, null, DeadLetterReason.OVERSIZED, null));

        assertThat(bytes(letter.getOriginalBytes())).containsExactly(1, 2, 3);
        assertThat(letter.getOriginalSize()).isEqualTo(3L);
        assertThat(letter.getMessage()).isEqualTo("OVERSIZED");
        assertThat(letter.getCameraId()).isNull();
    }

    @Test
    void aMissingValueIsRecordedAsEmpty() throws Exception {
        RawRecord raw = new RawRecord("t", 0, 1L, 0L, null, null);

        DeadLetter letter = deadLetter(deadLetters.of(raw, null, null, DeadLetterReason.EMPTY, "no value"));

        assertThat(bytes(letter.getOriginalBytes())).isEmpty();
        assertThat(letter.getOriginalSize()).isZero();
    }

    @Test
    void aParsedFrameCarriesItsCameraSequenceAndCoordinatesAndIsKeyedByCamera() throws Exception {
        Frame frame = frame("gate-2", 12, "png", 1, 1, new byte[100]);
        DeadLetters wide = new DeadLetters("biostream.dlq", 1 << 20);

        Outbound out = wide.of(new FrameRecord(frame, "biostream.frames", 1, 77L), DeadLetterReason.TRUNCATED_IMAGE, "cut");

        assertThat(out.key).isEqualTo("gate-2".getBytes(StandardCharsets.UTF_8));
        DeadLetter letter = deadLetter(out);
        assertThat(letter.getCameraId()).isEqualTo("gate-2");
        assertThat(letter.getSequence()).isEqualTo(12L);
        assertThat(letter.getPartition()).isEqualTo(1);
        assertThat(letter.getOffset()).isEqualTo(77L);
        // The original bytes are the frame's Avro encoding, which decodes back to the frame.
        assertThat(WireFormat.decode(Frame.class, PipelineTestData.bytes(letter.getOriginalBytes()))).isEqualTo(frame);
        assertThat(letter.getOriginalSize()).isEqualTo(WireFormat.encode(frame).length);
    }
}
