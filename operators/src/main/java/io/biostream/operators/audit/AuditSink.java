package io.biostream.operators.audit;

import io.biostream.schemas.AuditEvent;

/**
 * Where a component records what it did. {@link AuditLog} is the production sink (the audit topic);
 * there is deliberately no no-op: an action that must be audited fails when it cannot be.
 */
public interface AuditSink {
    /**
     * Appends the entry to the trail and returns it as chained (sequence, hashes, signature).
     *
     * @throws AuditUnavailableException when the event could not be recorded durably; the caller
     *                                   must then not perform (or not report) the audited action
     */
    AuditEvent record(AuditEntry entry);
}
