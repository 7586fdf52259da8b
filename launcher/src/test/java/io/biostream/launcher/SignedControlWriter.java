package io.biostream.launcher;

import com.google.crypto.tink.PublicKeySign;
import io.biostream.operators.config.KafkaConnection;
import io.biostream.operators.identity.ControlSignatures;
import io.biostream.schemas.ControlEvent;
import io.biostream.schemas.WireFormat;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Control events written straight to the topic, signed as the API signs them, for pipeline tests
 * that set up the job's history without an API (no audit event: that is the API's business).
 */
final class SignedControlWriter implements AutoCloseable {
    private final KafkaProducer<String, byte[]> producer;
    private final String topic;
    private final PublicKeySign signer;

    SignedControlWriter(KafkaConnection kafka, String topic, PublicKeySign signer) {
        Map<String, Object> config = new java.util.HashMap<>(kafka.clientConfig());
        config.putAll(Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true));
        this.producer = new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer());
        this.topic = topic;
        this.signer = signer;
    }

    /** Writes the event signed; returns its offset. */
    long publish(String key, ControlEvent event) throws Exception {
        byte[] value = WireFormat.encode(event);
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key, value);
        record.headers().add(ControlSignatures.HEADER, ControlSignatures.sign(value, signer));
        return producer.send(record).get(30, TimeUnit.SECONDS).offset();
    }

    @Override
    public void close() {
        producer.close(java.time.Duration.ofSeconds(10));
    }
}
