package io.biostream.api.audit;

import io.biostream.operators.audit.AuditSink;
import io.biostream.operators.audit.AuditVerifier;
import java.util.Objects;

/**
 * What the API needs of the audit trail: where its own events go (descriptor reads, denied
 * requests), where auditors read the trail from, and the verifier with the trail's public keys.
 */
public record AuditTrail(AuditSink sink, AuditReader reader, AuditVerifier verifier) {
    public AuditTrail {
        Objects.requireNonNull(sink, "sink");
        Objects.requireNonNull(reader, "reader");
        Objects.requireNonNull(verifier, "verifier");
    }
}
