package io.biostream.operators.config;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
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
 * Reads a one-partition topic from its beginning on a thread of its own, with read_committed,
 * handing each record to a handler, and keeps following it. {@link #awaitOffset} lets a writer
 * wait until its own record is applied (read-your-writes); {@link #awaitEnd} until everything
 * stored now is. The handler must not throw: a bad record is the handler's to log and skip.
 */
public final class TopicFollower implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TopicFollower.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration RETRY = Duration.ofSeconds(1);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

    private final TopicPartition partition;
    private final Consumer<ConsumerRecord<String, byte[]>> handler;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Map<String, Object> consumerConfig;
    /** Asks the broker for the topic's end offset from callers' threads; created on first use, guarded by itself. */
    private KafkaConsumer<String, byte[]> endProbe;
    private final Thread thread;
    private final Object progress = new Object();
    /** The next offset to apply: every record below it is applied. Guarded by {@link #progress}. */
    private long position;
    /** The end of the topic when the follower started, or -1 until known. Guarded by {@link #progress}. */
    private long endAtStart = -1;
    private volatile boolean closed;
    private boolean started;
    /** Follows every partition from its end (live views) instead of partition 0 from its beginning. */
    private final boolean tail;

    public TopicFollower(String bootstrapServers, String topic, String clientId, Consumer<ConsumerRecord<String, byte[]>> handler) {
        this(KafkaConnection.plaintext(bootstrapServers), topic, clientId, handler);
    }

    public TopicFollower(KafkaConnection kafka, String topic, String clientId, Consumer<ConsumerRecord<String, byte[]>> handler) {
        this(kafka, topic, clientId, handler, false);
    }

    /**
     * A follower of every partition of {@code topic} from its end at start, read_committed: what is
     * written from now on, for live views. {@link #awaitOffset}, {@link #awaitReplay} and
     * {@link #awaitEnd} do not apply to it (they track partition 0 only).
     */
    public static TopicFollower tail(KafkaConnection kafka, String topic, String clientId,
                                     Consumer<ConsumerRecord<String, byte[]>> handler) {
        return new TopicFollower(kafka, topic, clientId, handler, true);
    }

    private TopicFollower(KafkaConnection kafka, String topic, String clientId, Consumer<ConsumerRecord<String, byte[]>> handler,
                          boolean tail) {
        this.tail = tail;
        this.partition = new TopicPartition(Objects.requireNonNull(topic, "topic"), 0);
        this.handler = Objects.requireNonNull(handler, "handler");
        Map<String, Object> config = new java.util.HashMap<>(kafka.clientConfig());
        config.putAll(Map.of(
                ConsumerConfig.CLIENT_ID_CONFIG, clientId,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                // A live view started before the topics exist waits for them rather than creating
                // one with the broker's defaults (one partition, default retention).
                ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, !tail));
        this.consumerConfig = Map.copyOf(config);
        this.consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new ByteArrayDeserializer());
        this.thread = new Thread(this::run, clientId + "-" + topic);
        this.thread.setDaemon(true);
    }

    /** Starts following from the beginning of the topic. */
    public synchronized TopicFollower start() {
        if (started || closed) {
            throw new IllegalStateException("the follower was started or closed already");
        }
        started = true;
        thread.start();
        return this;
    }

    /**
     * Waits until the record at {@code offset} is handled.
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

    /** Waits until everything that was in the topic when the follower started is handled. */
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

    /**
     * Waits until everything stored in the topic now is handled: asks the broker for the end
     * offset, then waits for the follower to get there.
     *
     * @return false when that did not happen within the timeout
     */
    public boolean awaitEnd(Duration timeout) throws InterruptedException {
        long end;
        synchronized (this) {
            if (closed) {
                return false;
            }
            if (endProbe == null) {
                endProbe = new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new ByteArrayDeserializer());
            }
            try {
                end = endProbe.endOffsets(List.of(partition), timeout).get(partition);
            } catch (KafkaException e) {
                LOG.warn("topic {}: end offset unknown: {}", partition.topic(), e.toString());
                return false;
            }
        }
        return end == 0 || awaitOffset(end - 1, timeout);
    }

    /** The next offset to apply. */
    public long position() {
        synchronized (progress) {
            return position;
        }
    }

    private void run() {
        if (tail) {
            runTail();
            return;
        }
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
                    LOG.warn("topic {}: {}; retrying", partition.topic(), e.toString());
                    sleep(RETRY);
                }
            }
        } catch (RuntimeException e) {
            LOG.error("the follower of topic {} stopped: it no longer follows the topic", partition.topic(), e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
            synchronized (progress) {
                progress.notifyAll();
            }
        }
    }

    private void runTail() {
        try {
            List<TopicPartition> partitions = List.of();
            while (!closed && partitions.isEmpty()) {
                try {
                    partitions = consumer.partitionsFor(partition.topic(), RETRY).stream()
                            .map(info -> new TopicPartition(info.topic(), info.partition())).toList();
                } catch (KafkaException e) {
                    LOG.warn("topic {}: partitions unknown: {}; retrying", partition.topic(), e.toString());
                }
                if (partitions.isEmpty()) {
                    sleep(RETRY);
                }
            }
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            while (!closed) {
                try {
                    consumer.poll(POLL).forEach(this::applyRecord);
                } catch (WakeupException e) {
                    if (!closed) {
                        throw e;
                    }
                } catch (KafkaException e) {
                    LOG.warn("topic {}: {}; retrying", partition.topic(), e.toString());
                    sleep(RETRY);
                }
            }
        } catch (RuntimeException e) {
            LOG.error("the follower of topic {} stopped: it no longer follows the topic", partition.topic(), e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void applyRecord(ConsumerRecord<String, byte[]> record) {
        handler.accept(record);
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
            if (endProbe != null) {
                endProbe.close(Duration.ZERO);
            }
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
        if (endProbe != null) {
            endProbe.close(Duration.ZERO);
        }
    }
}
