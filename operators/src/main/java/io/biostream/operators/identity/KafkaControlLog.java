package io.biostream.operators.identity;

import io.biostream.schemas.ControlEvent;
import com.google.crypto.tink.KeysetHandle;
import io.biostream.operators.crypto.SignatureKeysets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Objects;

/**
 * The control topic as a {@link ControlLog}: the publisher writes (acknowledged), the follower
 * reads every event, the API's own included, into the ledger.
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
     * Publisher, follower and ledger on one topic; the follower starts replaying the topic now.
     *
     * @param signingKeys the control signing keyset: signs what is published, its public half verifies what is read
     */
    public static KafkaControlLog open(String bootstrapServers, String topic, IdentityLedger ledger, Duration timeout,
                                       KeysetHandle signingKeys) throws GeneralSecurityException {
        ControlTopicFollower follower = new ControlTopicFollower(bootstrapServers, topic, ledger,
                SignatureKeysets.verifier(signingKeys)).start();
        try {
            return new KafkaControlLog(new ControlPublisher(bootstrapServers, topic, timeout, SignatureKeysets.signer(signingKeys)),
                    follower, ledger, timeout);
        } catch (RuntimeException e) {
            follower.close();
            throw e;
        }
    }

    @Override
    public void append(String key, ControlEvent event) {
        long offset = publisher.publish(key, event);
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
        publisher.close();
        follower.close();
    }
}
