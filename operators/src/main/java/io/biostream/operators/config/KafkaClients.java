package io.biostream.operators.config;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;

/** Kafka client settings shared by the components that write records which must not be lost or doubled. */
public final class KafkaClients {
    private KafkaClients() {}

    /**
     * An idempotent producer that waits for every in-sync replica and sends at once, with all its
     * waits bounded by {@code timeout}: for records a caller confirms only once the broker has them
     * (audit events, control events).
     */
    public static Map<String, Object> confirmedProducer(KafkaConnection kafka, String clientId, Duration timeout) {
        int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        Map<String, Object> config = new HashMap<>(kafka.clientConfig());
        config.putAll(Map.of(
                ProducerConfig.CLIENT_ID_CONFIG, clientId,
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, millis,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, millis,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, millis));
        return Map.copyOf(config);
    }

    /** {@link #confirmedProducer(KafkaConnection, String, Duration)} on an unauthenticated connection. */
    public static Map<String, Object> confirmedProducer(String bootstrapServers, String clientId, Duration timeout) {
        return confirmedProducer(KafkaConnection.plaintext(bootstrapServers), clientId, timeout);
    }
}
