package io.biostream.operators.crypto;

import io.biostream.operators.config.KafkaClients;
import io.biostream.operators.config.TopicFollower;
import io.biostream.schemas.WireFormat;
import io.biostream.schemas.WrappedDataKey;
import java.io.IOException;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.avro.AvroRuntimeException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wrapped data keys in a compacted Kafka topic (one partition) keyed by key id: a key is a record,
 * its destruction a tombstone. Every process (each job subtask, the API) follows the whole topic
 * into memory; writes wait for the broker's acknowledgement and for the record to come back, so
 * a caller never uses a key that is not durable. Compaction removes a destroyed key's old record
 * from the log (bounded by the topic's max.compaction.lag.ms); until then it is still wrapped
 * under the KEK, which never leaves the KMS.
 */
public final class KafkaDataKeyStore implements DataKeyStore {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaDataKeyStore.class);

    private final String topic;
    private final Duration timeout;
    private static final int MAX_REMEMBERED_ABSENT = 100_000;

    private final Map<String, WrappedDataKey> keys = new ConcurrentHashMap<>();
    /**
     * Ids looked up after catching up and not found: destroyed for good, since a writer stores a
     * key before any template names it and ids are random, never reused. Spares a broker round
     * trip for every template of an erased subject.
     */
    private final Set<String> absent = ConcurrentHashMap.newKeySet();
    private final KafkaProducer<String, byte[]> producer;
    private final TopicFollower follower;

    private KafkaDataKeyStore(String bootstrapServers, String topic, Duration timeout) {
        this.topic = topic;
        this.timeout = timeout;
        this.follower = new TopicFollower(bootstrapServers, topic, "biostream-key-store", this::apply);
        this.producer = new KafkaProducer<>(KafkaClients.confirmedProducer(bootstrapServers, "biostream-key-store", timeout),
                new StringSerializer(), new ByteArraySerializer());
    }

    /** Opens the store and waits until the keys stored so far are read. */
    public static KafkaDataKeyStore open(String bootstrapServers, String topic, Duration timeout) {
        KafkaDataKeyStore store = new KafkaDataKeyStore(bootstrapServers, topic, timeout);
        store.follower.start();
        try {
            if (!store.follower.awaitReplay(timeout)) {
                store.close();
                throw new IllegalStateException("the data key topic " + topic + " was not read within " + timeout.toMillis() + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            store.close();
            throw new IllegalStateException("interrupted while reading the data key topic " + topic, e);
        }
        return store;
    }

    private void apply(ConsumerRecord<String, byte[]> record) {
        if (record.value() == null) {
            keys.remove(record.key());
            rememberAbsent(record.key());
            return;
        }
        try {
            WrappedDataKey key = WireFormat.decode(WrappedDataKey.class, record.value());
            keys.put(key.getKeyId(), key);
        } catch (IOException | AvroRuntimeException e) {
            LOG.error("data key record at offset {} does not decode; skipped: {}", record.offset(), e.getMessage());
        }
    }

    @Override
    public void put(WrappedDataKey key) {
        write(key.getKeyId(), WireFormat.encode(key));
    }

    @Override
    public void destroy(String keyId) {
        write(keyId, null);
    }

    private void write(String keyId, byte[] value) {
        try {
            long offset = producer.send(new ProducerRecord<>(topic, keyId, value)).get(timeout.toMillis(), TimeUnit.MILLISECONDS).offset();
            if (!follower.awaitOffset(offset, timeout)) {
                throw new KeyStoreUnavailableException("data key " + keyId + " was stored but not read back within " + timeout.toMillis() + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KeyStoreUnavailableException("interrupted while storing data key " + keyId, e);
        } catch (ExecutionException | TimeoutException | KafkaException e) {
            throw new KeyStoreUnavailableException("the data key store did not confirm " + (value == null ? "the destruction of " : "")
                    + "data key " + keyId + ": " + e, e);
        }
    }

    @Override
    public Optional<WrappedDataKey> get(String keyId) {
        WrappedDataKey key = keys.get(keyId);
        if (key != null) {
            return Optional.of(key);
        }
        if (absent.contains(keyId)) {
            return Optional.empty();
        }
        boolean caughtUp;
        try {
            caughtUp = follower.awaitEnd(timeout); // another process may have just written it
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            caughtUp = false;
        }
        key = keys.get(keyId);
        if (key == null && caughtUp) {
            rememberAbsent(keyId);
        }
        return Optional.ofNullable(key);
    }

    private void rememberAbsent(String keyId) {
        if (absent.size() >= MAX_REMEMBERED_ABSENT) {
            absent.clear();
        }
        absent.add(keyId);
    }

    @Override
    public Collection<WrappedDataKey> all() {
        return List.copyOf(keys.values());
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
        follower.close();
    }
}
