package io.biostream.launcher;

import io.biostream.api.ApiConfig;
import io.biostream.api.ApiServer;
import io.biostream.api.OpenApiConformance;
import io.biostream.api.audit.AuditTrail;
import io.biostream.api.audit.KafkaAuditReader;
import io.biostream.api.auth.ApiKeyStore;
import io.biostream.api.auth.Permission;
import io.biostream.api.auth.Role;
import io.biostream.api.identity.IdentityServices;
import io.biostream.api.identity.VisionService;
import io.biostream.api.state.QueryableStateCameraReader;
import io.biostream.api.state.QueryableStateIdentityReader;
import io.biostream.jobs.PipelineJob;
import io.biostream.launcher.local.EmbeddedKafkaBroker;
import io.biostream.launcher.local.FramePublisher;
import io.biostream.launcher.local.KafkaAccess;
import io.biostream.launcher.local.KafkaCredentials;
import io.biostream.operators.config.KafkaConnection;
import io.biostream.launcher.local.LocalFlinkCluster;
import io.biostream.operators.audit.AuditChain;
import io.biostream.operators.audit.AuditLog;
import io.biostream.operators.audit.AuditSigningKeys;
import io.biostream.operators.audit.AuditVerifier;
import io.biostream.operators.config.Settings;
import io.biostream.operators.config.Topics;
import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.operators.crypto.LocalKeyFiles;
import io.biostream.operators.identity.IdentityLedger;
import io.biostream.operators.identity.KafkaControlLog;
import io.biostream.operators.functions.PipelineConfig;
import io.biostream.operators.state.StateSeal;
import io.biostream.operators.vision.VisionConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.apache.flink.api.common.JobID;
import com.google.crypto.tink.KeysetHandle;
import io.biostream.operators.crypto.CryptoConfig;
import io.biostream.operators.crypto.SignatureKeysets;
import io.biostream.operators.identity.ControlSignatures;
import io.biostream.operators.identity.ControlSigningKeys;
import io.biostream.operators.crypto.CameraAuthConfig;
import io.biostream.operators.crypto.CameraMaster;
import io.biostream.operators.crypto.KeyEncryptionKey;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The real parts an integration test runs on: a KRaft broker, a Flink MiniCluster with RocksDB and
 * queryable state, the pipeline job submitted over REST, and the API over HTTP, all on 127.0.0.1.
 */
final class PipelineCluster implements AutoCloseable {
    static final Path CONF_DIR = Path.of(System.getProperty("user.dir")).resolve("../flink-conf").normalize();
    /** Smaller than the topic's limit, so the job itself must refuse oversized frames. */
    static final int MAX_FRAME_BYTES = 3 * 1024 * 1024;

    final Path dir;
    /** Replaced by {@link #restartBroker}: read it anew after a restart. */
    EmbeddedKafkaBroker broker;
    final LocalFlinkCluster flink;
    final Map<String, String> keySettings;
    final TemplateCipher cipher;
    final Topics topics = Topics.defaults();
    private static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    /** Writes the unsigned markers of {@link #awaitControlApplied()} (they end as dead letters, as anything unsigned does). */
    private FramePublisher controlMarkers;

    PipelineCluster(Path dir) throws Exception {
        this(dir, Map.of());
    }

    /** @param flinkSettings Flink settings on top of the test defaults (RocksDB in dir/rocksdb, 1 s checkpoints) */
    PipelineCluster(Path dir, Map<String, String> flinkSettings) throws Exception {
        this.dir = dir;
        this.broker = startBroker(0);
        closeables.add(broker);
        broker.createTopics(topics.newTopics(2, 4 * MAX_FRAME_BYTES));
        Map<String, String> keys = new HashMap<>(LocalKeyFiles.prepare(dir.resolve("keys")));
        KeyEncryptionKey kek = CryptoConfig.from(Settings.of(keys), broker.bootstrapServers(), topics.keys()).kek();
        keys.putAll(ControlSigningKeys.prepare(dir.resolve("keys"), kek));
        keys.putAll(CameraMaster.prepare(dir.resolve("keys"), kek));
        this.keySettings = Map.copyOf(keys);
        // The job and the API authenticate as their own principals, with only the ACLs local mode gives them.
        broker.grant(KafkaAccess.job(pipelineConfig(Map.of())));
        broker.grant(KafkaAccess.api(topics));
        this.cipher = new TemplateCipher(pipelineConfig(Map.of()).crypto().openKeyRing());
        closeables.add(0, cipher.keys());
        LocalFlinkCluster.Builder builder = LocalFlinkCluster.builder(CONF_DIR, dir.resolve("flink"))
                .rocksDbLocalDir(dir.resolve("rocksdb"))
                .set("execution.checkpointing.interval", "1s")
                .set("taskmanager.numberOfTaskSlots", "4")
                .set("parallelism.default", "1");
        flinkSettings.forEach(builder::set);
        this.flink = builder.start();
        closeables.add(0, flink);
    }

    private EmbeddedKafkaBroker startBroker(int port) {
        return new EmbeddedKafkaBroker(dir.resolve("kafka"), port).start();
    }

    /**
     * Stops the broker (its clients, the job's among them, lose it), keeps it down for {@code down},
     * and starts it again on the same port and data directory: what the clients see of a broker
     * restart. Returns how long the broker was unreachable.
     */
    Duration restartBroker(Duration down) throws InterruptedException {
        int port = broker.port();
        int at = closeables.indexOf(broker);
        long stopping = System.nanoTime();
        broker.close();
        Thread.sleep(down.toMillis()); // the outage itself, not a wait for a condition
        broker = startBroker(port);
        closeables.set(at, broker);
        return Duration.ofNanos(System.nanoTime() - stopping);
    }

    PipelineConfig pipelineConfig(Map<String, String> overrides) {
        Map<String, String> values = new HashMap<>(keySettings);
        values.putAll(broker.connection(KafkaCredentials.JOB).settings());
        values.put("biostream.decode.max-frame-bytes", Integer.toString(MAX_FRAME_BYTES));
        values.put("biostream.vision.warmup", "0"); // the tests time nothing; VisionWarmupTest covers the warm-up
        values.putAll(overrides);
        return PipelineConfig.from(Settings.of(values));
    }

    JobClient submit(PipelineConfig config, Optional<String> restoreFrom) throws Exception {
        StreamExecutionEnvironment env = restoreFrom.map(flink::executionEnvironment).orElseGet(flink::executionEnvironment);
        PipelineJob job = new PipelineJob(config);
        job.build(env, job.kafkaSource(), job.controlSource(), job.kafkaSink());
        return env.executeAsync(PipelineJob.NAME);
    }

    /** The API without identity services (its identity routes answer 503). */
    ApiServer startApi(ApiKeyStore keys, JobID job) throws Exception {
        return startApi(keys, job, false, Map.of());
    }

    /**
     * The API with identity services as local mode wires them: the ledger follows the control
     * topic, the API's own face pipeline, the job's identity states.
     *
     * @param settings the deployment's settings (biostream.identity.*, biostream.vision.*)
     */
    ApiServer startIdentityApi(ApiKeyStore keys, JobID job, Map<String, String> settings) throws Exception {
        return startApi(keys, job, true, settings);
    }

    private ApiServer startApi(ApiKeyStore keys, JobID job, boolean withIdentity, Map<String, String> settings)
            throws Exception {
        ApiConfig config = apiConfig();
        QueryableStateCameraReader reader = new QueryableStateCameraReader(config, () -> Optional.of(job), new StateSeal(cipher.keys()));
        var signingKeys = AuditSigningKeys.readOrCreate(dir.resolve("keys/audit-signing.json"));
        AuditLog auditLog = AuditLog.open(apiKafka(), topics.audit(), signingKeys,
                AuditChain.DEFAULT_CHECKPOINT_INTERVAL, Duration.ofSeconds(10), dir.resolve("keys/audit-head.properties"));
        closeables.add(0, auditLog);
        AuditTrail audit = new AuditTrail(auditLog,
                new KafkaAuditReader(apiKafka(), topics.audit(), Duration.ofSeconds(30)),
                new AuditVerifier(AuditSigningKeys.verifier(signingKeys), AuditChain.DEFAULT_CHECKPOINT_INTERVAL));
        IdentityServices identity = null;
        if (withIdentity) {
            Settings deployment = Settings.of(settings);
            KafkaControlLog control = KafkaControlLog.open(apiKafka(), topics.control(),
                    new IdentityLedger(pipelineConfig(settings).defaultMatchSettings()), auditLog, Duration.ofSeconds(10),
                    controlSigningKeys());
            closeables.add(0, control);
            QueryableStateIdentityReader identityState = new QueryableStateIdentityReader(config, () -> Optional.of(job), new StateSeal(cipher.keys()));
            closeables.add(0, identityState);
            identity = IdentityServices.create(control, cipher, VisionService.open(VisionConfig.from(deployment),
                    pipelineConfig(settings).decodeLimits(), Duration.ofSeconds(60)), identityState);
            closeables.add(0, identity);
            control.awaitReplay(Duration.ofSeconds(30));
        }
        ApiServer api = ApiServer.start(config, keys, reader, cipher, audit, identity);
        closeables.add(0, api);
        closeables.add(1, reader);
        return api;
    }

    private ApiConfig apiConfig() {
        return ApiConfig.defaults().withPort(0)
                .withStateProxy("127.0.0.1", flink.queryableStateProxyPort())
                .withStateTimings(Duration.ofSeconds(5), Duration.ofSeconds(10));
    }

    /**
     * The job's camera states as they are, read through the queryable-state proxy like the API
     * reads them, without the API's own filtering; {@code job} is looked up on each read.
     */
    QueryableStateCameraReader cameraStates(java.util.function.Supplier<JobID> job) {
        QueryableStateCameraReader reader = new QueryableStateCameraReader(apiConfig(), () -> Optional.of(job.get()), new StateSeal(cipher.keys()));
        closeables.add(0, reader);
        return reader;
    }

    /**
     * One HTTP request to the API with a bearer key; the body is sent with the given content type.
     * The answer is checked against the API's OpenAPI document.
     */
    static java.net.http.HttpResponse<String> send(ApiServer api, String method, String path, String key, String type, byte[] body)
            throws Exception {
        java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create("http://127.0.0.1:" + api.port() + path))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + key)
                .header("Content-Type", type)
                .method(method, java.net.http.HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        java.net.http.HttpResponse<String> response = HTTP.send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
        OpenApiConformance.check(request, response);
        return response;
    }

    static ApiKeyStore keys(Map<String, String> issued) {
        ApiKeyStore keys = new ApiKeyStore();
        issued.put("analyst+descriptors", keys.generate("reader", EnumSet.of(Role.ANALYST), EnumSet.of(Permission.DESCRIPTORS)).plaintext());
        issued.put("analyst", keys.generate("analyst", EnumSet.of(Role.ANALYST), EnumSet.noneOf(Permission.class)).plaintext());
        issued.put("auditor", keys.generate("auditor", EnumSet.of(Role.AUDITOR), EnumSet.noneOf(Permission.class)).plaintext());
        return keys;
    }

    /** The control signing keyset the job's verification keys belong to (as the API holds it). */
    KeysetHandle controlSigningKeys() throws Exception {
        return SignatureKeysets.readSealed(dir.resolve("keys").resolve(ControlSigningKeys.SIGNING_FILE),
                pipelineConfig(Map.of()).crypto().kek(), ControlSignatures.KEYSET_PURPOSE);
    }

    /** How the API reaches the broker: its own principal, with local mode's ACLs. */
    KafkaConnection apiKafka() {
        return broker.connection(KafkaCredentials.API);
    }

    /** Writes control events signed as the API signs them. */
    SignedControlWriter controlWriter() throws Exception {
        SignedControlWriter writer = new SignedControlWriter(broker.adminConnection(), topics.control(),
                SignatureKeysets.signer(controlSigningKeys()));
        closeables.add(0, writer);
        return writer;
    }

    /** A publisher that signs every record as the camera it is keyed by (each camera's key derived from the master). */
    FramePublisher publisher(String topic) throws Exception {
        FramePublisher publisher = new FramePublisher(broker.adminConnection(), topic, 16 * 1024 * 1024,
                cameraMaster().signerForAnyCamera());
        closeables.add(0, publisher);
        return publisher;
    }

    /** The camera master the job authenticates frames with. */
    CameraMaster cameraMaster() throws Exception {
        return cameraMaster(keySettings);
    }

    /** The camera master named by a deployment's settings ({@link CameraAuthConfig#MASTER_FILE}, under its KEK). */
    static CameraMaster cameraMaster(Map<String, String> settings) throws Exception {
        return CameraMaster.read(Path.of(settings.get(CameraAuthConfig.MASTER_FILE)),
                CryptoConfig.from(Settings.of(settings), "127.0.0.1:1", "unused").kek());
    }

    /** Reads a topic from the start with read_committed until {@code done} holds or the timeout passes. */
    List<ConsumerRecord<byte[], byte[]>> readCommitted(String topic, Duration timeout,
            Predicate<List<ConsumerRecord<byte[], byte[]>>> done) {
        return readCommitted(broker.adminConnection(), topic, timeout, done);
    }

    /** {@link #readCommitted(String, Duration, Predicate)} on any broker (a cluster's broker process). */
    static List<ConsumerRecord<byte[], byte[]>> readCommitted(KafkaConnection kafka, String topic, Duration timeout,
            Predicate<List<ConsumerRecord<byte[], byte[]>>> done) {
        Map<String, Object> props = new HashMap<>(kafka.clientConfig());
        props.putAll(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 * 1024 * 1024));
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline && !done.test(records)) {
                consumer.poll(Duration.ofMillis(500)).forEach(records::add);
            }
        }
        return records;
    }

    /**
     * Every record of the topic committed so far: read with read_committed to the end of each
     * partition as it is now (for read_committed, the last stable offset), so that a record missing
     * here was not written by a transaction committed before the call; fails after {@code timeout}.
     */
    List<ConsumerRecord<byte[], byte[]>> readCommittedToEnd(String topic, Duration timeout) {
        return readCommittedToEnd(broker.adminConnection(), topic, timeout);
    }

    /** {@link #readCommittedToEnd(String, Duration)} on any broker (a cluster's broker process). */
    static List<ConsumerRecord<byte[], byte[]>> readCommittedToEnd(KafkaConnection kafka, String topic, Duration timeout) {
        Map<String, Object> props = new HashMap<>(kafka.clientConfig());
        props.putAll(Map.of(
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 * 1024 * 1024));
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p, timeout) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(topic + " not read to its end " + end + " within " + timeout);
                }
                consumer.poll(Duration.ofMillis(500)).forEach(records::add);
            }
        }
        return records;
    }

    /**
     * Waits until every control event published so far has been applied: a marker that is not a
     * ControlEvent goes last, and its dead letter commits only with a checkpoint, whose barrier
     * follows the events through the analysis and the state functions.
     */
    void awaitControlApplied() throws Exception {
        if (controlMarkers == null) {
            controlMarkers = publisher(topics.control());
        }
        FramePublisher control = controlMarkers;
        String marker = "marker-" + java.util.UUID.randomUUID();
        control.publishRaw(marker, marker.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Duration wait = Duration.ofSeconds(120);
        List<io.biostream.schemas.DeadLetter> letters = new ArrayList<>();
        readCommitted(topics.dlq(), wait, records -> {
            letters.clear();
            records.forEach(r -> letters.add(PipelineIntegrationTest.decodeDeadLetter(r)));
            return letters.stream().anyMatch(l -> l.getTopic().equals(topics.control()) && marker.equals(text(l)));
        });
        if (letters.stream().noneMatch(l -> marker.equals(text(l)))) {
            throw new AssertionError("control marker " + marker + " was not applied within " + wait);
        }
    }

    private static String text(io.biostream.schemas.DeadLetter letter) {
        java.nio.ByteBuffer view = letter.getOriginalBytes().duplicate();
        byte[] out = new byte[view.remaining()];
        view.get(out);
        return new String(out, java.nio.charset.StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception e) {
                System.err.println("closing " + c + " failed: " + e);
            }
        }
    }

    /** How many records there are of each id (a frame, a face): exactly-once checks compare these maps. */
    static <T> Map<String, Integer> countBy(List<T> records, java.util.function.Function<T, String> id) {
        Map<String, Integer> counts = new java.util.TreeMap<>();
        records.forEach(r -> counts.merge(id.apply(r), 1, Integer::sum));
        return counts;
    }

    static int total(Map<String, Integer> counts) {
        return counts.values().stream().mapToInt(Integer::intValue).sum();
    }


    /** The job RUNNING, its exception history empty and its numRestarts 0: nothing ever failed it. */
    void assertJobNeverFailed(org.apache.flink.api.common.JobID id) throws Exception {
        org.assertj.core.api.Assertions.assertThat(flink.jobStatus(id)).isEqualTo(org.apache.flink.api.common.JobStatus.RUNNING);
        com.fasterxml.jackson.databind.JsonNode exceptions = flinkRest("/jobs/" + id + "/exceptions");
        org.assertj.core.api.Assertions.assertThat(exceptions.path("exceptionHistory").path("entries"))
                .as("job exception history: %s", exceptions).isEmpty();
        // The REST metric store fills in asynchronously, so the metric is polled.
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        com.fasterxml.jackson.databind.JsonNode metric = flinkRest("/jobs/" + id + "/metrics?get=numRestarts");
        while (metric.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(500);
            metric = flinkRest("/jobs/" + id + "/metrics?get=numRestarts");
        }
        org.assertj.core.api.Assertions.assertThat(metric).as("numRestarts metric of job %s", id).isNotEmpty();
        org.assertj.core.api.Assertions.assertThat(metric.get(0).get("value").asText()).as("job restarts").isEqualTo("0");
    }

    /** GET on the MiniCluster's REST API, 200 expected. */
    com.fasterxml.jackson.databind.JsonNode flinkRest(String path) throws Exception {
        java.net.http.HttpResponse<String> response = HTTP.send(java.net.http.HttpRequest.newBuilder(flink.restUrl().resolve(path))
                .timeout(Duration.ofSeconds(10)).GET().build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        org.assertj.core.api.Assertions.assertThat(response.statusCode()).as("GET %s: %s", path, response.body()).isEqualTo(200);
        return new com.fasterxml.jackson.databind.ObjectMapper().readTree(response.body());
    }
}
