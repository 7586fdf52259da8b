package io.biostream.operators.audit;

import io.biostream.operators.config.KafkaClients;
import com.google.crypto.tink.KeysetHandle;
import io.biostream.schemas.AuditEvent;
import io.biostream.schemas.AuditOutcome;
import io.biostream.schemas.WireFormat;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit trail on Kafka: chains each entry ({@link AuditChain}) and writes it to the audit topic
 * (key: actor) with an idempotent producer, acks=all, waiting for the broker's acknowledgement, so
 * that {@link #record} returns only once the event is durable. On open it resumes the chain from the
 * last event in the topic; after a failed write it re-reads that event before the next one, so the
 * chain never forks or skips whatever the failure left in the topic. {@link #close} writes a signed
 * checkpoint, so an orderly stop leaves no unsigned tail.
 *
 * <p>One AuditLog per audit topic: it is the trail's only writer.
 */
public final class AuditLog implements AuditSink, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);

    private final AuditTopicScan scan;
    private final AuditChain chain;
    private final KafkaProducer<String, byte[]> producer;
    private final Duration timeout;
    private boolean resyncBeforeNextWrite;
    private boolean closed;

    private AuditLog(AuditTopicScan scan, AuditChain chain, KafkaProducer<String, byte[]> producer, Duration timeout) {
        this.scan = scan;
        this.chain = chain;
        this.producer = producer;
        this.timeout = timeout;
    }

    /**
     * Opens the trail in {@code topic}, continuing after its last event.
     *
     * @param signingKeys        the private Ed25519 keyset ({@link AuditSigningKeys})
     * @param checkpointInterval a signed checkpoint at least every this many events
     * @param timeout            longest wait for the broker, per write and when resuming
     * @throws AuditUnavailableException when the topic cannot be read or its last event does not decode
     */
    public static AuditLog open(String bootstrapServers, String topic, KeysetHandle signingKeys, int checkpointInterval,
                                Duration timeout) throws GeneralSecurityException {
        return open(bootstrapServers, topic, signingKeys, checkpointInterval, timeout, Clock.systemUTC());
    }

    public static AuditLog open(String bootstrapServers, String topic, KeysetHandle signingKeys, int checkpointInterval,
                                Duration timeout, Clock clock) throws GeneralSecurityException {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(topic, "topic");
        AuditTopicScan scan = new AuditTopicScan(bootstrapServers, topic, timeout);
        ChainHead head = readHead(scan, checkpointInterval);
        AuditChain chain = new AuditChain(AuditSigningKeys.signer(signingKeys), AuditSigningKeys.keyId(signingKeys),
                checkpointInterval, clock, head);
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(KafkaClients.confirmedProducer(bootstrapServers, "biostream-audit-log", timeout),
                new StringSerializer(), new ByteArraySerializer());
        LOG.info("audit trail {} opened at sequence {}", topic, head.nextSequence());
        return new AuditLog(scan, chain, producer, timeout);
    }

    @Override
    public synchronized AuditEvent record(AuditEntry entry) {
        return write(entry, false);
    }

    /** Records the entry as a signed checkpoint, whether or not one is due. */
    public synchronized AuditEvent recordSigned(AuditEntry entry) {
        return write(entry, true);
    }

    /** Where the next event goes. */
    public synchronized ChainHead head() {
        return chain.head();
    }

    public String topic() {
        return scan.topic();
    }

    /** Writes a signed checkpoint, then closes the producer. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        try {
            write(AuditEntry.of(AuditActions.ACTOR_SYSTEM, AuditActions.CHECKPOINT, null, AuditOutcome.SUCCESS,
                    Map.of("reason", "audit log closed")), true);
        } catch (RuntimeException e) {
            LOG.warn("no closing checkpoint written to audit trail {}: {}", scan.topic(), e.toString());
        } finally {
            closed = true;
            producer.close(timeout);
        }
    }

    private AuditEvent write(AuditEntry entry, boolean signed) {
        if (closed) {
            throw new AuditUnavailableException("the audit log is closed");
        }
        if (resyncBeforeNextWrite) {
            chain.reset(readHead(scan, chain.checkpointInterval()));
            resyncBeforeNextWrite = false;
        }
        AuditEvent event = signed ? chain.appendSigned(entry) : chain.append(entry);
        try {
            producer.send(new ProducerRecord<>(scan.topic(), event.getActor(), WireFormat.encode(event)))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return event;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failed(event, e);
        } catch (ExecutionException | TimeoutException | KafkaException e) {
            throw failed(event, e);
        }
    }

    /** The event may or may not be in the topic: the next write continues from whatever is. */
    private AuditUnavailableException failed(AuditEvent event, Exception cause) {
        resyncBeforeNextWrite = true;
        Throwable reason = cause instanceof ExecutionException && cause.getCause() != null ? cause.getCause() : cause;
        LOG.error("audit event {} ({} by {}) not confirmed by the broker: {}", event.getSequence(), event.getAction(),
                event.getActor(), reason.toString());
        return new AuditUnavailableException("the audit event could not be recorded: " + reason.getMessage(), reason);
    }

    /** The head after the topic's last events (the last {@code interval}, enough to find the last signed one). */
    static ChainHead readHead(AuditTopicScan scan, int interval) {
        AuditTopicScan.Bounds bounds = scan.bounds();
        if (bounds.end() <= bounds.first()) {
            return ChainHead.genesis();
        }
        List<StoredAuditEvent> stored = new ArrayList<>();
        scan.scan(Math.max(bounds.first(), bounds.end() - interval), stored::add);
        List<AuditEvent> tail = new ArrayList<>(stored.size());
        for (StoredAuditEvent record : stored) {
            try {
                tail.add(record.decode());
            } catch (IOException e) {
                if (record == stored.get(stored.size() - 1)) {
                    throw new AuditUnavailableException("the last event of audit trail " + scan.topic()
                            + " does not decode, so the chain cannot continue from it; verify the trail: "
                            + e.getMessage(), e);
                }
                tail.clear(); // only events after an undecodable one tell where the chain stands
            }
        }
        return ChainHead.after(tail);
    }

}
