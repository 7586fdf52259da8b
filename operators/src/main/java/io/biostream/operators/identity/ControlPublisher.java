package io.biostream.operators.identity;

import io.biostream.operators.config.KafkaClients;
import io.biostream.schemas.ControlEvent;
import io.biostream.schemas.WireFormat;
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
 * Writes control events (single-object Avro) to the control topic with an idempotent producer
 * (acks=all) and waits for the broker's acknowledgement, so a caller answers only for events
 * that are stored. Thread-safe.
 */
public final class ControlPublisher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlPublisher.class);

    private final KafkaProducer<String, byte[]> producer;
    private final String topic;
    private final Duration timeout;

    public ControlPublisher(String bootstrapServers, String topic, Duration timeout) {
        this.topic = Objects.requireNonNull(topic, "topic");
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
            RecordMetadata stored = producer.send(new ProducerRecord<>(topic, key, WireFormat.encode(event)))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return stored.offset();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failed(event, e);
        } catch (ExecutionException | TimeoutException | KafkaException e) {
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
