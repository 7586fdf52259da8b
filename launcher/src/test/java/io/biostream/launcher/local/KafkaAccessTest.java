package io.biostream.launcher.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.biostream.operators.config.KafkaConnection;
import io.biostream.operators.config.Topics;
import io.biostream.operators.crypto.SecretFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local broker admits only its principals, and each only to what {@link KafkaAccess} grants:
 * checked with real clients against a real broker (finding 7 and 12 of the hardening issue).
 */
class KafkaAccessTest {
    private static final Topics TOPICS = Topics.defaults();
    private static final String CAMERA = "lobby-1";
    private static final Duration REFUSAL_WAIT = Duration.ofSeconds(10);
    /** How long an unauthenticated client waits for an answer that never comes. */
    private static final Duration NO_ANSWER_WAIT = Duration.ofSeconds(3);

    @TempDir
    static Path dir;
    static EmbeddedKafkaBroker broker;
    static KafkaConnection camera;

    @BeforeAll
    static void start() throws Exception {
        broker = new EmbeddedKafkaBroker(dir.resolve("kafka")).start();
        broker.createTopics(TOPICS.newTopics());
        broker.grant(KafkaAccess.job(TOPICS, "biostream-pipeline", "biostream-pipeline"));
        broker.grant(KafkaAccess.api(TOPICS));
        broker.grant(KafkaAccess.camera(CAMERA, TOPICS));
        camera = broker.connection(KafkaCredentials.camera(CAMERA));
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void aClientWithoutCredentialsGetsNoAnswer() {
        // A PLAINTEXT client on a SASL listener: the broker closes the connection at its first request.
        Map<String, Object> config = KafkaConnection.plaintext(broker.bootstrapServers()).clientConfig(Map.of(
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) NO_ANSWER_WAIT.toMillis(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) NO_ANSWER_WAIT.toMillis()));
        try (Admin admin = Admin.create(config)) {
            assertThatThrownBy(() -> admin.listTopics().names().get(NO_ANSWER_WAIT.toSeconds() + 20, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(org.apache.kafka.common.errors.TimeoutException.class);
        }
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(KafkaConnection.plaintext(broker.bootstrapServers())
                .clientConfig(Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) NO_ANSWER_WAIT.toMillis())),
                new ByteArraySerializer(), new ByteArraySerializer())) {
            assertThat(causes(catchThrowable(() -> producer.send(frame()).get(NO_ANSWER_WAIT.toSeconds() + 20, TimeUnit.SECONDS))))
                    .hasAtLeastOneElementOfType(org.apache.kafka.common.errors.TimeoutException.class);
        }
    }

    @Test
    void aWrongPasswordOrAnUnknownPrincipalIsRefused() throws Exception {
        Path wrong = dir.resolve("wrong.password");
        SecretFiles.writeOwnerOnly(wrong, "not-the-password");
        for (KafkaConnection impostor : List.of(
                KafkaConnection.scram(broker.bootstrapServers(), KafkaCredentials.camera(CAMERA), wrong),
                KafkaConnection.scram(broker.bootstrapServers(), KafkaCredentials.JOB, wrong),
                KafkaConnection.scram(broker.bootstrapServers(), "camera-nobody", Path.of(camera.passwordFile())))) {
            try (KafkaProducer<byte[], byte[]> producer = producer(impostor)) {
                assertThat(causes(catchThrowable(() -> producer.send(frame()).get(REFUSAL_WAIT.toSeconds() + 5, TimeUnit.SECONDS))))
                        .as("%s", impostor)
                        .hasAtLeastOneElementOfType(SaslAuthenticationException.class);
            }
        }
    }

    @Test
    void aCameraWritesFramesAndNothingElse() throws Exception {
        try (KafkaProducer<byte[], byte[]> producer = producer(camera)) {
            assertThat(producer.send(frame()).get(30, TimeUnit.SECONDS).topic()).isEqualTo(TOPICS.frames());
        }
        for (String topic : List.of(TOPICS.control(), TOPICS.keys(), TOPICS.audit(), TOPICS.templates(), TOPICS.results(), TOPICS.dlq())) {
            try (KafkaProducer<byte[], byte[]> producer = producer(camera)) {
                assertThat(causes(catchThrowable(() -> producer.send(new ProducerRecord<>(topic, bytes("k"), bytes("forged")))
                        .get(30, TimeUnit.SECONDS))))
                        .as("a camera writing to %s", topic)
                        .hasAtLeastOneElementOfType(TopicAuthorizationException.class);
            }
        }
        for (String topic : List.of(TOPICS.results(), TOPICS.templates(), TOPICS.frames(), TOPICS.keys())) {
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(camera.clientConfig(Map.of(
                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false)), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                TopicPartition partition = new TopicPartition(topic, 0);
                consumer.assign(List.of(partition));
                consumer.seekToBeginning(List.of(partition));
                assertThatThrownBy(() -> consumer.poll(Duration.ofSeconds(10)))
                        .as("a camera reading %s", topic)
                        .isInstanceOf(TopicAuthorizationException.class);
            }
        }
    }

    @Test
    void credentialsAreOwnerOnlyAndSurviveARestart() throws Exception {
        Path file = broker.credentialsDir().resolve(KafkaCredentials.camera(CAMERA) + ".password");
        String before = Files.readString(file, StandardCharsets.UTF_8);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(broker.credentialsDir()))).isEqualTo("rwx------");
        assertThat(before).hasSizeGreaterThanOrEqualTo(40);

        broker.close();
        broker = new EmbeddedKafkaBroker(dir.resolve("kafka")).start();
        assertThat(Files.readString(file, StandardCharsets.UTF_8)).isEqualTo(before);
        // The camera's stored credential and ACLs still hold: it writes with the same file, no re-provisioning.
        try (KafkaProducer<byte[], byte[]> producer = producer(KafkaConnection.scram(broker.bootstrapServers(), camera.username(), Path.of(camera.passwordFile())))) {
            assertThat(producer.send(frame()).get(30, TimeUnit.SECONDS).topic()).isEqualTo(TOPICS.frames());
        }
        camera = broker.connection(KafkaCredentials.camera(CAMERA));
        assertThat(Files.readString(file, StandardCharsets.UTF_8)).isEqualTo(before);
    }

    /** A failure and its causes; empty when nothing failed. */
    private static List<Throwable> causes(Throwable failure) {
        List<Throwable> chain = new java.util.ArrayList<>();
        for (Throwable t = failure; t != null && chain.size() < 10; t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }

    private static KafkaProducer<byte[], byte[]> producer(KafkaConnection kafka) {
        return new KafkaProducer<>(kafka.clientConfig(Map.of(
                ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) REFUSAL_WAIT.toMillis(),
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) REFUSAL_WAIT.toMillis(),
                ProducerConfig.LINGER_MS_CONFIG, 0)), new ByteArraySerializer(), new ByteArraySerializer());
    }

    private static ProducerRecord<byte[], byte[]> frame() {
        return new ProducerRecord<>(TOPICS.frames(), bytes(CAMERA), bytes("frame bytes"));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
