package io.biostream.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.lang.management.ManagementFactory;
import org.apache.avro.specific.SpecificRecordBase;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile bytes against the wire format's decoding of the two record types the job reads from
 * topics anyone may write: a record that survives re-encoding, or a refusal with an Exception
 * (the job turns it into a NOT_AVRO dead letter); never an Error, a hang, or heap use proportional
 * to a forged length or count. Seeds: {@code WireFormatFuzzTestInputs/}; docs/fuzzing.md.
 */
class WireFormatFuzzTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    static {
        // Builds each decoder (every released schema version is parsed once) outside the measurement.
        // Builds each decoder (every released schema version is parsed once) and its resolver
        // outside the measurement: a valid record of each type and a refused one.
        Frame frame = Frame.newBuilder().setCameraId("cam-1").setSequence(1).setCaptureTime(java.time.Instant.EPOCH)
                .setEncoding("png").setWidth(1).setHeight(1).setBytes(java.nio.ByteBuffer.wrap(new byte[] {1})).build();
        ControlEvent event = ControlEvent.newBuilder().setEventId("e-1").setTime(java.time.Instant.EPOCH).setActor("a")
                .setType(ControlType.SUBJECT_ERASED).setSubjectId("raj").build();
        try {
            WireFormat.decode(Frame.class, WireFormat.encode(frame));
            WireFormat.decode(ControlEvent.class, WireFormat.encode(event));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        for (Class<? extends SpecificRecordBase> type : java.util.List.of(Frame.class, ControlEvent.class)) {
            try {
                WireFormat.decode(type, new byte[] {(byte) 0xC3, 1, 0, 0, 0, 0, 0, 0, 0, 0});
            } catch (Exception expected) {
                // refused
            }
        }
    }

    @FuzzTest(maxDuration = "60s")
    @Timeout(30)
    void framesDecodeOrAreRefused(byte[] bytes) {
        decodesOrRefuses(Frame.class, bytes);
    }

    @FuzzTest(maxDuration = "60s")
    @Timeout(30)
    void controlEventsDecodeOrAreRefused(byte[] bytes) {
        decodesOrRefuses(ControlEvent.class, bytes);
    }

    private static <T extends SpecificRecordBase> void decodesOrRefuses(Class<T> type, byte[] bytes) {
        long allocatedBefore = THREADS.getCurrentThreadAllocatedBytes();
        T record = null;
        Exception refused = null;
        try {
            record = WireFormat.decode(type, bytes);
        } catch (Exception e) { // the documented refusal; an Error (OutOfMemoryError, StackOverflowError) fails the test
            refused = e;
        }
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - allocatedBefore;
        assertThat(allocated).as("heap bytes allocated decoding %d bytes (refused: %s)", bytes.length, refused)
                .isLessThanOrEqualTo(8L * 1024 * 1024 + 32L * bytes.length);
        if (record != null) {
            // Compared as bytes: Avro's equals holds a record with a NaN field unequal to itself.
            byte[] encoded = WireFormat.encode(record);
            try {
                assertThat(WireFormat.encode(WireFormat.decode(type, encoded))).as("re-encoded").isEqualTo(encoded);
            } catch (Exception e) {
                throw new AssertionError("a decoded " + type.getSimpleName() + " does not survive re-encoding", e);
            }
        }
    }
}
