package io.biostream.operators.audit;

import io.biostream.schemas.AuditEvent;
import java.util.Arrays;
import java.util.List;

/**
 * Where a chain continues: the next sequence, the hash the next event links to, and the sequence
 * of the last signed event (-1 when none).
 */
public record ChainHead(long nextSequence, byte[] previousHash, long lastSignedSequence) {
    public ChainHead {
        if (nextSequence < 0) {
            throw new IllegalArgumentException("next sequence must not be negative: " + nextSequence);
        }
        if (previousHash == null || previousHash.length != AuditCanonicalForm.HASH_BYTES) {
            throw new IllegalArgumentException("previous hash must be " + AuditCanonicalForm.HASH_BYTES + " bytes");
        }
        previousHash = previousHash.clone();
    }

    /** The head of an empty trail: sequence 0 links to 32 zero bytes. */
    public static ChainHead genesis() {
        return new ChainHead(0, new byte[AuditCanonicalForm.HASH_BYTES], -1);
    }

    /**
     * The head after the last events of a trail (in log order, the newest last): the chain
     * continues after the newest; the last signed one among them sets the signing cadence, and
     * when none of them is signed the next event is signed at once.
     */
    public static ChainHead after(List<AuditEvent> tail) {
        if (tail.isEmpty()) {
            return genesis();
        }
        AuditEvent newest = tail.get(tail.size() - 1);
        long lastSigned = Long.MIN_VALUE / 2;
        for (AuditEvent event : tail) {
            if (event.getSignature() != null) {
                lastSigned = Math.max(lastSigned, event.getSequence());
            }
        }
        return new ChainHead(newest.getSequence() + 1, AuditCanonicalForm.bytesOf(newest.getHash()), lastSigned);
    }

    @Override
    public byte[] previousHash() {
        return previousHash.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ChainHead h && h.nextSequence == nextSequence && h.lastSignedSequence == lastSignedSequence
                && Arrays.equals(h.previousHash, previousHash);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(nextSequence) * 31 + Arrays.hashCode(previousHash);
    }

    @Override
    public String toString() {
        return "ChainHead[next=" + nextSequence + ", lastSigned=" + lastSignedSequence + "]";
    }
}
