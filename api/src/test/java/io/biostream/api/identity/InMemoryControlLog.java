package io.biostream.api.identity;

import io.biostream.operators.identity.ControlLog;
import io.biostream.operators.identity.ControlUnavailableException;
import io.biostream.operators.identity.IdentityEvents;
import io.biostream.operators.identity.IdentityLedger;
import io.biostream.schemas.ControlEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * The route tests' control log: events are applied straight to a real ledger (the Kafka topic in
 * between is covered by the jobs module's tests) and kept, in order, with their keys.
 */
public final class InMemoryControlLog implements ControlLog {
    private final IdentityLedger ledger;
    private final List<IdentityEvents.Keyed> appended = new ArrayList<>();
    private volatile ControlUnavailableException unavailable;

    public InMemoryControlLog(IdentityLedger ledger) {
        this.ledger = ledger;
    }

    @Override
    public synchronized void append(String key, ControlEvent event) {
        if (unavailable != null) {
            throw unavailable;
        }
        appended.add(new IdentityEvents.Keyed(key, event));
        ledger.apply(event);
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
