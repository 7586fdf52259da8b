package io.biostream.operators.functions;

import io.biostream.operators.identity.ControlEvents;
import io.biostream.operators.records.ControlRecord;
import io.biostream.operators.records.FrameRecord;
import io.biostream.operators.records.Outbound;
import io.biostream.operators.records.RawRecord;
import io.biostream.schemas.WireFormat;
import io.biostream.schemas.DeadLetter;
import io.biostream.schemas.DeadLetterReason;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;

/** Builds dead letters: reason, message, the original value cut to a cap, and where it came from. */
public final class DeadLetters {
    private final String topic;
    private final int maxOriginalBytes;
    private final DeadLetterMetrics metrics;

    public DeadLetters(String topic, int maxOriginalBytes) {
        this(topic, maxOriginalBytes, DeadLetterMetrics.NONE);
    }

    public DeadLetters(String topic, int maxOriginalBytes, DeadLetterMetrics metrics) {
        this.topic = topic;
        this.maxOriginalBytes = maxOriginalBytes;
        this.metrics = metrics;
    }

    public Outbound of(RawRecord source, String cameraId, Long sequence, DeadLetterReason reason, String message) {
        byte[] value = source.value == null ? new byte[0] : source.value;
        DeadLetter letter = DeadLetter.newBuilder()
                .setReason(reason)
                .setMessage(message == null ? reason.name() : message)
                .setOriginalBytes(ByteBuffer.wrap(Arrays.copyOf(value, Math.min(value.length, maxOriginalBytes))))
                .setOriginalSize(value.length)
                .setCameraId(cameraId)
                .setSequence(sequence)
                .setTopic(source.topic)
                .setPartition(source.partition)
                .setOffset(source.offset)
                .setFailedTime(Instant.now())
                .build();
        byte[] key = cameraId != null ? cameraId.getBytes(StandardCharsets.UTF_8) : source.key;
        metrics.count(reason);
        return new Outbound(topic, key, WireFormat.encode(letter), System.currentTimeMillis());
    }

    public Outbound of(FrameRecord source, DeadLetterReason reason, String message) {
        RawRecord raw = new RawRecord(source.topic, source.partition, source.offset, 0L, null, WireFormat.encode(source.frame));
        return of(raw, source.frame.getCameraId(), source.frame.getSequence(), reason, message);
    }

    /** A control event the job parsed but cannot apply (e.g. a template that does not open); keyed by its subject where it has one. */
    public Outbound of(ControlRecord source, DeadLetterReason reason, String message) {
        String subjectId = ControlEvents.subjectIdOf(source.event);
        byte[] key = subjectId == null ? null : subjectId.getBytes(StandardCharsets.UTF_8);
        RawRecord raw = new RawRecord(source.topic, source.partition, source.offset, 0L, key, WireFormat.encode(source.event));
        return of(raw, null, null, reason, message);
    }
}
