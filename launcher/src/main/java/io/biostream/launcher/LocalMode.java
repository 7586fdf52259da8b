package io.biostream.launcher;

import io.biostream.api.ApiConfig;
import io.biostream.api.ApiService;
import io.biostream.api.ApiServiceConfig;
import io.biostream.api.auth.Role;
import io.biostream.jobs.PipelineJob;
import io.biostream.launcher.local.DemoCamera;
import io.biostream.launcher.local.EmbeddedKafkaBroker;
import io.biostream.launcher.local.FramePublisher;
import io.biostream.launcher.local.KafkaAccess;
import io.biostream.launcher.local.KafkaCredentials;
import io.biostream.operators.config.KafkaConnection;
import io.biostream.launcher.local.LocalCredentials;
import io.biostream.launcher.local.LocalFlinkCluster;
import io.biostream.launcher.local.Loopback;
import io.biostream.launcher.local.PrivateDirectory;
import io.biostream.launcher.local.RetainedCheckpoints;
import io.biostream.operators.audit.AuditSigningKeys;
import io.biostream.operators.config.PortCheck;
import io.biostream.operators.config.Settings;
import io.biostream.operators.config.Topics;
import io.biostream.operators.crypto.CryptoConfig;
import io.biostream.operators.crypto.CameraAuthConfig;
import io.biostream.operators.crypto.CameraMaster;
import io.biostream.operators.crypto.FrameSigner;
import io.biostream.operators.identity.ControlSigningConfig;
import io.biostream.operators.identity.ControlSigningKeys;
import io.biostream.operators.crypto.LocalKeyFiles;
import io.biostream.operators.functions.PipelineConfig;
import com.google.crypto.tink.KeysetHandle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Comparator;
import java.util.HashMap;
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

    private final LocalOptions options;
    private EmbeddedKafkaBroker broker;
    private LocalFlinkCluster cluster;
    private JobClient job;
    private ApiService api;
    private PipelineConfig pipeline;
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
        Path var = PrivateDirectory.create(options.varDir());
        Topics topics = Topics.from(options.settings());
        broker = new EmbeddedKafkaBroker(var.resolve("kafka"), options.kafkaPort()).start();
        Map<String, String> local = new HashMap<>(localKeySettings(var.resolve("keys")));
        // The job's own SCRAM principal: it may do what KafkaAccess.job allows, and nothing else.
        local.putAll(broker.connection(KafkaCredentials.JOB).settings());
        local.putAll(controlSigningSettings(options.settings().with(local), var.resolve("keys")));
        local.putAll(cameraSettings(options.settings().with(local), var.resolve("keys")));
        PipelineConfig pipeline = PipelineConfig.from(options.settings().with(local));
        this.pipeline = pipeline;
        broker.createTopics(topics.newTopics(Topics.DEFAULT_STREAM_PARTITIONS,
                Math.toIntExact(pipeline.decodeLimits().maxFrameBytes())));
        broker.grant(KafkaAccess.job(pipeline));
        broker.grant(KafkaAccess.api(topics));
        broker.grant(KafkaAccess.camera(DemoCamera.CAMERA_ID, topics));
        KafkaConnection apiKafka = broker.connection(KafkaCredentials.API);
        broker.adminConnection(); // the operator's super-user credential, for Kafka's own tools
        KafkaConnection demoKafka = broker.connection(KafkaCredentials.camera(DemoCamera.CAMERA_ID));

        LocalFlinkCluster.Builder flink = LocalFlinkCluster.builder(options.flinkConfDir(), var.resolve("flink"))
                .restPort(options.webUiPort())
                .queryableStateProxyPort(options.stateProxyPort())
                .prometheusPort(options.metricsPort());
        // Flink's own settings on the command line (--execution.checkpointing.interval=1s) win over
        // config.yaml, as they would with `flink run -D`; addresses, ports and folders stay the builder's.
        options.settings().flagsOutside(LocalOptions.NOT_FLINK).forEach(flink::set);
        cluster = flink.start();

        restoredFrom = newestCheckpoint(cluster.checkpointDir());
        StreamExecutionEnvironment env = restoredFrom
                .map(path -> cluster.executionEnvironment(path.toString()))
                .orElseGet(cluster::executionEnvironment);
        PipelineJob pipelineJob = new PipelineJob(pipeline);
        pipelineJob.build(env, pipelineJob.kafkaSource(), pipelineJob.controlSource(), pipelineJob.kafkaSink());
        job = env.executeAsync(PipelineJob.NAME);

        // The API as the `biostream api` service runs it, on local mode's files and this job.
        Map<String, String> apiSettings = Map.of(
                ApiServiceConfig.KEYS_FILE, openOrIssueKeys(var).toString(),
                ApiServiceConfig.AUDIT_SIGNING_KEYSET_FILE, auditSigningKeyset(var.resolve("keys")).toString(),
                ApiConfig.STATE_PROXY_HOST, Loopback.HOST,
                ApiConfig.STATE_PROXY_PORT, Integer.toString(cluster.queryableStateProxyPort()),
                ApiConfig.STATE_JOB_ID, job.getJobID().toHexString(),
                ApiServiceConfig.FLINK_REST_URL, cluster.restUrl().toString()); // the live job channel's status
        local.putAll(apiSettings);
        local.putAll(apiKafka.settings());
        api = ApiService.start(options.settings().with(local));

        if (options.demo()) {
            demoPublisher = new FramePublisher(demoKafka, topics.frames(), 16 * 1024 * 1024, DemoCamera.issueKey(pipeline));
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
     * The control signing keyset under var/keys (created on the first start, sealed under the KEK)
     * and its public half, unless both files are configured.
     */
    public static Map<String, String> controlSigningSettings(Settings settings, Path keysDir) throws IOException, GeneralSecurityException {
        if (settings.get(ControlSigningConfig.SIGNING_KEYSET_FILE, null) != null
                && settings.get(ControlSigningConfig.VERIFY_KEYSET_FILE, null) != null) {
            return Map.of();
        }
        CryptoConfig crypto = CryptoConfig.from(settings, settings.require("biostream.kafka.bootstrap-servers"), Topics.from(settings).keys());
        return ControlSigningKeys.prepare(keysDir, crypto.kek());
    }

    /**
     * The camera master var/keys/camera-master.keyset (created on the first start, sealed under the
     * KEK) with camera authentication required, unless {@value CameraAuthConfig#AUTHENTICATION} or
     * {@value CameraAuthConfig#MASTER_FILE} is configured.
     */
    public static Map<String, String> cameraSettings(Settings settings, Path keysDir) throws IOException, GeneralSecurityException {
        if (settings.get(CameraAuthConfig.AUTHENTICATION, null) != null || settings.get(CameraAuthConfig.MASTER_FILE, null) != null) {
            return Map.of();
        }
        CryptoConfig crypto = CryptoConfig.from(settings, settings.require("biostream.kafka.bootstrap-servers"), Topics.from(settings).keys());
        return CameraMaster.prepare(keysDir, crypto.kek());
    }

    /**
     * The audit signing keyset var/keys/audit-signing.json (created on the first start, mode 600);
     * its public half goes to var/keys/audit-verify.json for auditors.
     */
    public static Path auditSigningKeyset(Path keysDir) throws IOException, GeneralSecurityException {
        Path file = keysDir.resolve("audit-signing.json");
        KeysetHandle signingKeys = AuditSigningKeys.readOrCreate(file);
        AuditSigningKeys.writePublic(keysDir.resolve("audit-verify.json"), signingKeys);
        return file;
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

    /** The hashed key store var/api-keys.json; see {@link LocalCredentials} for the keys issued on a first start. */
    private Path openOrIssueKeys(Path var) throws IOException {
        LocalCredentials.Issued issued = LocalCredentials.openStore(var);
        issuedCredentials = issued.credentials();
        return issued.store().file().orElseThrow();
    }

    public String kafkaBootstrap() {
        return broker.bootstrapServers();
    }

    /** Where the Kafka principals' password files are (job, api, camera-demo-cam; admin and broker, the super users). */
    public Path kafkaCredentialsDir() {
        return broker.credentialsDir();
    }

    /**
     * Signs frames as any camera, from the camera master (null when camera authentication is off):
     * for local tools that stand in for many cameras, such as {@code bench pipeline}.
     */
    public FrameSigner cameraSigner() throws IOException, GeneralSecurityException {
        if (!pipeline.cameras().required()) {
            return null;
        }
        return CameraMaster.read(Path.of(pipeline.cameras().masterFile()), pipeline.crypto().kek()).signerForAnyCamera();
    }

    /** How {@code principal} ({@link KafkaCredentials}) reaches local mode's broker. */
    public KafkaConnection kafkaConnection(String principal) {
        return broker.connection(principal);
    }

    public String webUiUrl() {
        return cluster.restUrl().toString();
    }

    /** Flink's metrics (every operator's, the job's own under "biostream") in the Prometheus format. */
    public String metricsUrl() {
        return cluster.prometheusUrl().map(Object::toString).orElseThrow();
    }

    public String apiUrl() {
        return api.url();
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
