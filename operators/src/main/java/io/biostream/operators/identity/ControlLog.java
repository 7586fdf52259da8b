package io.biostream.operators.identity;

import io.biostream.operators.audit.AuditEntry;

/**
 * Where control events go and are read back from: appending stores the events together with the
 * audit event of the change (both or neither) and returns once they are applied to
 * {@link #ledger()}, so whoever wrote them reads its own write.
 */
public interface ControlLog {
    /**
     * Stores the events (in order) with {@code change}'s audit event and waits until the ledger
     * has applied them.
     *
     * @throws io.biostream.operators.audit.AuditUnavailableException when they could not be stored
     *         (nothing of the change is in force)
     * @throws ControlUnavailableException when they were stored but not applied in time
     */
    void append(AuditEntry change, java.util.List<IdentityEvents.Keyed> events);

    /** The state the log's events build, in order. */
    IdentityLedger ledger();
}
