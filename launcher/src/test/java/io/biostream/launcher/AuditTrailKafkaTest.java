package io.biostream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.crypto.tink.KeysetHandle;
import io.biostream.api.ApiConfig;
import io.biostream.api.ApiServer;
import io.biostream.api.audit.AuditTrail;
import io.biostream.api.audit.KafkaAuditReader;
import io.biostream.api.auth.ApiKeyStore;
import io.biostream.api.auth.IssuedKey;
import io.biostream.api.auth.Role;
import io.biostream.api.state.QueryableStateCameraReader;
import io.biostream.launcher.local.EmbeddedKafkaBroker;
import io.biostream.operators.audit.AuditActions;
import io.biostream.operators.audit.AuditChain;
import io.biostream.operators.audit.ChainHead;
import io.biostream.operators.audit.AuditEntry;
import io.biostream.operators.audit.AuditLog;
import io.biostream.operators.audit.AuditProblem;
import io.biostream.operators.audit.AuditSigningKeys;
import io.biostream.operators.audit.AuditUnavailableException;
import io.biostream.operators.audit.AuditVerification;
import io.biostream.operators.audit.AuditVerifier;
import io.biostream.operators.audit.StoredAuditEvent;
import io.biostream.operators.config.Topics;
import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.operators.crypto.TestKeyRings;
import io.biostream.operators.state.StateSeal;
import io.biostream.schemas.AuditEvent;
import io.biostream.schemas.AuditOutcome;
import io.biostream.schemas.WireFormat;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.apache.flink.api.common.JobID;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit trail on a real broker: written by AuditLog, resumed after a restart, read back with the
 * Kafka reader and verified; copies with one event altered, deleted or moved fail at that event,
 * also through the API over HTTP.
 */
class AuditTrailKafkaTest {
    private static final int INTERVAL = 5;
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final Topics TOPICS = Topics.defaults();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    static Path dir;
    static EmbeddedKafkaBroker broker;
    static KeysetHandle signingKeys;
    static AuditVerifier verifier;

    @BeforeAll
    static void start() throws Exception {
        broker = new EmbeddedKafkaBroker(dir.resolve("kafka")).start();
        broker.createTopics(TOPICS.newTopics());
        signingKeys = AuditSigningKeys.readOrCreate(dir.resolve("keys/audit-signing.json"));
        verifier = new AuditVerifier(AuditSigningKeys.verifier(
                AuditSigningKeys.parsePublic(AuditSigningKeys.exportPublic(signingKeys))), INTERVAL);
    }

    @AfterAll
    static void stop() {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void eventsWrittenThroughTheLogReadBackVerifyAndTheChainResumesAfterARestart() throws Exception {
        String topic = newTopic("audit-resume");
        try (AuditLog log = openLog(topic)) {
            for (int i = 0; i < 12; i++) {
                assertThat(log.record(entry(i)).getSequence()).isEqualTo(i);
            }
        } // closing writes signed checkpoint 12
        try (AuditLog again = openLog(topic)) {
            assertThat(again.head().nextSequence()).as("resumed after the closing checkpoint").isEqualTo(13);
            assertThat(again.head().lastSignedSequence()).isEqualTo(12);
            for (int i = 13; i < 20; i++) {
                AuditEvent event = again.record(entry(i));
                assertThat(event.getSequence()).isEqualTo(i);
                assertThat(event.getSignature() != null).as("signature on %d", i).isEqualTo(i == 17);
            }
        } // closing checkpoint 20

        KafkaAuditReader reader = new KafkaAuditReader(broker.adminConnection(), topic, TIMEOUT);
        List<StoredAuditEvent> all = reader.read(0, 1000);
        assertThat(all).hasSize(21);
        for (int i = 0; i < all.size(); i++) {
            assertThat(all.get(i).decode().getSequence()).isEqualTo(i);
            if (i > 0) { // each event is its own transaction: its commit marker takes the next offset
                assertThat(all.get(i).offset()).isEqualTo(all.get(i - 1).offset() + 2);
            }
        }
        AuditEvent closing = all.get(12).decode();
        assertThat(closing.getAction()).isEqualTo(AuditActions.CHECKPOINT);
        assertThat(closing.getSignature()).isNotNull();

        AuditVerification result = verify(reader);
        assertThat(result.ok()).as(String.valueOf(result)).isTrue();
        assertThat(result.events()).isEqualTo(21);
        assertThat(result.lastSignedSequence()).isEqualTo(20L);
        assertThat(result.unsignedTail()).isZero();

        assertThat(reader.read(all.get(5).offset(), 3)).extracting(StoredAuditEvent::offset)
                .containsExactly(all.get(5).offset(), all.get(6).offset(), all.get(7).offset());
        assertThat(reader.read(all.get(5).offset() + 1, 1)).extracting(StoredAuditEvent::offset)
                .as("a position on a commit marker starts at the next event").containsExactly(all.get(6).offset());
        assertThat(reader.read(all.get(20).offset() + 1, 10)).isEmpty();
    }

    @Test
    void copiesWithOneEventAlteredDeletedOrMovedFailAtThatEvent() throws Exception {
        List<byte[]> values = writeTrail(newTopic("audit-source"), 15);
        int victim = 6;

        byte[] alteredVictim = withActorChanged(values.get(victim));
        String altered = copyTo("audit-altered", values, list -> {
            List<byte[]> out = new ArrayList<>(list);
            out.set(victim, alteredVictim);
            return out;
        });
        String deleted = copyTo("audit-deleted", values, list -> {
            List<byte[]> out = new ArrayList<>(list);
            out.remove(victim);
            return out;
        });
        String reordered = copyTo("audit-reordered", values, list -> {
            List<byte[]> out = new ArrayList<>(list);
            Collections.swap(out, victim, victim + 1);
            return out;
        });

        assertFailsAt(altered, victim, AuditProblem.HASH_MISMATCH);
        assertFailsAt(deleted, victim, AuditProblem.SEQUENCE_GAP);
        assertFailsAt(reordered, victim, AuditProblem.OUT_OF_ORDER);
    }

    @Test
    void theApiVerifiesTheTopicOverHttpAndAuditsItsOwnRefusals() throws Exception {
        List<byte[]> values = writeTrail(newTopic("audit-served"), 12);
        String deleted = copyTo("audit-served-deleted", values, list -> {
            List<byte[]> out = new ArrayList<>(list);
            out.remove(3);
            return out;
        });

        ApiKeyStore keys = new ApiKeyStore();
        IssuedKey auditor = keys.generate("auditor", Set.of(Role.AUDITOR), Set.of());
        IssuedKey analyst = keys.generate("analyst", Set.of(Role.ANALYST), Set.of());
        String sinkTopic = newTopic("audit-api-sink");
        try (AuditLog sink = openLog(sinkTopic);
             ApiServer intact = startApi(keys, sink, "audit-served");
             ApiServer tampered = startApi(keys, sink, deleted)) {
            JsonNode ok = json(get(intact, "/api/v1/audit/verify", auditor));
            assertThat(ok.get("ok").asBoolean()).as(ok.toString()).isTrue();
            assertThat(ok.get("events").asLong()).isEqualTo(13);

            List<StoredAuditEvent> served = new KafkaAuditReader(broker.adminConnection(), "audit-served", TIMEOUT).read(0, 100);
            JsonNode page = json(get(intact, "/api/v1/audit?from=" + served.get(10).offset() + "&limit=2", auditor));
            assertThat(page.get("events")).hasSize(2);
            assertThat(page.get("events").get(0).get("sequence").asLong()).isEqualTo(10);
            assertThat(page.get("events").get(1).get("sequence").asLong()).isEqualTo(11);
            JsonNode nextPage = json(get(intact, "/api/v1/audit?from=" + page.get("next").asLong() + "&limit=1", auditor));
            assertThat(nextPage.get("events").get(0).get("sequence").asLong()).isEqualTo(12);

            JsonNode bad = json(get(tampered, "/api/v1/audit/verify", auditor));
            assertThat(bad.get("ok").asBoolean()).isFalse();
            assertThat(bad.get("firstBadEvent").get("position").asLong()).isEqualTo(3);
            assertThat(bad.get("firstBadEvent").get("offset").asLong()).isEqualTo(3);
            assertThat(bad.get("firstBadEvent").get("sequence").asLong()).isEqualTo(4);
            assertThat(bad.get("reason").asText()).isEqualTo("sequence_gap");

            assertThat(get(intact, "/api/v1/audit/verify", analyst).statusCode()).isEqualTo(403);
        }
        List<StoredAuditEvent> sunk = new KafkaAuditReader(broker.adminConnection(), sinkTopic, TIMEOUT).read(0, 100);
        AuditEvent denial = sunk.get(0).decode();
        assertThat(denial.getAction()).isEqualTo(AuditActions.REQUEST_DENIED);
        assertThat(denial.getActor()).isEqualTo(analyst.key().id());
        assertThat(denial.getOutcome()).isEqualTo(AuditOutcome.DENIED);
        assertThat(denial.getDetails()).containsEntry("path", "/api/v1/audit/verify").containsEntry("status", "403");
    }

    /**
     * Finding 3: an undecodable last record used to stop the writer (and the API) from starting. It
     * now starts, writes a signed break event after the last event it trusts, and verification,
     * also over HTTP, reports the break and what it accounts for.
     */
    @Test
    void anUndecodableLastRecordIsWrittenPastWithASignedBreakThatVerificationReports() throws Exception {
        List<byte[]> values = writeTrail(newTopic("audit-good"), 3); // 0-2, closing checkpoint 3
        String broken = copyTo("audit-broken-tail", values, list -> {
            List<byte[]> out = new ArrayList<>(list);
            out.add("not an audit event".getBytes(StandardCharsets.US_ASCII));
            return out;
        });
        try (AuditLog log = openLog(broken)) {
            assertThat(log.head().nextSequence()).as("after the break event").isEqualTo(5);
            assertThat(log.record(entry(5)).getSequence()).isEqualTo(5);
        }
        List<StoredAuditEvent> stored = new KafkaAuditReader(broker.adminConnection(), broken, TIMEOUT).read(0, 100);
        AuditEvent breakEvent = stored.get(5).decode();
        assertThat(breakEvent.getAction()).isEqualTo(AuditActions.BREAK);
        assertThat(breakEvent.getSignature()).isNotNull();
        assertThat(breakEvent.getPreviousHash()).as("links to the last trusted event").isEqualTo(stored.get(3).decode().getHash());
        assertThat(breakEvent.getDetails().get("reason")).contains("undecodable");
        assertThat(breakEvent.getDetails()).containsEntry("fromOffset", "4").containsEntry("toOffset", "4");

        AuditVerification result = verify(new KafkaAuditReader(broker.adminConnection(), broken, TIMEOUT));
        assertThat(result.ok()).as(String.valueOf(result)).isTrue();
        assertThat(result.breaks()).singleElement().satisfies(b -> {
            assertThat(b.sequence()).isEqualTo(4);
            assertThat(b.offset()).isEqualTo(5);
            assertThat(b.problem()).isEqualTo(AuditProblem.UNDECODABLE);
            assertThat(b.problemOffset()).isEqualTo(4);
        });

        ApiKeyStore keys = new ApiKeyStore();
        IssuedKey auditor = keys.generate("auditor", Set.of(Role.AUDITOR), Set.of());
        try (AuditLog sink = openLog(newTopic("audit-break-sink"));
             ApiServer api = startApi(keys, sink, broken)) {
            JsonNode verified = json(get(api, "/api/v1/audit/verify", auditor));
            assertThat(verified.get("ok").asBoolean()).as(verified.toString()).isTrue();
            assertThat(verified.get("breaks")).hasSize(1);
            assertThat(verified.get("breaks").get(0).get("problem").asText()).isEqualTo("undecodable");
            assertThat(verified.get("breaks").get(0).get("problemOffset").asLong()).isEqualTo(4);
        }
    }

    /**
     * Finding 3: well-hashed unsigned events appended while the writer was down (by anyone who can
     * write to the topic, without the signing key) used to be signed over by the next checkpoint.
     * The writer now links past them to its own last event with a signed break event.
     */
    @Test
    void unsignedEventsSomeoneElseAppendedAreNotSignedOverButRecordedAsABreak() throws Exception {
        String topic = newTopic("audit-foreign-tail");
        List<byte[]> values = writeTrail(topic, 6); // 0-5 (4 signed), closing checkpoint 6
        AuditEvent last = new StoredAuditEvent(6, values.get(6)).decode();
        KeysetHandle forger = AuditSigningKeys.generate();
        AuditChain forged = new AuditChain(AuditSigningKeys.signer(forger), AuditSigningKeys.keyId(forger), 1000,
                java.time.Clock.systemUTC(), ChainHead.after(List.of(last)));
        List<byte[]> appended = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            AuditEvent event = forged.append(AuditEntry.of("0123456789abcdef", AuditActions.SUBJECT_ERASE, "victim-" + i,
                    AuditOutcome.SUCCESS, Map.of()));
            assertThat(event.getSignature()).isNull();
            appended.add(WireFormat.encode(event));
        }
        append(topic, appended);
        assertThat(verify(new KafkaAuditReader(broker.adminConnection(), topic, TIMEOUT)).ok())
                .as("the forged events are well hashed and linked").isTrue();

        try (AuditLog log = openLog(topic)) {
            assertThat(log.record(entry(20)).getSequence()).isEqualTo(11);
        }
        List<StoredAuditEvent> stored = new KafkaAuditReader(broker.adminConnection(), topic, TIMEOUT).read(0, 100);
        AuditEvent breakEvent = stored.get(10).decode();
        assertThat(breakEvent.getAction()).isEqualTo(AuditActions.BREAK);
        assertThat(breakEvent.getSequence()).isEqualTo(10);
        assertThat(breakEvent.getSignature()).isNotNull();
        assertThat(breakEvent.getPreviousHash()).as("not the forged events' hash: its own last event's")
                .isEqualTo(last.getHash());
        assertThat(breakEvent.getDetails().get("reason")).contains("not written by this writer");
        assertThat(breakEvent.getDetails()).containsEntry("trustedSequence", "6")
                .containsEntry("fromOffset", Long.toString(stored.get(6).offset() + 1))
                .containsEntry("toOffset", Long.toString(stored.get(9).offset()));
        for (StoredAuditEvent later : stored.subList(10, stored.size())) {
            assertThat(later.decode().getPreviousHash()).as("nothing links to the forged tail")
                    .isNotEqualTo(new StoredAuditEvent(9, appended.get(2)).decode().getHash());
        }
        AuditVerification result = verify(new KafkaAuditReader(broker.adminConnection(), topic, TIMEOUT));
        assertThat(result.ok()).as(String.valueOf(result)).isTrue();
        assertThat(result.breaks()).singleElement().satisfies(b -> {
            assertThat(b.sequence()).isEqualTo(10);
            assertThat(b.reason()).contains("not written by this writer");
        });
    }

    /** Finding 3: cutting the trail back to an older signed checkpoint used to go unnoticed. */
    @Test
    void aTrailCutBackToAnOlderSignedCheckpointIsDetectedFromTheHeadKeptOutsideTheTopic() throws Exception {
        List<byte[]> values = writeTrail(newTopic("audit-uncut"), 12); // signed: 4, 9, closing 12
        String cut = copyTo("audit-cut", values, list -> new ArrayList<>(list.subList(0, 10)));
        // The same writer's head file, as if the topic had been cut in place.
        Files.createDirectories(headFile(cut).getParent());
        Files.copy(headFile("audit-uncut"), headFile(cut));
        try (AuditLog log = openLog(cut)) {
            assertThat(log.head().nextSequence()).isEqualTo(14);
        }
        AuditEvent breakEvent = new KafkaAuditReader(broker.adminConnection(), cut, TIMEOUT).read(10, 1).get(0).decode();
        assertThat(breakEvent.getAction()).isEqualTo(AuditActions.BREAK);
        assertThat(breakEvent.getSequence()).as("above every sequence used before the cut").isEqualTo(13);
        assertThat(breakEvent.getDetails().get("reason")).contains("last signed checkpoint 12").contains("cut");
        assertThat(breakEvent.getDetails()).containsEntry("trustedSequence", "9");
        AuditVerification result = verify(new KafkaAuditReader(broker.adminConnection(), cut, TIMEOUT));
        assertThat(result.ok()).as(String.valueOf(result)).isTrue();
        assertThat(result.breaks()).singleElement().satisfies(b -> assertThat(b.reason()).contains("cut"));
    }

    /** The writer's own unsigned tail (it stopped without its closing checkpoint) is continued as before. */
    @Test
    void theWritersOwnUnsignedTailIsContinuedWithoutABreak() throws Exception {
        String topic = newTopic("audit-crashed");
        AuditLog crashed = openLog(topic);
        try {
            for (int i = 0; i < 3; i++) {
                crashed.record(entry(i));
            }
            try (AuditLog again = openLog(topic)) { // the first one never wrote its closing checkpoint
                assertThat(again.head().nextSequence()).isEqualTo(3);
                assertThat(again.record(entry(3)).getSequence()).isEqualTo(3);
            }
            AuditVerification result = verify(new KafkaAuditReader(broker.adminConnection(), topic, TIMEOUT));
            assertThat(result.ok()).as(String.valueOf(result)).isTrue();
            assertThat(result.breaks()).isEmpty();
            assertThat(result.events()).isEqualTo(5);
        } finally {
            crashed.close();
        }
    }

    /**
     * Two writers on one trail (two API processes) would fork the chain: the second one to open fences
     * the first, which then refuses every write and leaves no closing checkpoint over the other's events.
     */
    @Test
    void aSecondWriterFencesTheFirstWhichRefusesEveryWriteFromThenOn() throws Exception {
        String topic = newTopic("audit-two-writers");
        try (AuditLog first = openLog(topic)) {
            first.record(entry(0));
            try (AuditLog second = AuditLog.open(broker.adminConnection(), topic, signingKeys, INTERVAL,
                    Duration.ofSeconds(10), dir.resolve("heads/" + topic + "-second.properties"))) {
                assertThatThrownBy(() -> first.record(entry(1)))
                        .isInstanceOf(AuditUnavailableException.class)
                        .hasMessageContaining("another audit writer took over");
                assertThat(first.fenced()).isPresent();
                assertThatThrownBy(() -> first.record(entry(2))).isInstanceOf(AuditUnavailableException.class);
                first.close(); // fenced: no closing checkpoint
                // after entry 0 and the signed break the second writer wrote for the tail it could not vouch for
                assertThat(second.record(entry(3)).getSequence()).isEqualTo(2);
            }
            AuditVerification result = verify(new KafkaAuditReader(broker.adminConnection(), topic, TIMEOUT));
            assertThat(result.ok()).as(String.valueOf(result)).isTrue();
            assertThat(result.breaks()).as("the first writer's unsigned event, accounted for by the second").hasSize(1);
            assertThat(result.events()).as("entry 0, the break, entry 3 and the second writer's closing checkpoint").isEqualTo(4);
        }
    }

    private static void assertFailsAt(String topic, int position, AuditProblem problem) {
        AuditVerification result = verify(new KafkaAuditReader(broker.adminConnection(), topic, TIMEOUT));
        assertThat(result.ok()).as(topic).isFalse();
        assertThat(result.firstBadEvent()).as("%s: %s", topic, result).isEqualTo(position);
        assertThat(result.firstBadOffset()).isEqualTo((long) position);
        assertThat(result.problem()).as("%s: %s", topic, result.detail()).isEqualTo(problem);
    }

    private static AuditVerification verify(KafkaAuditReader reader) {
        AuditVerifier.Run run = verifier.start();
        reader.readAll(run::addStored);
        return run.finish();
    }

    private static AuditLog openLog(String topic) throws Exception {
        return AuditLog.open(broker.adminConnection(), topic, signingKeys, INTERVAL, Duration.ofSeconds(10), headFile(topic));
    }

    private static Path headFile(String topic) {
        return dir.resolve("heads/" + topic + ".properties");
    }

    private static void append(String topic, List<byte[]> values) throws Exception {
        Map<String, Object> props = broker.adminConnection().clientConfig(Map.of(ProducerConfig.ACKS_CONFIG, "all"));
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (byte[] value : values) {
                producer.send(new ProducerRecord<>(topic, value)).get(30, TimeUnit.SECONDS);
            }
        }
    }

    /** {@code events} entries through a real AuditLog (plus its closing checkpoint); the stored values. */
    private static List<byte[]> writeTrail(String topic, int events) throws Exception {
        try (AuditLog log = openLog(topic)) {
            for (int i = 0; i < events; i++) {
                log.record(entry(i));
            }
        }
        List<byte[]> values = new ArrayList<>();
        new KafkaAuditReader(broker.adminConnection(), topic, TIMEOUT).readAll(stored -> values.add(stored.value()));
        assertThat(values).hasSize(events + 1);
        return values;
    }

    /** Writes a tampered copy of the stored values, byte for byte, to a new topic. */
    private static String copyTo(String name, List<byte[]> values, UnaryOperator<List<byte[]>> tamper) throws Exception {
        String topic = newTopic(name);
        append(topic, tamper.apply(values));
        return topic;
    }

    /** The stored bytes with one character of the actor changed: still an AuditEvent, other content. */
    private static byte[] withActorChanged(byte[] value) throws IOException {
        AuditEvent event = new StoredAuditEvent(0, value).decode();
        byte[] actor = event.getActor().getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i + actor.length <= value.length; i++) {
            if (java.util.Arrays.equals(value, i, i + actor.length, actor, 0, actor.length)) {
                byte[] out = value.clone();
                out[i] = (byte) (out[i] == 'x' ? 'y' : 'x');
                return out;
            }
        }
        throw new AssertionError("actor not found in the stored bytes");
    }

    private static AuditEntry entry(int i) {
        return AuditEntry.of("key" + i % 3, AuditActions.DESCRIPTORS_READ, "cam-" + i, AuditOutcome.SUCCESS,
                Map.of("frameSequence", Integer.toString(i)));
    }

    private static String newTopic(String name) {
        broker.createTopics(List.of(new NewTopic(name, 1, (short) 1)));
        return name;
    }

    private static ApiServer startApi(ApiKeyStore keys, AuditLog sink, String readTopic) throws Exception {
        ApiConfig config = ApiConfig.defaults().withPort(0).withStateProxy("127.0.0.1", closedPort())
                .withStateTimings(Duration.ofSeconds(2), Duration.ZERO);
        JobID noJob = new JobID();
        TemplateCipher cipher = new TemplateCipher(TestKeyRings.directory(dir.resolve("template-keys")));
        QueryableStateCameraReader state = new QueryableStateCameraReader(config, () -> Optional.of(noJob), new StateSeal(cipher.keys()));
        AuditTrail audit = new AuditTrail(sink, new KafkaAuditReader(broker.adminConnection(), readTopic, TIMEOUT), verifier);
        return ApiServer.start(config, keys, state, cipher, audit);
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static HttpResponse<String> get(ApiServer api, String path, IssuedKey key) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path))
                .header("Authorization", "Bearer " + key.plaintext())
                .timeout(Duration.ofSeconds(60))
                .GET()
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }
}
