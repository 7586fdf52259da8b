package io.biostream.jobs.local;

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
        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dataDir).start()) {
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

        try (EmbeddedKafkaBroker restarted = new EmbeddedKafkaBroker(dataDir).start()) {
            try (Admin admin = Admin.create(restarted.adminConfig())) {
                assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS)).containsAll(TOPICS.names());
            }
            assertThat(readValues(restarted, "read_committed", 4))
                    .containsExactly("committed-1", "committed-2", "committed-3", "committed-4");
        }
    }

    @Test
    void createsTheDesignedTopicLayout() throws Exception {
        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dataDir).start();
             Admin admin = Admin.create(broker.adminConfig())) {
            broker.createTopics(TOPICS.newTopics(3, Topics.DEFAULT_MAX_FRAME_BYTES));

            Map<String, TopicDescription> topics = admin.describeTopics(TOPICS.names()).allTopicNames().get(30, TimeUnit.SECONDS);
            assertThat(topics.get(TOPICS.frames()).partitions()).hasSize(3);
            assertThat(topics.get(TOPICS.results()).partitions()).hasSize(3);
            assertThat(topics.get(TOPICS.audit()).partitions()).hasSize(1);

            ConfigResource templates = new ConfigResource(ConfigResource.Type.TOPIC, TOPICS.templates());
            ConfigResource frames = new ConfigResource(ConfigResource.Type.TOPIC, TOPICS.frames());
            Map<ConfigResource, Config> configs = admin.describeConfigs(List.of(templates, frames)).all().get(30, TimeUnit.SECONDS);
            assertThat(configs.get(templates).get("cleanup.policy").value()).isEqualTo("compact,delete");
            assertThat(Integer.parseInt(configs.get(frames).get("max.message.bytes").value()))
                    .isGreaterThan(Topics.DEFAULT_MAX_FRAME_BYTES);
        }
    }

    @Test
    void refusesATransactionTimeoutAboveItsMaximum() {
        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dataDir).start();
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
        try (EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dataDir).start()) {
            List<InetSocketAddress> listening = ListeningSockets.ofThisProcess();

            assertThat(listening).extracting(InetSocketAddress::getPort).contains(broker.port());
            assertThat(listening).allSatisfy(address ->
                    assertThat(address.getAddress().getHostAddress()).as("listening on %s", address).isEqualTo("127.0.0.1"));
        }
    }

    private static KafkaProducer<String, String> transactionalProducer(EmbeddedKafkaBroker broker, String id, Duration timeout) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
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
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
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
