package io.biostream.api.audit;

import io.biostream.operators.audit.AuditBreak;
import io.biostream.operators.audit.AuditCheckpoint;
import io.biostream.operators.audit.AuditVerification;
import io.biostream.operators.audit.AuditVerifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Verifies the stored trail from the last signed checkpoint it verified before, not from the
 * start: each call reads only what was appended since (and the unsigned events after that
 * checkpoint). Everything before the checkpoint was verified once, hash by hash, and the
 * checkpoint's signature and the chain bind it; a full re-verification is one call away. The
 * breaks found so far are kept (the newest {@value #MAX_BREAKS}), so an incremental answer still
 * reports them. Thread-safe: calls take turns.
 */
public final class IncrementalAuditVerifier {
    static final int MAX_BREAKS = 100;

    private final AuditReader reader;
    private final AuditVerifier verifier;
    private AuditCheckpoint verified;
    private final List<AuditBreak> breaks = new ArrayList<>();

    public IncrementalAuditVerifier(AuditReader reader, AuditVerifier verifier) {
        this.reader = Objects.requireNonNull(reader, "reader");
        this.verifier = Objects.requireNonNull(verifier, "verifier");
    }

    /**
     * Verifies the events after the last verified signed checkpoint, or the whole trail when
     * {@code full} (or when none was verified yet); the result counts the whole trail's events.
     */
    public synchronized AuditVerification verify(boolean full) {
        boolean fromStart = full || verified == null;
        AuditVerifier.Run run = fromStart ? verifier.start() : verifier.resume(verified);
        reader.readFrom(fromStart ? 0 : verified.offset() + 1, stored -> run.addStored(stored));
        AuditVerification result = run.finish();
        if (fromStart) {
            breaks.clear();
        }
        breaks.addAll(result.breaks());
        while (breaks.size() > MAX_BREAKS) {
            breaks.remove(0);
        }
        if (result.ok() && run.lastCheckpoint() != null) {
            verified = run.lastCheckpoint();
        } else if (!result.ok() && fromStart) {
            verified = null;
        }
        return new AuditVerification(result.ok(), result.events(), result.lastSignedSequence(), result.firstBadEvent(),
                result.firstBadOffset(), result.firstBadSequence(), result.problem(), result.detail(), breaks);
    }

    /** The signed checkpoint the next call resumes after (null before the first successful one). */
    public synchronized AuditCheckpoint verifiedUpTo() {
        return verified;
    }
}
