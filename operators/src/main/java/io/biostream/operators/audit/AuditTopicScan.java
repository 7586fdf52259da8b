package io.biostream.operators.audit;

import io.biostream.operators.config.KafkaConnection;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads the audit topic (one partition) in offset order, read_committed, within a deadline: from an
 * offset up to the end the topic had when the scan began. Each scan uses its own consumer, assigned
 * (no group, nothing committed).
 */
public final class AuditTopicScan {
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration METADATA_RETRY = Duration.ofMillis(100);

    private final KafkaConnection kafka;
    private final String topic;
    private final Duration timeout;

    public AuditTopicScan(String bootstrapServers, String topic, Duration timeout) {
        this(KafkaConnection.plaintext(bootstrapServers), topic, timeout);
    }

    public AuditTopicScan(KafkaConnection kafka, String topic, Duration timeout) {
        this.kafka = kafka;
        this.topic = topic;
        this.timeout = timeout;
    }

    public String topic() {
        return topic;
    }

    /** Offsets [first, end) of the topic now. */
    public record Bounds(long first, long end) {}

    public Bounds bounds() {
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            TopicPartition partition = partition(consumer);
            return bounds(consumer, partition);
        } catch (KafkaException e) {
            throw new AuditUnavailableException("cannot read the bounds of audit topic " + topic + ": " + e.getMessage(), e);
        }
    }

    /**
     * Hands each record from offset {@code from} (or the first one kept, if later) to {@code each}
     * in order, up to the end the topic had at the start, until {@code each} returns false.
     *
     * @throws AuditUnavailableException when the topic cannot be read to that end within the timeout
     */
    public void scan(long from, Predicate<StoredAuditEvent> each) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<byte[], byte[]> consumer = consumer()) {
            TopicPartition partition = partition(consumer);
            Bounds bounds = bounds(consumer, partition);
            long start = Math.max(from, bounds.first());
            if (start >= bounds.end()) {
                return;
            }
            consumer.assign(List.of(partition));
            consumer.seek(partition, start);
            while (true) {
                if (System.nanoTime() > deadline) {
                    throw new AuditUnavailableException("reading audit topic " + topic + " to offset " + bounds.end()
                            + " took longer than " + timeout.toSeconds() + " s");
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(POLL).records(partition)) {
                    if (record.offset() >= bounds.end()) {
                        return;
                    }
                    if (!each.test(new StoredAuditEvent(record.offset(), record.value()))) {
                        return;
                    }
                }
                // Transaction markers occupy offsets without records: the position tells where we are.
                if (consumer.position(partition) >= bounds.end()) {
                    return;
                }
            }
        } catch (KafkaException e) {
            throw new AuditUnavailableException("cannot read audit topic " + topic + ": " + e.getMessage(), e);
        }
    }

    private Bounds bounds(KafkaConsumer<byte[], byte[]> consumer, TopicPartition partition) {
        long first = consumer.beginningOffsets(List.of(partition), timeout).get(partition);
        long end = consumer.endOffsets(List.of(partition), timeout).get(partition);
        return new Bounds(first, end);
    }

    private TopicPartition partition(KafkaConsumer<byte[], byte[]> consumer) {
        // A topic created a moment ago may not be in the broker's metadata answer yet: ask again,
        // within the timeout, before calling it missing.
        long deadline = System.nanoTime() + timeout.toNanos();
        List<PartitionInfo> partitions = consumer.partitionsFor(topic, timeout);
        while ((partitions == null || partitions.isEmpty()) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(METADATA_RETRY.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AuditUnavailableException("interrupted while looking up audit topic " + topic, e);
            }
            partitions = consumer.partitionsFor(topic, timeout);
        }
        if (partitions == null || partitions.isEmpty()) {
            throw new AuditUnavailableException("audit topic " + topic + " does not exist");
        }
        if (partitions.size() != 1) {
            throw new AuditUnavailableException("audit topic " + topic + " has " + partitions.size()
                    + " partitions; the trail is one chain and needs exactly one");
        }
        return new TopicPartition(topic, partitions.get(0).partition());
    }

    private KafkaConsumer<byte[], byte[]> consumer() {
        Map<String, Object> props = new java.util.HashMap<>(kafka.clientConfig());
        props.putAll(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none",
                ConsumerConfig.CLIENT_ID_CONFIG, "biostream-audit-reader",
                ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()),
                ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis())));
        return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }
}
