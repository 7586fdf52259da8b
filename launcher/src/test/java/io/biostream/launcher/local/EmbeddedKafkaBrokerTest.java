package io.biostream.launcher.local;

import io.biostream.operators.config.Topics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaBrokerTest {

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);
    private static final Topics TOPICS = Topics.defaults();

    @TempDir
    Path dataDir;

    @Test
    void readCommittedConsumerSeesCommittedTransactionsOnlyAndDataSurvivesRestart() throws Exception {
        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dataDir.resolve("kafka")).start()) {
            broker.createTopics(TOPICS.newTopics());
            broker.createTopics(TOPICS.newTopics()); // a second call finds them all and changes nothing

            try (KafkaProducer<String, String> producer = transactionalProducer(broker, "tx-test", Duration.ofMinutes(1))) {
                producer.initTransactions();
                sendInTransaction(producer, List.of("committed-1", "committed-2", "committed-3"));
                producer.commitTransaction();
                sendInTransaction(producer, List.of("aborted-1", "aborted-2"));
                producer.abortTransaction();
                sendInTransaction(producer, List.of("committed-4"));
                producer.commitTransaction();
            }

            assertThat(readValues(broker, "read_committed", 4))
                    .containsExactly("committed-1", "committed-2", "committed-3", "committed-4");
            // The aborted records were written: only the isolation level hides them.
            assertThat(readValues(broker, "read_uncommitted", 6))
                    .contains("aborted-1", "aborted-2");
        }

        try (EmbeddedKafkaBroker restarted = new EmbeddedKafkaBroker(dataDir.resolve("kafka")).start()) {
            try (Admin admin = Admin.create(restarted.adminConfig())) {
                assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).containsAll(TOPICS.names());
            }
            assertThat(readValues(restarted, "read_committed", 4))
                    .containsExactly("committed-1", "committed-2", "committed-3", "committed-4");
        }
    }

    @Test
    void createsTheDesignedTopicLayout() throws Exception {
        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dataDir.resolve("kafka")).start();
             Admin admin = Admin.create(broker.adminConfig())) {
            broker.createTopics(TOPICS.newTopics(3, Topics.DEFAULT_MAX_FRAME_BYTES));

            Map<String, TopicDescription> topics = admin.describeTopics(TOPICS.names()).allTopicNames().get(30, TimeUnit.SECONDS);
            assertThat(topics.get(TOPICS.frames()).partitions()).hasSize(3);
            assertThat(topics.get(TOPICS.results()).partitions()).hasSize(3);
            assertThat(topics.get(TOPICS.audit()).partitions()).hasSize(1);

            ConfigResource templates = new ConfigResource(ConfigResource.Type.TOPIC, TOPICS.templates());
            ConfigResource frames = new ConfigResource(ConfigResource.Type.TOPIC, TOPICS.frames());
            Map<ConfigResource, Config> configs = admin.describeConfigs(List.of(templates, frames)).all().get(30, TimeUnit.SECONDS);
            assertThat(Integer.parseInt(configs.get(frames).get("max.message.bytes").value()))
                    .isGreaterThan(Topics.DEFAULT_MAX_FRAME_BYTES);
        }
    }

    /**
     * The templates topic as {@link Topics} creates it drops records older than its retention
     * (deletion) and keeps only the latest record of a face id (compaction: an erasure's tombstone
     * replaces the template). Shown on the broker with the topic's own cleanup policy, its retention
     * shortened to an hour, its segments to a second and the log cleaner's pause to a second, so
     * that the cleaner acts within the test. (Kafka deletes whole segments whose newest record is
     * past the retention: the expired record is deleted before newer records are compacted into its
     * segment.)
     */
    @Test
    void templatesLoseRecordsPastTheRetentionAndKeepTheLatestRecordOfAFace() throws Exception {
        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dataDir.resolve("kafka")).start();
             Admin admin = Admin.create(broker.adminConfig())) {
            broker.createTopics(TOPICS.newTopics());
            ConfigResource templates = new ConfigResource(ConfigResource.Type.TOPIC, TOPICS.templates());
            admin.incrementalAlterConfigs(Map.of(
                    templates, List.of(
                            set("retention.ms", Duration.ofHours(1).toMillis()),
                            set("segment.ms", 1000),
                            set("min.cleanable.dirty.ratio", "0.01"),
                            set("delete.retention.ms", 0)),
                    new ConfigResource(ConfigResource.Type.BROKER, ""), List.of(set("log.cleaner.backoff.ms", 1000))))
                    .all().get(30, TimeUnit.SECONDS);

            try (KafkaProducer<String, String> producer = producer(broker)) {
                // Deletion: a template sealed two hours ago, alone in its segment (the next record, an
                // hour and more newer than segment.ms allows, opens the next one).
                send(producer, "old/1/0", "sealed two hours ago", System.currentTimeMillis() - Duration.ofHours(2).toMillis());
                send(producer, "cam/1/0", "first", System.currentTimeMillis());
                awaitLog(broker, Map.of("cam/1/0", "first"));

                // Compaction: a newer template of the same face, and an erased face's tombstone.
                send(producer, "cam/1/0", "latest", System.currentTimeMillis());
                send(producer, "erased/1/0", "sealed", System.currentTimeMillis());
                send(producer, "erased/1/0", null, System.currentTimeMillis()); // the erasure's tombstone
                Thread.sleep(1100); // segment.ms: the next record closes this segment (the active one is never cleaned)
                send(producer, "cam/2/0", "active", System.currentTimeMillis());
                awaitLog(broker, Map.of("cam/1/0", "latest", "cam/2/0", "active"));
            }
        }
    }

    /**
     * Waits until the templates log holds one record per key and its records that are not
     * tombstones are exactly {@code expected} (a tombstone stays for delete.retention.ms after a cleaning).
     */
    private static void awaitLog(EmbeddedKafkaBroker broker, Map<String, String> expected) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        List<String[]> log = readLog(broker, TOPICS.templates());
        while (!cleaned(log, expected)) {
            assertThat(System.nanoTime()).as("templates log %s within 60 s, still %s", expected, describe(log)).isLessThan(deadline);
            Thread.sleep(500);
            log = readLog(broker, TOPICS.templates());
        }
    }

    private static org.apache.kafka.clients.admin.AlterConfigOp set(String key, Object value) {
        return new org.apache.kafka.clients.admin.AlterConfigOp(new org.apache.kafka.clients.admin.ConfigEntry(key, String.valueOf(value)),
                org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET);
    }

    private static KafkaProducer<String, String> producer(EmbeddedKafkaBroker broker) {
        Properties config = new Properties();
        config.putAll(broker.adminConnection().clientConfig());
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        return new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
    }

    private static void send(KafkaProducer<String, String> producer, String key, String value, long timestamp) throws Exception {
        producer.send(new ProducerRecord<>(TOPICS.templates(), null, timestamp, key, value)).get(30, TimeUnit.SECONDS);
    }

    /** Every record in the topic's log now, as {key, value}, from the log start offset to its end. */
    private static List<String[]> readLog(EmbeddedKafkaBroker broker, String topic) {
        Properties config = new Properties();
        config.putAll(broker.adminConnection().clientConfig());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        List<String[]> records = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            org.apache.kafka.common.TopicPartition partition = new org.apache.kafka.common.TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition), READ_TIMEOUT).get(partition);
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (consumer.position(partition, READ_TIMEOUT) < end) {
                assertThat(System.nanoTime()).as("%s read to offset %d within %s", topic, end, READ_TIMEOUT).isLessThan(deadline);
                consumer.poll(Duration.ofMillis(200)).forEach(r -> records.add(new String[] {r.key(), r.value()}));
            }
        }
        return records;
    }

    /** One record per key, the non-tombstones exactly {@code expected}. */
    private static boolean cleaned(List<String[]> log, Map<String, String> expected) {
        Map<String, String> values = new java.util.HashMap<>();
        Set<String> keys = new java.util.HashSet<>();
        for (String[] r : log) {
            if (!keys.add(r[0])) {
                return false;
            }
            if (r[1] != null) {
                values.put(r[0], r[1]);
            }
        }
        return values.equals(expected);
    }

    private static String describe(List<String[]> log) {
        return log.stream().map(r -> r[0] + "=" + r[1]).toList().toString();
    }

    @Test
    void refusesATransactionTimeoutAboveItsMaximum() {
        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dataDir.resolve("kafka")).start();
             KafkaProducer<String, String> producer = transactionalProducer(broker, "tx-too-long",
                     EmbeddedKafkaBroker.TRANSACTION_MAX_TIMEOUT.plusMinutes(1))) {
            assertThatThrownBy(producer::initTransactions)
                    .isInstanceOf(KafkaException.class)
                    .hasMessageContaining("transaction timeout");
        }
    }

    @Test
    void listensOnLoopbackOnly() throws Exception {
        Assumptions.assumeTrue(ListeningSockets.supported(), "needs Linux /proc to list this process's sockets");
        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dataDir.resolve("kafka")).start()) {
            List<InetSocketAddress> listening = ListeningSockets.ofThisProcess();

            assertThat(listening).extracting(InetSocketAddress::getPort).contains(broker.port());
            assertThat(listening).allSatisfy(address ->
                    assertThat(address.getAddress().getHostAddress()).as("listening on %s", address).isEqualTo("127.0.0.1"));
        }
    }

    private static KafkaProducer<String, String> transactionalProducer(EmbeddedKafkaBroker broker, String id, Duration timeout) {
        Properties config = new Properties();
        config.putAll(broker.adminConnection().clientConfig());
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id);
        config.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) timeout.toMillis());
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        return new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
    }

    private static void sendInTransaction(KafkaProducer<String, String> producer, List<String> values) {
        producer.beginTransaction();
        for (String value : values) {
            producer.send(new ProducerRecord<>(TOPICS.results(), "camera-1", value));
        }
        producer.flush();
    }

    /** Reads the results topic from the start until {@code expected} records arrived or 30 s passed. */
    private static List<String> readValues(EmbeddedKafkaBroker broker, String isolation, int expected) {
        Properties config = new Properties();
        config.putAll(broker.adminConnection().clientConfig());
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + isolation + "-" + System.nanoTime());
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(Set.of(TOPICS.results()));
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (values.size() < expected && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
            // One more poll: anything beyond what was expected would show up here.
            consumer.poll(Duration.ofMillis(500)).forEach(record -> values.add(record.value()));
        }
        return values;
    }
}
