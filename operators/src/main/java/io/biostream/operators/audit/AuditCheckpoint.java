package io.biostream.operators.audit;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * A verified point of a trail: the event with {@code sequence} and {@code hash}, stored at
 * {@code offset} of the audit topic (null when not read from it), and the number of events
 * verified up to and including it. A verification can resume after it without re-reading what
 * lies before ({@link AuditVerifier#resume}).
 */
public record AuditCheckpoint(long events, long sequence, byte[] hash, Long offset) {
    public AuditCheckpoint {
        if (hash == null || hash.length != AuditCanonicalForm.HASH_BYTES) {
            throw new IllegalArgumentException("a checkpoint's hash must be " + AuditCanonicalForm.HASH_BYTES + " bytes");
        }
        hash = hash.clone();
    }

    @Override
    public byte[] hash() {
        return hash.clone();
    }

    /** True when the event is this checkpoint's (same sequence and hash). */
    public boolean matches(long otherSequence, byte[] otherHash) {
        return sequence == otherSequence && Arrays.equals(hash, otherHash);
    }

    /** True when both name the same stored event: sequence, hash and offset (the event counts may differ). */
    public boolean sameEvent(AuditCheckpoint other) {
        return other != null && matches(other.sequence, other.hash) && java.util.Objects.equals(offset, other.offset);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AuditCheckpoint c && c.events == events && c.sequence == sequence
                && Arrays.equals(c.hash, hash) && java.util.Objects.equals(c.offset, offset);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(sequence) * 31 + Arrays.hashCode(hash);
    }

    @Override
    public String toString() {
        return "AuditCheckpoint[sequence=" + sequence + ", offset=" + offset + ", events=" + events + ", hash="
                + HexFormat.of().formatHex(hash) + "]";
    }
}
