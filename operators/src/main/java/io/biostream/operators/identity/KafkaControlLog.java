package io.biostream.operators.identity;

import io.biostream.operators.config.KafkaConnection;

import io.biostream.operators.audit.AuditEntry;
import io.biostream.operators.audit.AuditLog;
import io.biostream.schemas.ControlEvent;
import com.google.crypto.tink.KeysetHandle;
import io.biostream.operators.crypto.SignatureKeysets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The control topic as a {@link ControlLog}: the publisher writes each change with its audit event
 * in one transaction, the follower reads every committed event (read_committed), the API's own
 * included, into the ledger.
 */
public final class KafkaControlLog implements ControlLog, AutoCloseable {
    private final ControlPublisher publisher;
    private final ControlTopicFollower follower;
    private final IdentityLedger ledger;
    private final Duration applyTimeout;

    /**
     * @param applyTimeout how long an append waits for its event to come back through the follower
     */
    public KafkaControlLog(ControlPublisher publisher, ControlTopicFollower follower, IdentityLedger ledger,
                           Duration applyTimeout) {
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.follower = Objects.requireNonNull(follower, "follower");
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.applyTimeout = Objects.requireNonNull(applyTimeout, "applyTimeout");
    }

    /**
     * Publisher (through {@code audit}'s transactions), follower and ledger on one topic; the
     * follower starts replaying the topic now.
     *
     * @param signingKeys the control signing keyset: signs what is published, its public half verifies what is read
     */
    public static KafkaControlLog open(String bootstrapServers, String topic, IdentityLedger ledger, AuditLog audit,
                                       Duration timeout, KeysetHandle signingKeys) throws GeneralSecurityException {
        return open(KafkaConnection.plaintext(bootstrapServers), topic, ledger, audit, timeout, signingKeys);
    }

    public static KafkaControlLog open(KafkaConnection kafka, String topic, IdentityLedger ledger, AuditLog audit,
                                       Duration timeout, KeysetHandle signingKeys) throws GeneralSecurityException {
        ControlTopicFollower follower = new ControlTopicFollower(kafka, topic, ledger,
                SignatureKeysets.verifier(signingKeys)).start();
        return new KafkaControlLog(new ControlPublisher(audit, topic, SignatureKeysets.signer(signingKeys)), follower, ledger, timeout);
    }

    @Override
    public void append(AuditEntry change, List<IdentityEvents.Keyed> events) {
        long offset = publisher.publish(change, events);
        ControlEvent event = events.get(events.size() - 1).event();
        try {
            if (!follower.awaitOffset(offset, applyTimeout)) {
                throw new ControlUnavailableException("control event " + event.getEventId() + " is stored (offset "
                        + offset + ") but was not read back within " + applyTimeout.toMillis() + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ControlUnavailableException("interrupted while waiting for control event " + event.getEventId(), e);
        }
    }

    /** Waits until the events stored before the start are applied (the API answers from a complete ledger). */
    public boolean awaitReplay(Duration timeout) throws InterruptedException {
        return follower.awaitReplay(timeout);
    }

    @Override
    public IdentityLedger ledger() {
        return ledger;
    }

    @Override
    public void close() {
        follower.close();
    }
}
