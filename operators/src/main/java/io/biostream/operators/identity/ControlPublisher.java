package io.biostream.operators.identity;

import io.biostream.operators.config.KafkaClients;
import io.biostream.schemas.ControlEvent;
import io.biostream.schemas.WireFormat;
import com.google.crypto.tink.PublicKeySign;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes control events (single-object Avro, signed in a record header) to the control topic with an idempotent producer
 * (acks=all) and waits for the broker's acknowledgement, so a caller answers only for events
 * that are stored. Thread-safe.
 */
public final class ControlPublisher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlPublisher.class);

    private final KafkaProducer<String, byte[]> producer;
    private final String topic;
    private final Duration timeout;
    private final PublicKeySign signer;

    /** @param signer the control signing key: every event goes out signed ({@link ControlSignatures}) */
    public ControlPublisher(String bootstrapServers, String topic, Duration timeout, PublicKeySign signer) {
        this.topic = Objects.requireNonNull(topic, "topic");
        this.signer = Objects.requireNonNull(signer, "signer");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.producer = new KafkaProducer<>(KafkaClients.confirmedProducer(bootstrapServers, "biostream-control-publisher", timeout),
                new StringSerializer(), new ByteArraySerializer());
    }

    public String topic() {
        return topic;
    }

    /**
     * Publishes the event under {@code key} and returns its offset once the broker acknowledged it.
     *
     * @throws ControlUnavailableException when the broker did not acknowledge it in time (the event
     *                                     may or may not be stored)
     */
    public long publish(String key, ControlEvent event) {
        try {
            byte[] value = WireFormat.encode(event);
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key, value);
            record.headers().add(ControlSignatures.HEADER, ControlSignatures.sign(value, signer));
            RecordMetadata stored = producer.send(record).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return stored.offset();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failed(event, e);
        } catch (ExecutionException | TimeoutException | KafkaException | GeneralSecurityException e) {
            throw failed(event, e);
        }
    }

    private ControlUnavailableException failed(ControlEvent event, Exception cause) {
        Throwable reason = cause instanceof ExecutionException && cause.getCause() != null ? cause.getCause() : cause;
        LOG.error("control event {} ({} by {}) not confirmed by the broker: {}", event.getEventId(), event.getType(),
                event.getActor(), reason.toString());
        return new ControlUnavailableException("the control event could not be published: " + reason.getMessage(), reason);
    }


    @Override
    public void close() {
        producer.close(timeout);
    }
}
