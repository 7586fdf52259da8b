package io.biostream.api.identity;

import io.biostream.operators.audit.AuditEntry;
import io.biostream.operators.audit.AuditSink;
import io.biostream.operators.identity.ControlLog;
import io.biostream.operators.identity.ControlUnavailableException;
import io.biostream.operators.identity.IdentityEvents;
import io.biostream.operators.identity.IdentityLedger;
import java.util.ArrayList;
import java.util.List;

/**
 * The route tests' control log: events are applied straight to a real ledger (the Kafka topic in
 * between is covered by the launcher's Kafka tests) and kept, in order, with their keys. Each
 * change's audit event goes to the audit sink it is given first: when that refuses, nothing of
 * the change is applied, as with the Kafka transaction.
 */
public final class InMemoryControlLog implements ControlLog {
    private final IdentityLedger ledger;
    private final List<IdentityEvents.Keyed> appended = new ArrayList<>();
    private volatile ControlUnavailableException unavailable;
    private volatile AuditSink audit;

    public InMemoryControlLog(IdentityLedger ledger) {
        this.ledger = ledger;
    }

    /** Where the changes' audit events go (the test's audit trail). */
    public InMemoryControlLog auditTo(AuditSink sink) {
        this.audit = sink;
        return this;
    }

    @Override
    public synchronized void append(AuditEntry change, List<IdentityEvents.Keyed> events) {
        if (unavailable != null) {
            throw unavailable;
        }
        if (audit == null) {
            throw new IllegalStateException("no audit sink: call auditTo first");
        }
        audit.record(change);
        for (IdentityEvents.Keyed keyed : events) {
            appended.add(keyed);
            ledger.apply(keyed.event());
        }
    }

    @Override
    public IdentityLedger ledger() {
        return ledger;
    }

    public synchronized List<IdentityEvents.Keyed> appended() {
        return List.copyOf(appended);
    }

    public void failWith(ControlUnavailableException e) {
        unavailable = e;
    }
}
