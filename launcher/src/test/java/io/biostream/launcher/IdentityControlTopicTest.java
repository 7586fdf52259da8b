package io.biostream.launcher;

import io.biostream.launcher.local.KafkaAccess;
import io.biostream.launcher.local.KafkaCredentials;
import io.biostream.operators.config.KafkaConnection;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.biostream.api.ApiConfig;
import io.biostream.api.ApiServer;
import io.biostream.api.audit.AuditTrail;
import io.biostream.api.audit.KafkaAuditReader;
import io.biostream.api.auth.ApiKeyStore;
import io.biostream.api.auth.IssuedKey;
import io.biostream.api.auth.Role;
import io.biostream.api.identity.IdentityServices;
import io.biostream.api.identity.SearchGallery;
import io.biostream.api.identity.VisionService;
import io.biostream.api.state.QueryableStateCameraReader;
import io.biostream.api.state.QueryableStateIdentityReader;
import io.biostream.launcher.local.EmbeddedKafkaBroker;
import io.biostream.operators.audit.AuditActions;
import io.biostream.operators.audit.AuditChain;
import io.biostream.operators.audit.AuditEntry;
import io.biostream.operators.audit.AuditLog;
import io.biostream.operators.audit.AuditSigningKeys;
import io.biostream.operators.audit.AuditVerifier;
import io.biostream.operators.config.Topics;
import io.biostream.operators.crypto.SubjectSeal;
import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.operators.crypto.TemplateErasedException;
import io.biostream.operators.crypto.TemplateKeyRing;
import io.biostream.operators.decode.DecodeLimits;
import io.biostream.operators.crypto.SignatureKeysets;
import io.biostream.operators.identity.ControlPublisher;
import io.biostream.operators.identity.TestControlSigning;
import io.biostream.operators.identity.ControlTopicFollower;
import io.biostream.operators.identity.Enrollments;
import io.biostream.operators.identity.FacePhotos;
import io.biostream.operators.identity.IdentityEvents;
import io.biostream.operators.identity.IdentityLedger;
import io.biostream.operators.identity.KafkaControlLog;
import io.biostream.operators.identity.IdentityConfig;
import io.biostream.operators.state.StateSeal;
import io.biostream.operators.vision.VisionConfig;
import io.biostream.schemas.AuditEvent;
import io.biostream.schemas.AuditOutcome;
import io.biostream.schemas.ControlEvent;
import io.biostream.schemas.ControlType;
import io.biostream.schemas.EncryptedTemplate;
import io.biostream.schemas.WireFormat;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.apache.flink.api.common.JobID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The identity routes on a real broker: every change the API makes is a control event on the
 * control topic (keys, ids, sealing as the job expects them), answered only once it is read back
 * into the API's ledger, and a fresh follower rebuilds the same state from the topic.
 */
class IdentityControlTopicTest {
    private static final Topics TOPICS = Topics.defaults();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String GONE_NAME = "Gwendolyn Ottoline Nesbitt";
    private static final String GONE_TEAM = "cryogenics-wing-4";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    static Path dir;
    static EmbeddedKafkaBroker broker;
    static TemplateCipher cipher;
    static KafkaControlLog control;
    static com.google.crypto.tink.KeysetHandle auditKeys;
    static IdentityServices identity;
    static AuditLog auditLog;
    static QueryableStateCameraReader cameraState;
    static QueryableStateIdentityReader identityState;
    static ApiServer api;
    static IssuedKey admin;
    static IssuedKey analyst;

    @BeforeAll
    static void start() throws Exception {
        broker = new EmbeddedKafkaBroker(dir.resolve("kafka"), 0).start();
        broker.createTopics(TOPICS.newTopics(1, 1 << 20));
        // The API's side authenticates as the API does, with only the ACLs local mode grants it.
        broker.grant(KafkaAccess.api(TOPICS));
        broker.grant(KafkaAccess.job(TOPICS, "biostream-pipeline", "biostream-pipeline"));
        KafkaConnection apiKafka = broker.connection(KafkaCredentials.API);
        // The API's key ring; the job opens its own on the same KEK and keys topic.
        cipher = new TemplateCipher(KafkaKeyRings.open(dir.resolve("keys"), apiKafka));
        var signingKeys = AuditSigningKeys.generate();
        auditKeys = signingKeys;
        auditLog = AuditLog.open(apiKafka, TOPICS.audit(), signingKeys, AuditChain.DEFAULT_CHECKPOINT_INTERVAL,
                TIMEOUT, dir.resolve("audit-head.properties"));
        control = KafkaControlLog.open(apiKafka, TOPICS.control(),
                new IdentityLedger(IdentityConfig.DEFAULTS.defaultSettings(VisionConfig.DEFAULTS)), auditLog, TIMEOUT,
                TestControlSigning.KEYS);

        ApiConfig config = ApiConfig.defaults().withPort(0).withMaxRequestBodyBytes(4L << 20)
                .withStateProxy("127.0.0.1", closedPort()).withStateTimings(Duration.ofSeconds(1), Duration.ZERO);
        JobID noJob = new JobID();
        cameraState = new QueryableStateCameraReader(config, () -> Optional.of(noJob), new StateSeal(cipher.keys()));
        identityState = new QueryableStateIdentityReader(config, () -> Optional.of(noJob), new StateSeal(cipher.keys()));
        identity = IdentityServices.create(control, cipher,
                VisionService.open(VisionConfig.DEFAULTS, DecodeLimits.DEFAULTS, Duration.ofSeconds(60)), identityState);

        AuditTrail audit = new AuditTrail(auditLog, new KafkaAuditReader(apiKafka, TOPICS.audit(), TIMEOUT),
                new AuditVerifier(AuditSigningKeys.verifier(AuditSigningKeys.publicKeyset(signingKeys)),
                        AuditChain.DEFAULT_CHECKPOINT_INTERVAL));
        ApiKeyStore keys = new ApiKeyStore();
        admin = keys.generate("registrar", EnumSet.of(Role.ADMIN), Set.of());
        analyst = keys.generate("investigator", EnumSet.of(Role.ANALYST), Set.of());
        api = ApiServer.start(config, keys, cameraState, cipher, audit, identity);
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {api, identity, control, auditLog, cameraState, identityState, broker}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    System.err.println("closing " + c + " failed: " + e);
                }
            }
        }
    }

    @Test
    void enrollmentGoesOutOnTheControlTopicAsTheJobExpectsAndIsSearchableAtOnce() throws Exception {
        assertThat(send("POST", "/api/v1/subjects", admin, "application/json", subjectJson("raj-k")).statusCode()).isEqualTo(201);
        String boundary = "b" + UUID.randomUUID().toString().replace("-", "");
        byte[] photos = multipart(boundary, FacePhotos.bbt("raj", 1), FacePhotos.bbt("raj", 10));
        HttpResponse<byte[]> enrolled = send("POST", "/api/v1/subjects/raj-k/images", admin,
                "multipart/form-data; boundary=" + boundary, photos);
        assertThat(enrolled.statusCode()).as(new String(enrolled.body(), StandardCharsets.UTF_8)).isEqualTo(201);

        // Read-your-writes: the 201 came after the events were read back, so search sees them now.
        JsonNode found = JSON.readTree(send("POST", "/api/v1/search?k=1", analyst, "image/png", FacePhotos.bbt("raj", 17)).body());
        assertThat(found.get("matches").get(0).get("subjectId").asText()).isEqualTo("raj-k");
        assertThat(found.get("matches").get(0).get("match").asBoolean()).isTrue();

        List<ConsumerRecord<String, byte[]>> records = readControlTopic(r -> "raj-k".equals(r.key()), 3);
        List<ControlEvent> events = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            events.add(WireFormat.decode(ControlEvent.class, r.value()));
        }
        assertThat(events).extracting(ControlEvent::getType).containsExactly(ControlType.SUBJECT_UPSERTED,
                ControlType.TEMPLATE_ENROLLED, ControlType.TEMPLATE_ENROLLED);
        assertThat(events).extracting(ControlEvent::getActor).containsOnly(admin.key().id());
        assertThat(events).extracting(e -> UUID.fromString(e.getEventId())).doesNotHaveDuplicates();
        assertThat(events.get(0).getSubject()).as("never in clear").isNull();
        try (TemplateKeyRing jobKeys = KafkaKeyRings.open(dir.resolve("keys"), broker.connection(KafkaCredentials.JOB))) {
            assertThat(SubjectSeal.open("raj-k", ControlType.SUBJECT_UPSERTED.name(), events.get(0).getSealedSubject(), jobKeys)
                    .getConsent().getLegalBasis()).isEqualTo("explicit-consent");
        }
        for (int n = 0; n < 2; n++) {
            ControlEvent e = events.get(n + 1);
            EncryptedTemplate template = e.getTemplate();
            assertThat(e.getSubjectId()).isEqualTo("raj-k");
            assertThat(template.getFaceId()).isEqualTo("enrollment/raj-k/" + n);
            assertThat(template.getAssociatedData().getCameraId()).isEqualTo("enrollment/raj-k");
            assertThat(template.getAssociatedData().getSequence()).isEqualTo(n);
            assertThat(template.getAssociatedData().getFaceIndex()).isZero();
            assertThat(template.getModel()).isEqualTo(identity.vision().modelId());
            // A ring of the job's (same KEK, same keys topic) opens it under the contract's associated data.
            try (TemplateKeyRing jobKeys = KafkaKeyRings.open(dir.resolve("keys"), broker.connection(KafkaCredentials.JOB))) {
                assertThat(new TemplateCipher(jobKeys).open(template, Enrollments.associatedData("raj-k", n))).hasSize(128);
            }
        }
    }

    @Test
    void erasureSettingsAndSessionsArePublishedUnderTheirKeysAndAFreshFollowerRebuildsTheLedger() throws Exception {
        assertThat(send("POST", "/api/v1/subjects", admin, "application/json", subjectJson("sheldon-k")).statusCode()).isEqualTo(201);
        assertThat(send("POST", "/api/v1/subjects", admin, "application/json", subjectJson("gone-k", GONE_NAME, GONE_TEAM))
                .statusCode()).isEqualTo(201);
        assertThat(send("POST", "/api/v1/subjects/sheldon-k/images", admin, "image/png", FacePhotos.bbt("sheldon", 11))
                .statusCode()).isEqualTo(201);
        assertThat(send("DELETE", "/api/v1/subjects/gone-k", admin, null, null).statusCode()).isEqualTo(200);
        long version = identity.commands().ledger().settings().getVersion();
        HttpResponse<byte[]> put = send("PUT", "/api/v1/config", admin, "application/json",
                "{\"threshold\": 0.55, \"cameras\": {\"door-1\": {\"minFaceSize\": 80}}}".getBytes(StandardCharsets.UTF_8));
        assertThat(put.statusCode()).isEqualTo(200);
        JsonNode session = JSON.readTree(send("POST", "/api/v1/sessions", admin, "application/json",
                "{\"cameras\": [\"door-1\"], \"purpose\": \"enroll\"}".getBytes(StandardCharsets.UTF_8)).body());
        String sessionId = session.get("sessionId").asText();
        assertThat(send("POST", "/api/v1/sessions/" + sessionId + "/end", admin, "application/json", new byte[0]).statusCode())
                .isEqualTo(200);

        List<ConsumerRecord<String, byte[]>> goneRecords = readControlTopic(r -> "gone-k".equals(r.key()), 2);
        ControlEvent erased = only(goneRecords, ControlType.SUBJECT_ERASED);
        assertThat(erased.getSubjectId()).isEqualTo("gone-k");
        // The raw topic after the erasure: neither the name nor the attributes in any record, and
        // the sealed subject no longer opens, for a fresh reader of the keys topic either.
        for (ConsumerRecord<String, byte[]> r : goneRecords) {
            assertThat(new String(r.value(), StandardCharsets.ISO_8859_1)).doesNotContain(GONE_NAME).doesNotContain(GONE_TEAM);
        }
        ControlEvent upserted = only(goneRecords, ControlType.SUBJECT_UPSERTED);
        try (TemplateKeyRing freshKeys = KafkaKeyRings.open(dir.resolve("keys"), broker.connection(KafkaCredentials.JOB))) {
            assertThatThrownBy(() -> SubjectSeal.open("gone-k", ControlType.SUBJECT_UPSERTED.name(), upserted.getSealedSubject(),
                    freshKeys)).isInstanceOf(TemplateErasedException.class);
        }
        // The upsert replayed, correctly signed, after the erasure: skipped and counted, the subject stays gone.
        long skipped = identity.commands().ledger().refusedForErasedSubjects();
        new ControlPublisher(auditLog, TOPICS.control(), SignatureKeysets.signer(TestControlSigning.KEYS)).publish(
                AuditEntry.of("test", AuditActions.SUBJECT_CREATE, "gone-k", AuditOutcome.SUCCESS, null),
                List.of(new IdentityEvents.Keyed("gone-k", upserted)));
        // Read-your-writes: once this answers, the API's ledger has read the replay before it.
        assertThat(send("POST", "/api/v1/subjects", admin, "application/json", subjectJson("after-replay-k")).statusCode())
                .isEqualTo(201);
        assertThat(identity.commands().ledger().refusedForErasedSubjects()).isEqualTo(skipped + 1);
        assertThat(send("GET", "/api/v1/subjects/gone-k", analyst, null, null).statusCode()).isEqualTo(404);
        ControlEvent settings = only(readControlTopic(r -> IdentityEvents.SETTINGS_KEY.equals(r.key()), 1), ControlType.SETTINGS_CHANGED);
        assertThat(settings.getSettings().getVersion()).isEqualTo(version + 1);
        assertThat(settings.getSettings().getThreshold()).isEqualTo(0.55f);
        List<ConsumerRecord<String, byte[]>> sessionRecords = readControlTopic(r -> sessionId.equals(r.key()), 2);
        assertThat(decode(sessionRecords)).extracting(ControlEvent::getType)
                .containsExactly(ControlType.SESSION_STARTED, ControlType.SESSION_ENDED);

        // A restart: a new ledger replays the topic from the beginning to the same state.
        IdentityLedger replayed = new IdentityLedger(IdentityConfig.DEFAULTS.defaultSettings(VisionConfig.DEFAULTS));
        try (ControlTopicFollower follower = new ControlTopicFollower(broker.adminConnection(), TOPICS.control(), replayed,
                SignatureKeysets.verifier(TestControlSigning.KEYS)).start();
             SearchGallery gallery = SearchGallery.following(replayed, cipher, identity.vision().modelId())) {
            assertThat(follower.awaitReplay(TIMEOUT)).isTrue();
            IdentityLedger live = identity.commands().ledger();
            assertThat(replayed.subject("gone-k")).isEmpty();
            assertThat(replayed.isErased("gone-k")).isTrue();
            assertThat(replayed.subject("sheldon-k").orElseThrow().templates()).hasSize(1);
            assertThat(replayed.subjects(0, 500).subjects()).extracting(IdentityLedger.SubjectEntry::subjectId)
                    .containsExactlyElementsOf(live.subjects(0, 500).subjects().stream().map(IdentityLedger.SubjectEntry::subjectId).toList());
            assertThat(replayed.settings()).isEqualTo(live.settings());
            assertThat(replayed.session(sessionId).orElseThrow().ended()).isTrue();
            assertThat(gallery.size()).isEqualTo(identity.gallery().size());
        }

        List<AuditEvent> trail = new ArrayList<>();
        new KafkaAuditReader(broker.adminConnection(), TOPICS.audit(), TIMEOUT).readAll(stored -> {
            try {
                trail.add(stored.decode());
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
            return true;
        });
        assertThat(trail).extracting(AuditEvent::getAction).contains(AuditActions.SUBJECT_ERASE, AuditActions.CONFIG_CHANGE,
                AuditActions.SESSION_START, AuditActions.SESSION_END, AuditActions.SUBJECT_ENROLL);
    }

    /**
     * Finding 4: a change used to be published before its audit event was written, so an audit
     * outage left it in force, unaudited, behind a 503. Now both go out in one transaction: the
     * broker refusing the audit event (the audit topic's size limit, lowered here) aborts the
     * change too, for the API's ledger and for any read_committed reader (the job, a restart).
     */
    @Test
    void aChangeWhoseAuditEventIsRefusedIsNotInForceAnywhereAndSucceedsOnceTheTrailIsBack() throws Exception {
        // Room for a transaction marker (about 80 bytes), not for an audit event (over 200).
        auditTopicMaxMessageBytes("150");
        try {
            HttpResponse<byte[]> refused = send("POST", "/api/v1/subjects", admin, "application/json", subjectJson("unaudited-k"));
            assertThat(refused.statusCode()).as(new String(refused.body(), StandardCharsets.UTF_8)).isEqualTo(503);
            assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(JSON.readTree(refused.body()).get("error").asText()).isEqualTo("audit_unavailable");
            assertThat(identity.commands().ledger().subject("unaudited-k")).isEmpty();
        } finally {
            auditTopicMaxMessageBytes(null);
        }
        IdentityLedger replayed = new IdentityLedger(IdentityConfig.DEFAULTS.defaultSettings(VisionConfig.DEFAULTS));
        try (ControlTopicFollower follower = new ControlTopicFollower(broker.adminConnection(), TOPICS.control(), replayed,
                SignatureKeysets.verifier(TestControlSigning.KEYS)).start()) {
            assertThat(follower.awaitReplay(TIMEOUT)).isTrue();
            assertThat(replayed.subject("unaudited-k")).as("not in the control topic for a read_committed reader").isEmpty();
        }

        assertThat(send("POST", "/api/v1/subjects", admin, "application/json", subjectJson("unaudited-k")).statusCode())
                .isEqualTo(201);
        assertThat(decode(readControlTopic(r -> "unaudited-k".equals(r.key()), 1))).extracting(ControlEvent::getType)
                .containsExactly(ControlType.SUBJECT_UPSERTED);
        List<AuditEvent> created = new ArrayList<>();
        AuditVerifier.Run run = new AuditVerifier(AuditSigningKeys.verifier(auditKeys), AuditChain.DEFAULT_CHECKPOINT_INTERVAL).start();
        new KafkaAuditReader(broker.adminConnection(), TOPICS.audit(), TIMEOUT).readAll(stored -> {
            run.addStored(stored);
            try {
                AuditEvent event = stored.decode();
                if (AuditActions.SUBJECT_CREATE.equals(event.getAction()) && "unaudited-k".equals(event.getSubject())) {
                    created.add(event);
                }
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
            return true;
        });
        assertThat(created).as("one audit event: the committed change's").singleElement()
                .satisfies(e -> assertThat(e.getActor()).isEqualTo(admin.key().id()));
        assertThat(run.finish().ok()).isTrue();
    }

    private static void auditTopicMaxMessageBytes(String value) throws Exception {
        topicMaxMessageBytes(broker, TOPICS.audit(), value);
    }

    /**
     * Sets (or, with null, removes) a topic's max.message.bytes on the broker: at 150 bytes the
     * audit topic refuses every audit event but still takes transaction markers (about 80 bytes).
     */
    static void topicMaxMessageBytes(EmbeddedKafkaBroker broker, String name, String value) throws Exception {
        try (Admin kafka = Admin.create(broker.adminConfig())) {
            ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, name);
            AlterConfigOp op = value == null
                    ? new AlterConfigOp(new ConfigEntry("max.message.bytes", ""), AlterConfigOp.OpType.DELETE)
                    : new AlterConfigOp(new ConfigEntry("max.message.bytes", value), AlterConfigOp.OpType.SET);
            kafka.incrementalAlterConfigs(Map.of(topic, List.of(op))).all().get(30, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    @Test
    void theFollowerSkipsRecordsThatAreNotSignedControlEventsAndWaitsForOffsetsInOrder() throws Exception {
        assertThat(send("POST", "/api/v1/subjects", admin, "application/json", subjectJson("after-junk")).statusCode()).isEqualTo(201);
        long refusedBefore = identity.commands().ledger().refusedRecords();
        Map<String, Object> props = broker.adminConnection().clientConfig(Map.of(ProducerConfig.ACKS_CONFIG, "all"));
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(TOPICS.control(), "junk", "not avro".getBytes(StandardCharsets.UTF_8))).get(30, java.util.concurrent.TimeUnit.SECONDS);
            // A well-formed erasure from a plain producer (finding 1 of the hardening issue): no signature, no effect.
            IdentityEvents.Keyed forged = new IdentityEvents(Clock.systemUTC()).subjectErased("intruder", "after-junk");
            producer.send(new ProducerRecord<>(TOPICS.control(), forged.key(), WireFormat.encode(forged.event()))).get(30, java.util.concurrent.TimeUnit.SECONDS);
        }
        // The API still writes and reads back after the bad records, and the forged erasure changed nothing.
        assertThat(send("POST", "/api/v1/subjects", admin, "application/json", subjectJson("after-forgery")).statusCode()).isEqualTo(201);
        assertThat(identity.commands().ledger().subject("after-forgery")).isPresent();
        assertThat(identity.commands().ledger().subject("after-junk")).isPresent();
        assertThat(identity.commands().ledger().refusedRecords() - refusedBefore).isEqualTo(2);

        IdentityLedger ledger = new IdentityLedger(IdentityConfig.DEFAULTS.defaultSettings(VisionConfig.DEFAULTS));
        IdentityEvents events = new IdentityEvents(Clock.systemUTC());
        ControlPublisher publisher = new ControlPublisher(auditLog, TOPICS.control(), SignatureKeysets.signer(TestControlSigning.KEYS));
        try (ControlTopicFollower follower = new ControlTopicFollower(broker.adminConnection(), TOPICS.control(), ledger,
                SignatureKeysets.verifier(TestControlSigning.KEYS)).start()) {
            IdentityEvents.Keyed first = events.subjectErased("test", "nobody-1");
            IdentityEvents.Keyed second = events.subjectErased("test", "nobody-2");
            long a = publisher.publish(erasure("nobody-1"), List.of(first));
            long b = publisher.publish(erasure("nobody-2"), List.of(second));
            assertThat(b).as("each in its own transaction, after its commit marker").isEqualTo(a + 2);
            assertThat(follower.awaitOffset(b, TIMEOUT)).isTrue();
            assertThat(follower.position()).isGreaterThan(b);
            assertThat(follower.awaitOffset(b + 1000, Duration.ofMillis(300))).isFalse();
            assertThat(ledger.subject("after-junk")).isPresent();
        }
    }

    private static AuditEntry erasure(String subjectId) {
        return AuditEntry.of("test", AuditActions.SUBJECT_ERASE, subjectId, AuditOutcome.SUCCESS, null);
    }

    private static ControlEvent only(List<ConsumerRecord<String, byte[]>> records, ControlType type) throws Exception {
        List<ControlEvent> ofType = decode(records).stream().filter(e -> e.getType() == type).toList();
        assertThat(ofType).hasSize(1);
        return ofType.get(0);
    }

    private static List<ControlEvent> decode(List<ConsumerRecord<String, byte[]>> records) throws Exception {
        List<ControlEvent> events = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            events.add(WireFormat.decode(ControlEvent.class, r.value()));
        }
        return events;
    }

    /** The control topic's records matching {@code wanted}, read_committed from the start, until {@code count} are found. */
    private static List<ConsumerRecord<String, byte[]>> readControlTopic(java.util.function.Predicate<ConsumerRecord<String, byte[]>> wanted,
                                                                        int count) {
        Map<String, Object> props = broker.adminConnection().clientConfig(Map.of(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false));
        List<ConsumerRecord<String, byte[]>> found = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            TopicPartition partition = new TopicPartition(TOPICS.control(), 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (found.size() < count && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> {
                    if (wanted.test(r)) {
                        found.add(r);
                    }
                });
            }
        }
        return found;
    }

    private static byte[] subjectJson(String id, String displayName, String team) {
        return ("{\"id\": \"" + id + "\", \"displayName\": \"" + displayName + "\", \"attributes\": {\"team\": \"" + team
                + "\"}, \"consent\": {\"legalBasis\": \"explicit-consent\", \"purpose\": \"building access\"}}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] subjectJson(String id) {
        return ("{\"id\": \"" + id + "\", \"displayName\": \"" + id + "\", \"consent\": {\"legalBasis\": \"explicit-consent\","
                + " \"purpose\": \"building access\"}}").getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] multipart(String boundary, byte[]... images) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < images.length; i++) {
            out.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; filename=\"p" + i
                    + ".png\"\r\nContent-Type: image/png\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            out.writeBytes(images[i]);
            out.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        out.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    private static HttpResponse<byte[]> send(String method, String path, IssuedKey key, String contentType, byte[] body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path))
                .timeout(Duration.ofSeconds(120))
                .header("Authorization", "Bearer " + key.plaintext())
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static int closedPort() throws java.io.IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
