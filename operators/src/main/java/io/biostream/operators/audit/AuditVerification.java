package io.biostream.operators.audit;

import java.util.List;

/**
 * The outcome of verifying a trail. When {@code ok}, {@code events} were verified and
 * {@code lastSignedSequence} is the newest signed checkpoint (null if none); the events after it
 * are covered by the chain but by no signature yet. When not, {@code events} verified before the
 * first bad one, which is at {@code firstBadEvent} (0-based position among the events read; in an
 * intact trail position and sequence coincide), with its topic offset (when read from the topic),
 * the sequence it claims (null when it does not decode), the problem and a human-readable detail.
 * {@code breaks} are the signed break events met: the writer's own record of damage it found and
 * wrote past (each says what it accounts for); a trail with breaks can be ok, and still says so.
 */
public record AuditVerification(boolean ok, long events, Long lastSignedSequence, Long firstBadEvent,
                                Long firstBadOffset, Long firstBadSequence, AuditProblem problem, String detail,
                                List<AuditBreak> breaks) {

    public AuditVerification {
        breaks = breaks == null ? List.of() : List.copyOf(breaks);
    }

    static AuditVerification passed(long events, Long lastSignedSequence, List<AuditBreak> breaks) {
        return new AuditVerification(true, events, lastSignedSequence, null, null, null, null, null, breaks);
    }

    static AuditVerification failed(long position, Long offset, Long sequence, Long lastSignedSequence,
                                    AuditProblem problem, String detail) {
        return new AuditVerification(false, position, lastSignedSequence, position, offset, sequence, problem, detail,
                List.of());
    }

    AuditVerification withBreaks(List<AuditBreak> found) {
        return new AuditVerification(ok, events, lastSignedSequence, firstBadEvent, firstBadOffset, firstBadSequence,
                problem, detail, found);
    }

    /** Events after the last signed checkpoint (a truncation there is not detectable); valid when ok. */
    public long unsignedTail() {
        return lastSignedSequence == null ? events : events - 1 - lastSignedSequence;
    }
}
