package io.biostream.api;

import com.google.crypto.tink.KeysetHandle;
import io.biostream.api.audit.AuditTrail;
import io.biostream.api.audit.KafkaAuditReader;
import io.biostream.api.audit.RefusedControlAudit;
import io.biostream.api.auth.ApiKeyStore;
import io.biostream.api.identity.IdentityServices;
import io.biostream.api.identity.VisionService;
import io.biostream.api.state.FlinkJobDiscovery;
import io.biostream.api.state.FlinkJobStatus;
import io.biostream.api.state.QueryableStateCameraReader;
import io.biostream.api.state.QueryableStateIdentityReader;
import io.biostream.operators.state.StateSeal;
import io.biostream.operators.audit.AuditLog;
import io.biostream.operators.audit.AuditSigningKeys;
import io.biostream.operators.audit.AuditVerifier;
import io.biostream.operators.config.PortCheck;
import io.biostream.operators.config.Settings;
import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.operators.crypto.TemplateKeyRing;
import io.biostream.operators.identity.IdentityLedger;
import io.biostream.operators.crypto.KeyEncryptionKey;
import io.biostream.operators.crypto.SignatureKeysets;
import io.biostream.operators.identity.ControlSignatures;
import io.biostream.operators.identity.ControlSigningConfig;
import io.biostream.operators.identity.MatchPolicy;
import io.biostream.operators.identity.KafkaControlLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.flink.api.common.JobID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running API assembled from its configuration: the key store, the template key ring, the
 * signed audit trail on the audit topic, the identity services following the control topic, the
 * readers of the job's queryable state, and the HTTP server. The one wiring of the API: the
 * {@code biostream api} service and local mode both start it. Closing it stops each part in the
 * reverse order of starting (the HTTP server first, so the audit log writes its last checkpoint
 * after the last request).
 */
public final class ApiService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ApiService.class);
    /** The name the pipeline job is submitted under, by which a running one is found. */
    public static final String PIPELINE_JOB_NAME = "biostream-pipeline";
    private static final Duration AUDIT_WRITE_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration AUDIT_READ_TIMEOUT = Duration.ofSeconds(60);
    /** How long a control event may take to be acknowledged, and then to come back through the follower. */
    private static final Duration CONTROL_TIMEOUT = Duration.ofSeconds(10);
    private static final Duration CONTROL_REPLAY_TIMEOUT = Duration.ofSeconds(60);
    /** Beside the audit head file: the highest control offset whose refusal is audited. */
    static final String REFUSED_CONTROL_OFFSET_FILE = "control-refusals.offset";

    private final ApiServiceConfig config;
    private final Deque<Part> parts = new ArrayDeque<>();
    private ApiServer server;
    private IdentityServices identity;

    private ApiService(ApiServiceConfig config) {
        this.config = config;
    }

    /** Reads the settings (refusing a bad one before anything starts) and starts the API. */
    public static ApiService start(Settings settings) throws Exception {
        return start(ApiServiceConfig.from(settings));
    }

    /** Starts the API; on a failure, stops what had started and throws. */
    public static ApiService start(ApiServiceConfig config) throws Exception {
        ApiService service = new ApiService(config);
        try {
            service.startAll();
            return service;
        } catch (Exception | Error e) {
            service.close();
            throw e;
        }
    }

    private void startAll() throws Exception {
        long begin = System.nanoTime();
        ApiConfig api = config.api();
        // The files and the port first: a wrong path or a taken port fails before any connection is made.
        PortCheck.requireFree(api.host(), List.of(new PortCheck.Listener("biostream API", api.port(), ApiConfig.PORT)));
        ApiKeyStore keys = openKeyStore(config.keysFile());
        KeysetHandle signingKeys = signingKeys(config.auditSigningKeyset());
        requireControlSigningFile(config.controlSigningKeyset());
        config.kafka().requireReadable();

        TemplateKeyRing keyRing = started("template key ring", config.crypto().openKeyRing());
        if (!keyRing.ready()) { // the search gallery is built from the enrollments now: it would miss their templates
            throw new IllegalStateException("the data key store was not read within " + config.crypto().storeTimeout().toSeconds()
                    + " s: the API does not start without its data keys");
        }
        TemplateCipher cipher = new TemplateCipher(keyRing);
        AuditLog auditLog = started("audit log", AuditLog.open(config.kafka(), config.topics().audit(),
                signingKeys, config.auditCheckpointInterval(), AUDIT_WRITE_TIMEOUT, config.auditHeadFile()));
        AuditTrail auditTrail = new AuditTrail(auditLog,
                new KafkaAuditReader(config.kafka(), config.topics().audit(), AUDIT_READ_TIMEOUT),
                new AuditVerifier(AuditSigningKeys.verifier(AuditSigningKeys.publicKeyset(signingKeys)),
                        config.auditCheckpointInterval()));

        Supplier<Optional<JobID>> job = pipelineJob();
        StateSeal stateSeal = new StateSeal(keyRing);
        QueryableStateCameraReader cameraStates = started("camera state reader", new QueryableStateCameraReader(api, job, stateSeal));
        QueryableStateIdentityReader identityStates = started("identity state reader",
                new QueryableStateIdentityReader(api, job, stateSeal));
        identity = openIdentity(cipher, identityStates, auditLog, controlSigningKeys(config.controlSigningKeyset(), keyRing.kek()));
        server = started("HTTP server", ApiServer.start(api, keys, cameraStates, cipher, auditTrail, identity));
        server.followTopics(config.kafka(), config.topics());
        config.flinkRestUrl().ifPresent(rest -> server.followJobStatus(new FlinkJobStatus(rest, job)));
        LOG.info("API service started in {} ms: {}, Kafka {}, state proxy {}:{}, job {}",
                Duration.ofNanos(System.nanoTime() - begin).toMillis(), url(), config.kafka(),
                api.stateProxyHost(), api.stateProxyPort(), job);
    }

    /** The job named by {@code api.state.job-id}, or the running one found on the JobManager's REST API. */
    private Supplier<Optional<JobID>> pipelineJob() {
        Optional<JobID> pinned = config.api().optionalJobId().map(JobID::fromHexString);
        if (pinned.isPresent()) {
            return new Supplier<>() {
                @Override
                public Optional<JobID> get() {
                    return pinned;
                }

                @Override
                public String toString() {
                    return pinned.get().toHexString() + " (" + ApiConfig.STATE_JOB_ID + ")";
                }
            };
        }
        return new FlinkJobDiscovery(config.flinkRestUrl().orElseThrow(), PIPELINE_JOB_NAME, config.jobRefreshInterval());
    }

    /**
     * The identity services: the ledger replayed from the control topic (before the API answers),
     * the search gallery built from it, and the API's own face pipeline.
     */
    private IdentityServices openIdentity(TemplateCipher cipher, QueryableStateIdentityReader identityStates,
                                          AuditLog auditLog, KeysetHandle controlSigningKeys)
            throws InterruptedException, GeneralSecurityException, IOException {
        IdentityLedger ledger = new IdentityLedger(config.defaultMatchSettings());
        RefusedControlAudit refusals = started("refused control audit", new RefusedControlAudit(auditLog,
                config.auditHeadFile().toAbsolutePath().resolveSibling(REFUSED_CONTROL_OFFSET_FILE), RefusedControlAudit.DEFAULT_INTERVAL));
        ledger.onRefused((why, offset) -> refusals.refused(offset, why));
        // Period keys expire by the retention in force: a shortened retention hides older templates at once.
        cipher.keys().useRetention(cameraId -> MatchPolicy.forCamera(ledger.settings(), cameraId).unenrolledRetention());
        KafkaControlLog controlLog = started("control log", KafkaControlLog.open(config.kafka(),
                config.topics().control(), ledger, auditLog, CONTROL_TIMEOUT, controlSigningKeys));
        VisionService vision = VisionService.open(config.vision(), config.decodeLimits(), config.api().visionMaxWait());
        IdentityServices services;
        try {
            services = IdentityServices.create(controlLog, cipher, vision, identityStates);
        } catch (RuntimeException | Error e) {
            vision.close();
            throw e;
        }
        started("identity services", services);
        if (!controlLog.awaitReplay(CONTROL_REPLAY_TIMEOUT)) {
            LOG.warn("the control topic was not replayed within {} s; subjects and settings may be incomplete until it is",
                    CONTROL_REPLAY_TIMEOUT.toSeconds());
        }
        LOG.info("identity: {} subjects, {} templates in the search gallery, settings version {}", ledger.subjectCount(),
                services.gallery().size(), ledger.settings().getVersion());
        return services;
    }

    /**
     * The hashed key store. It must exist and hold a key: a service nobody can call is a
     * misconfiguration. A read-only file (a Kubernetes Secret) serves; issuing or revoking a key
     * then answers 503 because the change cannot be saved.
     */
    static ApiKeyStore openKeyStore(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new Settings.ConfigException(ApiServiceConfig.KEYS_FILE, "names " + file + ", which is not a file: "
                    + "the API needs its hashed key store (api-keys.json; local mode writes one to var/api-keys.json)");
        }
        ApiKeyStore keys = ApiKeyStore.load(file);
        if (keys.isEmpty()) {
            throw new Settings.ConfigException(ApiServiceConfig.KEYS_FILE, "names " + file + ", which holds no API key: "
                    + "every request would be refused; issue keys first (local mode writes var/api-keys.json)");
        }
        if (!Files.isWritable(file)) {
            LOG.info("the API key store {} is read-only: issuing and revoking keys answer 503", file);
        }
        return keys;
    }

    private static KeysetHandle signingKeys(Path file) throws IOException, GeneralSecurityException {
        if (!Files.isRegularFile(file)) {
            throw new Settings.ConfigException(ApiServiceConfig.AUDIT_SIGNING_KEYSET_FILE, "names " + file
                    + ", which is not a file: the audit trail needs its private signing keyset (audit-signing.json)");
        }
        return AuditSigningKeys.readPrivate(file);
    }

    private static void requireControlSigningFile(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new Settings.ConfigException(ControlSigningConfig.SIGNING_KEYSET_FILE, "names " + file
                    + ", which is not a file: the API signs control events with it (`biostream keys control-signing init` writes one)");
        }
    }

    private static KeysetHandle controlSigningKeys(Path file, KeyEncryptionKey kek) throws IOException, GeneralSecurityException {
        return SignatureKeysets.readSealed(file, kek, ControlSignatures.KEYSET_PURPOSE);
    }

    private <T extends AutoCloseable> T started(String what, T part) {
        parts.push(new Part(what, part));
        return part;
    }

    public ApiServiceConfig config() {
        return config;
    }

    /** The port the HTTP server listens on (the configured one, or the one picked for port 0). */
    public int port() {
        return server.port();
    }

    /** Where the API answers, e.g. {@code http://127.0.0.1:7070}. */
    public String url() {
        String host = config.api().host().contains(":") ? "[" + config.api().host() + "]" : config.api().host();
        return (config.api().tls().enabled() ? "https" : "http") + "://" + host + ":" + port();
    }

    /** Stops every part, the last started first; a part that fails to stop is logged and the rest still stop. */
    @Override
    public void close() {
        while (!parts.isEmpty()) {
            Part part = parts.pop();
            try {
                part.closeable().close();
            } catch (Exception e) {
                LOG.warn("stopping the {} failed: {}", part.what(), e.toString());
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private record Part(String what, AutoCloseable closeable) {}
}
