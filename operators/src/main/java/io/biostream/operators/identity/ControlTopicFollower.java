package io.biostream.operators.identity;

import io.biostream.schemas.ControlEvent;
import io.biostream.schemas.WireFormat;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.AvroRuntimeException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the control topic (one partition) from its beginning into an {@link IdentityLedger}, on a
 * thread of its own, with read_committed, and keeps following it. {@link #awaitOffset} lets a
 * writer wait until its own event is applied (read-your-writes). A record that does not decode is
 * logged and skipped: the ledger never stops on one bad event.
 */
public final class ControlTopicFollower implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlTopicFollower.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration RETRY = Duration.ofSeconds(1);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

    private final TopicPartition partition;
    private final IdentityLedger ledger;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread thread;
    private final Object progress = new Object();
    /** The next offset to apply: every record below it is applied. Guarded by {@link #progress}. */
    private long position;
    /** The end of the topic when the follower started, or -1 until known. Guarded by {@link #progress}. */
    private long endAtStart = -1;
    private volatile boolean closed;
    private boolean started;

    public ControlTopicFollower(String bootstrapServers, String topic, IdentityLedger ledger) {
        this.partition = new TopicPartition(Objects.requireNonNull(topic, "topic"), 0);
        this.ledger = Objects.requireNonNull(ledger, "ledger");
        this.consumer = new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                ConsumerConfig.CLIENT_ID_CONFIG, "biostream-control-follower",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), new ByteArrayDeserializer());
        this.thread = new Thread(this::run, "control-follower-" + topic);
        this.thread.setDaemon(true);
    }

    /** Starts following from the beginning of the topic. */
    public synchronized ControlTopicFollower start() {
        if (started || closed) {
            throw new IllegalStateException("the follower was started or closed already");
        }
        started = true;
        thread.start();
        return this;
    }

    /**
     * Waits until the record at {@code offset} is applied to the ledger.
     *
     * @return false when it was not applied within the timeout
     */
    public boolean awaitOffset(long offset, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (progress) {
            while (position <= offset) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || closed) {
                    return false;
                }
                progress.wait(Math.max(1, left / 1_000_000));
            }
            return true;
        }
    }

    /** Waits until everything that was in the topic when the follower started is applied. */
    public boolean awaitReplay(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (progress) {
            while (endAtStart < 0 || position < endAtStart) {
                long left = deadline - System.nanoTime();
                if (left <= 0 || closed) {
                    return false;
                }
                progress.wait(Math.max(1, left / 1_000_000));
            }
            return true;
        }
    }

    /** The next offset to apply. */
    public long position() {
        synchronized (progress) {
            return position;
        }
    }

    private void run() {
        try {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            while (!closed) {
                try {
                    if (endAtStart < 0) {
                        long end = consumer.endOffsets(List.of(partition), RETRY).get(partition);
                        advance(position, end);
                    }
                    ConsumerRecords<String, byte[]> records = consumer.poll(POLL);
                    for (ConsumerRecord<String, byte[]> record : records.records(partition)) {
                        applyRecord(record);
                        advance(record.offset() + 1, -1);
                    }
                    // Transaction markers and aborted records occupy offsets too.
                    advance(consumer.position(partition, RETRY), -1);
                } catch (WakeupException e) {
                    if (!closed) {
                        throw e;
                    }
                } catch (KafkaException e) {
                    LOG.warn("control topic {}: {}; retrying", partition.topic(), e.toString());
                    sleep(RETRY);
                }
            }
        } catch (RuntimeException e) {
            LOG.error("control topic follower of {} stopped: the ledger no longer follows the topic", partition.topic(), e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
            synchronized (progress) {
                progress.notifyAll();
            }
        }
    }

    private void applyRecord(ConsumerRecord<String, byte[]> record) {
        ControlEvent event;
        try {
            event = WireFormat.decode(ControlEvent.class, record.value() == null ? new byte[0] : record.value());
        } catch (IOException | AvroRuntimeException e) {
            LOG.error("control record at offset {} (key {}) does not decode as a ControlEvent; skipped: {}",
                    record.offset(), record.key(), e.getMessage());
            return;
        }
        ledger.apply(event);
    }

    private void advance(long newPosition, long end) {
        synchronized (progress) {
            if (newPosition > position) {
                position = newPosition;
            }
            if (end >= 0 && endAtStart < 0) {
                endAtStart = end;
            }
            progress.notifyAll();
        }
    }

    private void sleep(Duration wait) {
        try {
            Thread.sleep(wait.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (!started) {
            consumer.close(Duration.ZERO);
            return;
        }
        consumer.wakeup();
        try {
            thread.join(CLOSE_WAIT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (progress) {
            progress.notifyAll();
        }
    }
}
