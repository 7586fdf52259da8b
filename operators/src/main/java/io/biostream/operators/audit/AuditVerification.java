package io.biostream.operators.audit;

/**
 * The outcome of verifying a trail. When {@code ok}, {@code events} were verified and
 * {@code lastSignedSequence} is the newest signed checkpoint (null if none); the events after it
 * are covered by the chain but by no signature yet. When not, {@code events} verified before the
 * first bad one, which is at {@code firstBadEvent} (0-based position in log order; in an intact
 * trail position, sequence and topic offset coincide), with its topic offset (when read from the
 * topic), the sequence it claims (null when it does not decode), the problem and a human-readable
 * detail.
 */
public record AuditVerification(boolean ok, long events, Long lastSignedSequence, Long firstBadEvent,
                                Long firstBadOffset, Long firstBadSequence, AuditProblem problem, String detail) {

    static AuditVerification passed(long events, Long lastSignedSequence) {
        return new AuditVerification(true, events, lastSignedSequence, null, null, null, null, null);
    }

    static AuditVerification failed(long position, Long offset, Long sequence, Long lastSignedSequence,
                                    AuditProblem problem, String detail) {
        return new AuditVerification(false, position, lastSignedSequence, position, offset, sequence, problem, detail);
    }

    /** Events after the last signed checkpoint (a truncation there is not detectable); valid when ok. */
    public long unsignedTail() {
        return lastSignedSequence == null ? events : events - 1 - lastSignedSequence;
    }
}
