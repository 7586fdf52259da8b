package io.biostream.api;

import io.biostream.api.auth.ApiKey;
import io.biostream.operators.audit.AuditEntry;
import io.biostream.operators.audit.AuditSink;
import io.biostream.schemas.AuditEvent;
import io.biostream.schemas.AuditOutcome;
import java.util.Map;

/**
 * Records what the identity routes did, as the caller's key id, before the answer leaves: if the
 * event cannot be written the caller gets 503 (the audit sink throws) and no result.
 */
final class IdentityAudit {
    private final AuditSink sink;

    IdentityAudit(AuditSink sink) {
        this.sink = sink;
    }

    AuditEvent record(ApiKey caller, String action, String subject, AuditOutcome outcome, Map<String, String> details) {
        return sink.record(AuditEntry.of(caller.id(), action, subject, outcome, details));
    }
}
