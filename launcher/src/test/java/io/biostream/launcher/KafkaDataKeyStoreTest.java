package io.biostream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biostream.launcher.local.EmbeddedKafkaBroker;
import io.biostream.operators.config.Topics;
import io.biostream.operators.crypto.DataKeyStore;
import io.biostream.operators.crypto.DataKeyUnavailableException;
import io.biostream.operators.crypto.KeyStoreUnavailableException;
import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.operators.crypto.TestKeyRings;
import io.biostream.operators.crypto.TemplateErasedException;
import io.biostream.operators.crypto.TemplateKeyRing;
import io.biostream.schemas.AssociatedData;
import io.biostream.schemas.EncryptedTemplate;
import io.biostream.schemas.WireFormat;
import io.biostream.schemas.WrappedDataKey;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The keys topic as deployed (the real broker in-process, KafkaDataKeyStore, a local KEK) against a
 * writer to the topic without the KEK: a key copied under another record key is refused; a record
 * replayed after its key's destruction, and an overwritten destruction record, do not bring the key
 * back, also for a process that reads the topic afresh. Last, the broker goes away: lookups are
 * answered "unavailable" within a bounded wait, and at once while the outage is known.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KafkaDataKeyStoreTest {
    private static final Topics TOPICS = Topics.defaults();
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path dir;
    private static Path keysDir;
    private static EmbeddedKafkaBroker broker;
    private static KafkaProducer<String, byte[]> writer;

    @BeforeAll
    static void start() {
        broker = new EmbeddedKafkaBroker(dir.resolve("kafka")).start();
        broker.createTopics(TOPICS.newTopics());
        keysDir = dir.resolve("keys");
        writer = new KafkaProducer<>(broker.adminConnection().clientConfig(Map.of(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000)), new StringSerializer(), new ByteArraySerializer());
    }

    @AfterAll
    static void stop() {
        if (writer != null) {
            writer.close(Duration.ZERO);
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    @Order(1)
    void aKeyRecordUnderAnotherRecordKeyIsRefused() throws Exception {
        EncryptedTemplate ada;
        try (TemplateKeyRing ring = KafkaKeyRings.open(keysDir, broker.adminConnection())) {
            ada = seal(ring, "enroll/ada/0", 1, ring.subjectKey("ada"));
            WrappedDataKey record = ring.describe(ada.getKeyId()).orElseThrow();
            write("dk_elsewhere", WireFormat.encode(record)); // a copy, no KEK needed
            awaitTrue("the copy read and refused", () -> ring.refusedRecords() == 1);
            assertThat(ring.describe("dk_elsewhere")).isEmpty();
        }
        try (TemplateKeyRing fresh = KafkaKeyRings.open(keysDir, broker.adminConnection())) {
            assertThat(fresh.refusedRecords()).isEqualTo(1);
            assertThat(fresh.describe("dk_elsewhere")).isEmpty();
            assertThat(new TemplateCipher(fresh).open(ada)).containsExactly(TestKeyRings.descriptor(1));
        }
    }

    @Test
    @Order(2)
    void aDestroyedKeyStaysDestroyedAfterAReplayedRecordAndAnOverwrittenDestructionAlsoAfterARestart() throws Exception {
        EncryptedTemplate bea;
        EncryptedTemplate cy;
        try (TemplateKeyRing ring = KafkaKeyRings.open(keysDir, broker.adminConnection())) {
            bea = seal(ring, "enroll/bea/0", 2, ring.subjectKey("bea"));
            cy = seal(ring, "enroll/cy/0", 3, ring.subjectKey("cy"));
            WrappedDataKey beforeErasure = ring.describe(bea.getKeyId()).orElseThrow();
            assertThat(ring.destroySubject("bea")).containsExactly(bea.getKeyId());
            long refused = ring.refusedRecords();

            write(bea.getKeyId(), WireFormat.encode(beforeErasure)); // the pre-erasure record, replayed
            write(DataKeyStore.destructionKey(bea.getKeyId()), "not a destruction".getBytes()); // and its destruction overwritten
            awaitTrue("both records read and refused", () -> ring.refusedRecords() == refused + 2);
            assertThatThrownBy(() -> new TemplateCipher(ring).open(bea)).isInstanceOf(TemplateErasedException.class);
        }
        try (TemplateKeyRing restarted = KafkaKeyRings.open(keysDir, broker.adminConnection())) {
            TemplateCipher cipher = new TemplateCipher(restarted);
            assertThatThrownBy(() -> cipher.open(bea)).isInstanceOf(TemplateErasedException.class);
            assertThat(restarted.existingSubjectKey("bea")).isEmpty();
            assertThat(restarted.destroyedTime(bea.getKeyId())).as("the authenticated destruction, read first").isPresent();
            assertThat(cipher.open(cy)).containsExactly(TestKeyRings.descriptor(3));
        }
    }

    @Test
    @Order(3)
    void whileTheBrokerIsAwayLookupsAreAnsweredUnavailableWithinABoundedWait() throws Exception {
        try (TemplateKeyRing ring = KafkaKeyRings.open(keysDir, broker.adminConnection())) {
            EncryptedTemplate door = seal(ring, "door-1/1/0", 4,
                    ring.periodKey("door-1", Instant.now(), Duration.ofDays(1), Duration.ofDays(30)));
            broker.close();

            TemplateCipher cipher = new TemplateCipher(ring);
            assertThat(cipher.open(door)).as("a key held in memory").containsExactly(TestKeyRings.descriptor(4));
            long start = System.nanoTime();
            assertThatThrownBy(() -> ring.aead("dk_unknown_1")).isInstanceOf(DataKeyUnavailableException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("the first lookup, bounded well under the 30 s store timeout")
                    .isLessThan(Duration.ofSeconds(20));
            start = System.nanoTime();
            assertThatThrownBy(() -> ring.aead("dk_unknown_2")).isInstanceOf(DataKeyUnavailableException.class);
            assertThatThrownBy(() -> ring.isLive("dk_unknown_3")).isInstanceOf(KeyStoreUnavailableException.class);
            assertThatThrownBy(() -> ring.periodKey("door-2", Instant.now(), Duration.ofDays(1), Duration.ofDays(30)))
                    .as("a new camera's key cannot be stored").isInstanceOf(KeyStoreUnavailableException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("answered without trying while the outage is known")
                    .isLessThan(Duration.ofSeconds(5));
        }
    }

    private static void write(String recordKey, byte[] value) throws Exception {
        writer.send(new ProducerRecord<>(TOPICS.keys(), recordKey, value)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private static void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("waiting for: " + what).isNegative();
            Thread.sleep(50);
        }
    }

    private static EncryptedTemplate seal(TemplateKeyRing ring, String faceId, int seed, TemplateKeyRing.DataKey key) {
        AssociatedData ad = AssociatedData.newBuilder().setCameraId(faceId).setSequence(seed).setFaceIndex(0).build();
        return new TemplateCipher(ring).seal(faceId, TestKeyRings.descriptor(seed), ad, "m", key);
    }

}
