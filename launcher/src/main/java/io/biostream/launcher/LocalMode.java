package io.biostream.launcher;

import io.biostream.api.ApiConfig;
import io.biostream.api.ApiServer;
import io.biostream.api.audit.AuditTrail;
import io.biostream.api.audit.KafkaAuditReader;
import io.biostream.api.auth.ApiKeyStore;
import io.biostream.api.auth.Role;
import io.biostream.api.identity.IdentityServices;
import io.biostream.api.identity.VisionService;
import io.biostream.api.state.QueryableStateCameraReader;
import io.biostream.api.state.QueryableStateIdentityReader;
import io.biostream.jobs.PipelineJob;
import io.biostream.launcher.local.DemoCamera;
import io.biostream.launcher.local.EmbeddedKafkaBroker;
import io.biostream.launcher.local.FramePublisher;
import io.biostream.launcher.local.LocalCredentials;
import io.biostream.launcher.local.LocalFlinkCluster;
import io.biostream.launcher.local.PortCheck;
import io.biostream.launcher.local.RetainedCheckpoints;
import io.biostream.operators.audit.AuditChain;
import io.biostream.operators.audit.AuditLog;
import io.biostream.operators.audit.AuditSigningKeys;
import io.biostream.operators.audit.AuditVerifier;
import io.biostream.operators.config.Topics;
import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.operators.crypto.SecretFiles;
import io.biostream.operators.crypto.CryptoConfig;
import io.biostream.operators.crypto.LocalKeyFiles;
import io.biostream.operators.crypto.TemplateKeyRing;
import java.security.GeneralSecurityException;
import java.util.HashMap;
import io.biostream.operators.identity.IdentityLedger;
import io.biostream.operators.identity.KafkaControlLog;
import io.biostream.operators.functions.PipelineConfig;
import com.google.crypto.tink.KeysetHandle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * biostream on one machine: a KRaft Kafka broker, a Flink MiniCluster with web UI and queryable
 * state, the pipeline job, the API, and optionally the demo camera; all on 127.0.0.1, all data
 * under one directory (./var) so a second start resumes where the first stopped.
 */
public final class LocalMode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalMode.class);
    /** Setting: a signed audit checkpoint at least every this many events. */
    static final String AUDIT_CHECKPOINT_INTERVAL = "biostream.audit.checkpoint-interval";
    private static final Duration AUDIT_WRITE_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration AUDIT_READ_TIMEOUT = Duration.ofSeconds(60);
    /** How long a control event may take to be acknowledged, and then to come back through the follower. */
    private static final Duration CONTROL_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration CONTROL_REPLAY_TIMEOUT = Duration.ofSeconds(60);

    private final LocalOptions options;
    private EmbeddedKafkaBroker broker;
    private LocalFlinkCluster cluster;
    private JobClient job;
    private ApiServer api;
    private AuditLog auditLog;
    private QueryableStateCameraReader stateReader;
    private QueryableStateIdentityReader identityStateReader;
    private KafkaControlLog controlLog;
    private TemplateKeyRing keyRing;
    private IdentityServices identity;
    private FramePublisher demoPublisher;
    private DemoCamera demoCamera;
    private Optional<LocalCredentials> issuedCredentials = Optional.empty();
    private Optional<Path> restoredFrom = Optional.empty();

    private LocalMode(LocalOptions options) {
        this.options = options;
    }

    public static LocalMode start(LocalOptions options) throws Exception {
        LocalMode local = new LocalMode(options);
        try {
            local.startAll();
            return local;
        } catch (Exception | Error e) {
            local.close();
            throw e;
        }
    }

    private void startAll() throws Exception {
        PortCheck.requireFree(options.listeners());
        Path var = Files.createDirectories(options.varDir());
        Topics topics = Topics.from(options.settings());
        broker = new EmbeddedKafkaBroker(var.resolve("kafka"), options.kafkaPort()).start();
        Map<String, String> local = new HashMap<>(localKeySettings(var.resolve("keys")));
        local.put("biostream.kafka.bootstrap-servers", broker.bootstrapServers());
        PipelineConfig pipeline = PipelineConfig.from(options.settings().with(local));
        broker.createTopics(topics.newTopics(Topics.DEFAULT_STREAM_PARTITIONS,
                Math.toIntExact(pipeline.decodeLimits().maxFrameBytes())));

        keyRing = pipeline.crypto().openKeyRing();
        TemplateCipher cipher = new TemplateCipher(keyRing);

        cluster = LocalFlinkCluster.builder(options.flinkConfDir(), var.resolve("flink"))
                .restPort(options.webUiPort())
                .queryableStateProxyPort(options.stateProxyPort())
                .prometheusPort(options.metricsPort())
                .start();

        restoredFrom = newestCheckpoint(cluster.checkpointDir());
        StreamExecutionEnvironment env = restoredFrom
                .map(path -> cluster.executionEnvironment(path.toString()))
                .orElseGet(cluster::executionEnvironment);
        PipelineJob pipelineJob = new PipelineJob(pipeline);
        pipelineJob.build(env, pipelineJob.kafkaSource(), pipelineJob.controlSource(), pipelineJob.kafkaSink());
        job = env.executeAsync(PipelineJob.NAME);
        JobID jobId = job.getJobID();

        ApiKeyStore keys = loadOrIssueKeys(var);
        ApiConfig apiConfig = options.api().withStateProxy("127.0.0.1", cluster.queryableStateProxyPort());
        stateReader = new QueryableStateCameraReader(apiConfig, () -> Optional.of(jobId));
        identityStateReader = new QueryableStateIdentityReader(apiConfig, () -> Optional.of(jobId));
        AuditTrail auditTrail = openAuditTrail(var, topics);
        identity = openIdentity(topics, pipeline, cipher, apiConfig);
        api = ApiServer.start(apiConfig, keys, stateReader, cipher, auditTrail, identity);

        if (options.demo()) {
            demoPublisher = new FramePublisher(broker.bootstrapServers(), topics.frames(), 16 * 1024 * 1024);
            demoCamera = new DemoCamera(demoPublisher).start(options.demoInterval());
        }
    }

    /**
     * Unless a key-encryption key is configured, local mode keeps one in var/keys: a master secret
     * (mode 600) and the KEK keyset encrypted under it, both created on the first start.
     */
    private Map<String, String> localKeySettings(Path keysDir) throws IOException, GeneralSecurityException {
        if (options.settings().get(CryptoConfig.KEK_URI, null) != null) {
            return Map.of();
        }
        return LocalKeyFiles.prepare(keysDir);
    }

    /**
     * The API's identity services: the ledger replayed from the control topic (before the API
     * answers), the search gallery built from it, and the API's own face pipeline.
     */
    private IdentityServices openIdentity(Topics topics, PipelineConfig pipeline, TemplateCipher cipher, ApiConfig apiConfig)
            throws InterruptedException {
        IdentityLedger ledger = new IdentityLedger(pipeline.defaultMatchSettings());
        controlLog = KafkaControlLog.open(broker.bootstrapServers(), topics.control(), ledger, CONTROL_TIMEOUT);
        VisionService vision = VisionService.open(pipeline.vision(), pipeline.decodeLimits(), apiConfig.visionMaxWait());
        IdentityServices services = IdentityServices.create(controlLog, cipher, vision, identityStateReader);
        if (!controlLog.awaitReplay(CONTROL_REPLAY_TIMEOUT)) {
            LOG.warn("the control topic was not replayed within {} s; subjects and settings may be incomplete until it is",
                    CONTROL_REPLAY_TIMEOUT.toSeconds());
        }
        LOG.info("identity: {} subjects, {} templates in the search gallery, settings version {}", ledger.subjectCount(),
                services.gallery().size(), ledger.settings().getVersion());
        return services;
    }

    /**
     * The audit trail on the broker's audit topic, signed with var/keys/audit-signing.json (created
     * on the first start, mode 600); its public half goes to var/keys/audit-verify.json for auditors.
     */
    private AuditTrail openAuditTrail(Path var, Topics topics) throws Exception {
        KeysetHandle signingKeys = AuditSigningKeys.readOrCreate(var.resolve("keys").resolve("audit-signing.json"));
        AuditSigningKeys.writePublic(var.resolve("keys").resolve("audit-verify.json"), signingKeys);
        int interval = options.settings().getInt(AUDIT_CHECKPOINT_INTERVAL, AuditChain.DEFAULT_CHECKPOINT_INTERVAL, 1, 1_000_000);
        auditLog = AuditLog.open(broker.bootstrapServers(), topics.audit(), signingKeys, interval, AUDIT_WRITE_TIMEOUT);
        return new AuditTrail(auditLog,
                new KafkaAuditReader(broker.bootstrapServers(), topics.audit(), AUDIT_READ_TIMEOUT),
                new AuditVerifier(AuditSigningKeys.verifier(AuditSigningKeys.publicKeyset(signingKeys)), interval));
    }

    /** The newest checkpoint any earlier run retained under {@code checkpoints/JOBID/chk-N}. */
    static Optional<Path> newestCheckpoint(Path checkpointDir) throws IOException {
        if (!Files.isDirectory(checkpointDir)) {
            return Optional.empty();
        }
        try (Stream<Path> jobs = Files.list(checkpointDir)) {
            return jobs.filter(Files::isDirectory)
                    .map(RetainedCheckpoints::newest)
                    .flatMap(Optional::stream)
                    .max(Comparator.comparingLong(LocalMode::lastModified));
        }
    }

    private static long lastModified(Path path) {
        try {
            return Files.getLastModifiedTime(path.resolve("_metadata")).toMillis();
        } catch (IOException e) {
            return 0L;
        }
    }

    /** The hashed key store in var/api-keys.json; see {@link LocalCredentials} for the keys issued on a first start. */
    private ApiKeyStore loadOrIssueKeys(Path var) throws IOException {
        LocalCredentials.Issued issued = LocalCredentials.openStore(var);
        issuedCredentials = issued.credentials();
        return issued.store();
    }

    public String kafkaBootstrap() {
        return broker.bootstrapServers();
    }

    public String webUiUrl() {
        return cluster.restUrl().toString();
    }

    /** Flink's metrics (every operator's, the job's own under "biostream") in the Prometheus format. */
    public String metricsUrl() {
        return cluster.prometheusUrl().map(Object::toString).orElseThrow();
    }

    public String apiUrl() {
        return "http://127.0.0.1:" + api.port();
    }

    public JobID jobId() {
        return job.getJobID();
    }

    public LocalFlinkCluster cluster() {
        return cluster;
    }

    /** The admin key generated by this start, present only on the first start of a var directory. */
    public Optional<String> issuedKey() {
        return issuedCredentials.map(c -> c.key(Role.ADMIN));
    }

    /** The keys (one per role) generated by this start, present only on the first start of a var directory. */
    public Optional<LocalCredentials> issuedCredentials() {
        return issuedCredentials;
    }

    public Optional<Path> restoredFrom() {
        return restoredFrom;
    }

    @Override
    public void close() {
        closeQuietly("demo camera", demoCamera);
        closeQuietly("demo publisher", demoPublisher);
        closeQuietly("API", api);
        closeQuietly("identity services", identity);
        closeQuietly("control log", controlLog);
        closeQuietly("template key ring", keyRing);
        closeQuietly("audit log", auditLog); // after the API: its last event is a signed checkpoint
        closeQuietly("state reader", stateReader);
        closeQuietly("identity state reader", identityStateReader);
        if (job != null && cluster != null) {
            try {
                // Cancelling keeps the retained checkpoints: the next start resumes from them.
                cluster.cancel(job.getJobID());
            } catch (RuntimeException e) {
                LOG.warn("cancelling the job failed: {}", e.toString());
            }
        }
        closeQuietly("Flink cluster", cluster);
        closeQuietly("Kafka broker", broker);
    }

    private static void closeQuietly(String what, AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception e) {
            LOG.warn("stopping the {} failed: {}", what, e.toString());
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
    }

}
