package io.biostream.operators.identity;

import io.biostream.operators.audit.AuditEntry;
import io.biostream.operators.audit.AuditLog;
import io.biostream.operators.audit.AuditUnavailableException;
import com.google.crypto.tink.PublicKeySign;
import io.biostream.schemas.ControlEvent;
import java.security.GeneralSecurityException;
import io.biostream.schemas.WireFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes control events (single-object Avro, signed in a record header: {@link ControlSignatures})
 * to the control topic together with the audit event
 * that records the change, in one Kafka transaction of the audit log ({@link AuditLog#recordWith}):
 * readers of committed records (the job, the API's follower) see the change and its audit event,
 * or neither. A caller answers only for events that are committed. Thread-safe.
 */
public final class ControlPublisher {
    private static final Logger LOG = LoggerFactory.getLogger(ControlPublisher.class);

    private final AuditLog audit;
    private final String topic;
    private final PublicKeySign signer;

    /** @param signer the control signing key: every record goes out signed ({@link ControlSignatures}) */
    public ControlPublisher(AuditLog audit, String topic, PublicKeySign signer) {
        this.audit = Objects.requireNonNull(audit, "audit");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.signer = Objects.requireNonNull(signer, "signer");
    }

    public String topic() {
        return topic;
    }

    /**
     * Publishes the events, in order, with {@code change}'s audit event, and returns the offset of
     * the last one once the transaction committed.
     *
     * @throws AuditUnavailableException when the transaction did not commit: neither the events nor
     *                                   the audit event are visible to readers of committed records
     */
    public long publish(AuditEntry change, List<IdentityEvents.Keyed> events) {
        Objects.requireNonNull(change, "change");
        if (events.isEmpty()) {
            throw new IllegalArgumentException("nothing to publish");
        }
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>(events.size());
        for (IdentityEvents.Keyed keyed : events) {
            records.add(record(keyed.key(), keyed.event()));
        }
        try {
            AuditLog.Committed committed = audit.recordWith(change, records);
            return committed.records().get(committed.records().size() - 1).offset();
        } catch (AuditUnavailableException e) {
            LOG.error("{} control event(s) ({} by {}) not committed with their audit event: {}", events.size(),
                    events.get(0).event().getType(), events.get(0).event().getActor(), e.getMessage());
            throw e;
        }
    }

    /** The one place a control event becomes a control-topic record. */
    private ProducerRecord<String, byte[]> record(String key, ControlEvent event) {
        byte[] value = WireFormat.encode(event);
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key, value);
        try {
            record.headers().add(ControlSignatures.HEADER, ControlSignatures.sign(value, signer));
        } catch (GeneralSecurityException e) {
            throw new ControlUnavailableException("control event " + event.getEventId() + " could not be signed: " + e.getMessage(), e);
        }
        return record;
    }
}
