package io.biostream.operators.crypto;

import io.biostream.operators.config.KafkaClients;
import io.biostream.operators.config.KafkaConnection;
import io.biostream.operators.config.TopicFollower;
import io.biostream.schemas.DataKeyScope;
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
import java.util.concurrent.atomic.AtomicLong;
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
 * Wrapped data keys in a compacted Kafka topic (one partition): a key is a record under its key
 * id, its destruction a destruction record under {@code destroyed:<key id>} followed by a tombstone
 * of the key's record. Every process (each job subtask, the API) follows the whole topic into
 * memory; writes wait for the broker's acknowledgement and for the record to come back, so a caller
 * never uses a key that is not durable. Compaction removes a destroyed key's old record from the log
 * (bounded by the topic's max.compaction.lag.ms); destruction records stay.
 *
 * <p>What the store refuses, with a WARN and a count: a record that does not decode, one whose
 * record key is not its key id, and any key record of an id destroyed before (a replay). Any record
 * under a destruction record key destroys its id, whatever its value: destroying is never a privacy
 * loss, and a record overwriting a destruction record must not bring the key back after compaction.
 *
 * <p>Outages: the store opens even when the topic cannot be read in time and answers
 * {@link KeyStoreUnavailableException} until it has been; a write or a catch-up that fails makes
 * the store answer that at once, without trying, for {@link #OUTAGE_BACKOFF}, so that a broker
 * outage costs callers one bounded wait per back-off, not one per unknown key id.
 */
public final class KafkaDataKeyStore implements DataKeyStore {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaDataKeyStore.class);
    /** How long a lookup of an unknown id may wait for the topic's end. */
    static final Duration LOOKUP_WAIT = Duration.ofSeconds(5);
    /** How long a failed write or catch-up makes the store answer "unavailable" without trying. */
    static final Duration OUTAGE_BACKOFF = Duration.ofSeconds(10);
    private static final int MAX_REMEMBERED_ABSENT = 100_000;

    private final String topic;
    private final Duration timeout;
    private final Duration lookupWait;

    private final Map<String, WrappedDataKey> keys = new ConcurrentHashMap<>();
    /** "scope|owner" -> key ids: a camera's or subject's keys without a scan over all keys. */
    private final Map<String, Set<String>> byOwner = new ConcurrentHashMap<>();
    /** Destroyed ids, for good (append-only): a key record arriving later is a replay and refused. */
    private final Set<String> destroyed = ConcurrentHashMap.newKeySet();
    private final Map<String, WrappedDataKey> destructions = new ConcurrentHashMap<>();
    /**
     * Ids looked up after catching up and not found: unknown for good, since a writer stores a key
     * before any template names it and ids are random, never reused. Spares a broker round trip for
     * every template of an erased subject.
     */
    private final Set<String> absent = ConcurrentHashMap.newKeySet();
    private final AtomicLong refused = new AtomicLong();
    private final Object catchUp = new Object();
    /** System.nanoTime() until which the store answers "unavailable" without trying; 0 when available. */
    private volatile long unavailableUntil;
    private volatile boolean replayed;
    private final KafkaProducer<String, byte[]> producer;
    private final TopicFollower follower;

    private KafkaDataKeyStore(KafkaConnection kafka, String topic, Duration timeout) {
        this.topic = topic;
        this.timeout = timeout;
        this.lookupWait = timeout.compareTo(LOOKUP_WAIT) < 0 ? timeout : LOOKUP_WAIT;
        this.follower = new TopicFollower(kafka, topic, "biostream-key-store", this::apply);
        this.producer = new KafkaProducer<>(KafkaClients.confirmedProducer(kafka, "biostream-key-store", timeout),
                new StringSerializer(), new ByteArraySerializer());
    }

    /**
     * Opens the store and waits up to {@code timeout} until the keys stored so far are read. When
     * they are not (the topic unavailable), the store opens anyway, goes on reading, and answers
     * {@link KeyStoreUnavailableException} until it has read them: a process that starts during an
     * outage degrades instead of failing its start over and over.
     */
    public static KafkaDataKeyStore open(String bootstrapServers, String topic, Duration timeout) {
        return open(KafkaConnection.plaintext(bootstrapServers), topic, timeout);
    }

    /** {@link #open(String, String, Duration)} over {@code kafka}'s authenticated connection. */
    public static KafkaDataKeyStore open(KafkaConnection kafka, String topic, Duration timeout) {
        KafkaDataKeyStore store = new KafkaDataKeyStore(kafka, topic, timeout);
        store.follower.start();
        try {
            if (!store.follower.awaitReplay(timeout)) {
                LOG.warn("the data key topic {} was not read within {} ms: data keys are unavailable until it is", topic,
                        timeout.toMillis());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            store.close();
            throw new IllegalStateException("interrupted while reading the data key topic " + topic, e);
        }
        return store;
    }

    private void apply(ConsumerRecord<String, byte[]> record) {
        String recordKey = record.key();
        if (recordKey == null) {
            refuse(record, "it has no record key");
            return;
        }
        if (recordKey.startsWith(DESTROYED)) {
            applyDestruction(record, recordKey.substring(DESTROYED.length()));
            return;
        }
        if (record.value() == null) { // the key's record removed after its destruction, or an old-style erasure
            remove(recordKey);
            destroyed.add(recordKey);
            return;
        }
        WrappedDataKey key = decode(record);
        if (key == null) {
            return;
        }
        if (!recordKey.equals(key.getKeyId())) {
            refuse(record, "its record key is not its key id " + key.getKeyId());
        } else if (key.getDestroyedTime() != null) {
            refuse(record, "a destruction record under a key's own record key");
        } else if (destroyed.contains(recordKey)) {
            refuse(record, "key " + recordKey + " was destroyed before: a replayed record never brings a key back");
        } else {
            WrappedDataKey old = keys.put(recordKey, key);
            if (old != null && !ownerKey(old).equals(ownerKey(key))) {
                unindex(old);
            }
            byOwner.computeIfAbsent(ownerKey(key), k -> ConcurrentHashMap.newKeySet()).add(recordKey);
        }
    }

    private void applyDestruction(ConsumerRecord<String, byte[]> record, String keyId) {
        destroyed.add(keyId); // whatever the value says (fail closed)
        remove(keyId);
        WrappedDataKey destruction = record.value() == null ? null : decode(record);
        if (destruction == null) {
            if (record.value() == null) {
                refuse(record, "a tombstone of the destruction record of " + keyId + ": the key stays destroyed");
            }
            return;
        }
        if (!destruction.getKeyId().equals(keyId) || destruction.getDestroyedTime() == null) {
            refuse(record, "not the destruction record of " + keyId + ": the key stays destroyed");
            return;
        }
        destructions.putIfAbsent(keyId, destruction); // the first one counts
    }

    private WrappedDataKey decode(ConsumerRecord<String, byte[]> record) {
        try {
            return WireFormat.decode(WrappedDataKey.class, record.value());
        } catch (IOException | AvroRuntimeException e) {
            refuse(record, "it does not decode: " + e.getMessage());
            return null;
        }
    }

    private void refuse(ConsumerRecord<String, byte[]> record, String why) {
        refused.incrementAndGet();
        LOG.warn("data key record at offset {} (record key {}) refused: {}", record.offset(), record.key(), why);
    }

    private void remove(String keyId) {
        WrappedDataKey old = keys.remove(keyId);
        if (old != null) {
            unindex(old);
        }
    }

    private void unindex(WrappedDataKey key) {
        byOwner.computeIfPresent(ownerKey(key), (k, ids) -> {
            ids.remove(key.getKeyId());
            return ids.isEmpty() ? null : ids;
        });
    }

    private static String ownerKey(WrappedDataKey key) {
        return ownerKey(key.getScope(), key.getOwner());
    }

    private static String ownerKey(DataKeyScope scope, String owner) {
        return scope + "|" + owner;
    }

    @Override
    public void put(WrappedDataKey key) {
        write(key.getKeyId(), WireFormat.encode(key));
    }

    @Override
    public void destroy(String keyId, WrappedDataKey destruction) {
        if (destruction != null) {
            write(DataKeyStore.destructionKey(keyId), WireFormat.encode(destruction));
        }
        write(keyId, null);
    }

    private void write(String recordKey, byte[] value) {
        requireAvailable("store data key record " + recordKey);
        try {
            long offset = producer.send(new ProducerRecord<>(topic, recordKey, value)).get(timeout.toMillis(), TimeUnit.MILLISECONDS).offset();
            if (!follower.awaitOffset(offset, timeout)) {
                throw outage("data key record " + recordKey + " was stored but not read back within " + timeout.toMillis() + " ms", null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new KeyStoreUnavailableException("interrupted while storing data key record " + recordKey, e);
        } catch (ExecutionException | TimeoutException | KafkaException e) {
            throw outage("the data key store did not confirm " + (value == null ? "the tombstone of " : "")
                    + "data key record " + recordKey + ": " + e, e);
        }
    }

    @Override
    public Optional<WrappedDataKey> get(String keyId) {
        WrappedDataKey key = keys.get(keyId);
        if (key != null) {
            return Optional.of(key);
        }
        if (destroyed.contains(keyId) || absent.contains(keyId)) {
            return Optional.empty();
        }
        // One caller at a time asks the broker; the others then see the outage, if any, at once.
        synchronized (catchUp) {
            requireAvailable("look up data key " + keyId);
            boolean caughtUp;
            try {
                caughtUp = follower.awaitEnd(lookupWait); // another process may have just written it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KeyStoreUnavailableException("interrupted while looking up data key " + keyId, e);
            }
            key = keys.get(keyId);
            if (key != null) {
                return Optional.of(key);
            }
            if (!caughtUp) {
                throw outage("data key " + keyId + " is not held and the data key topic " + topic
                        + " could not be read to its end within " + lookupWait.toMillis() + " ms", null);
            }
            if (!destroyed.contains(keyId)) {
                rememberAbsent(keyId);
            }
            return Optional.empty();
        }
    }

    @Override
    public Optional<WrappedDataKey> destruction(String keyId) {
        return Optional.ofNullable(destructions.get(keyId));
    }

    @Override
    public Collection<WrappedDataKey> owned(DataKeyScope scope, String owner) {
        requireReplayed();
        Set<String> ids = byOwner.get(ownerKey(scope, owner));
        if (ids == null) {
            return List.of();
        }
        return ids.stream().map(keys::get).filter(k -> k != null && k.getScope() == scope && k.getOwner().equals(owner)).toList();
    }

    private void rememberAbsent(String keyId) {
        if (absent.size() >= MAX_REMEMBERED_ABSENT) {
            absent.clear();
        }
        absent.add(keyId);
    }

    @Override
    public Collection<WrappedDataKey> all() {
        requireReplayed();
        return List.copyOf(keys.values());
    }

    @Override
    public long refusedRecords() {
        return refused.get();
    }

    @Override
    public boolean ready() {
        try {
            requireReplayed();
            return true;
        } catch (KeyStoreUnavailableException e) {
            return false;
        }
    }

    private void requireReplayed() {
        if (replayed) {
            return;
        }
        try {
            replayed = follower.awaitReplay(Duration.ZERO);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!replayed) {
            throw new KeyStoreUnavailableException("the data key topic " + topic + " has not been read yet", null, OUTAGE_BACKOFF);
        }
    }

    private void requireAvailable(String what) {
        requireReplayed();
        long until = unavailableUntil;
        if (until != 0 && System.nanoTime() - until < 0) {
            throw new KeyStoreUnavailableException("the data key store is unavailable (it failed moments ago): cannot " + what,
                    null, Duration.ofNanos(until - System.nanoTime()));
        }
    }

    private KeyStoreUnavailableException outage(String message, Throwable cause) {
        unavailableUntil = System.nanoTime() + OUTAGE_BACKOFF.toNanos();
        LOG.warn("{}; the data key store answers 'unavailable' for {} s", message, OUTAGE_BACKOFF.toSeconds());
        return new KeyStoreUnavailableException(message, cause, OUTAGE_BACKOFF);
    }

    @Override
    public void close() {
        // Every write waited for its acknowledgement, so nothing is pending: during an outage, do not wait for the broker.
        boolean outage = !replayed || (unavailableUntil != 0 && System.nanoTime() - unavailableUntil < 0);
        producer.close(outage ? Duration.ZERO : Duration.ofSeconds(5));
        follower.close();
    }
}
