package io.biostream.operators.identity;

import io.biostream.schemas.ControlEvent;

/**
 * Where control events go and are read back from: appending returns once the event is stored and
 * applied to {@link #ledger()}, so whoever wrote it reads its own write.
 */
public interface ControlLog {
    /**
     * Stores the event under {@code key} and waits until the ledger has applied it.
     *
     * @throws ControlUnavailableException when it could not be stored, or was not applied in time
     */
    void append(String key, ControlEvent event);

    /** The state the log's events build, in order. */
    IdentityLedger ledger();
}
