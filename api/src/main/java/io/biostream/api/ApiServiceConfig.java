package io.biostream.api;

import io.biostream.operators.audit.AuditChain;
import io.biostream.operators.config.KafkaConnection;
import io.biostream.operators.config.Settings;
import io.biostream.operators.config.Topics;
import io.biostream.operators.crypto.CryptoConfig;
import io.biostream.operators.decode.DecodeLimits;
import io.biostream.operators.identity.ControlSigningConfig;
import io.biostream.operators.identity.IdentityConfig;
import io.biostream.operators.vision.VisionConfig;
import io.biostream.schemas.MatchSettings;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Everything {@link ApiService} needs, read from the same settings as the job (flink-conf style
 * keys; flags over environment over the config file) and validated before anything starts.
 *
 * @param api                  the HTTP service and the queryable-state proxy ({@code api.*}, {@link ApiConfig})
 * @param kafka                the Kafka cluster of the audit, control and keys topics, and how to authenticate
 *                             to it ({@code biostream.kafka.*}, {@link KafkaConnection})
 * @param topics               the topic names ({@code biostream.topics.*})
 * @param crypto               the template key ring ({@code biostream.crypto.*})
 * @param vision               the API's own face pipeline, the job's settings ({@code biostream.vision.*})
 * @param decodeLimits         limits on uploaded photos, the job's ({@code biostream.decode.*})
 * @param defaultMatchSettings the deployment's match settings until the first SETTINGS_CHANGED,
 *                             exactly what the job starts with ({@code biostream.identity.*}, vision gate)
 * @param keysFile             the hashed API key store ({@value #KEYS_FILE}); may be read-only
 * @param auditSigningKeyset   the audit trail's private signing keyset ({@value #AUDIT_SIGNING_KEYSET_FILE})
 * @param controlSigningKeyset the private keyset that signs control events, sealed under the KEK
 *                             ({@value ControlSigningConfig#SIGNING_KEYSET_FILE})
 * @param auditCheckpointInterval a signed audit checkpoint at least every this many events
 * @param auditHeadFile        where the audit writer keeps its last signed head outside the topic, to tell a
 *                             cut trail and someone else's unsigned events ({@value #AUDIT_HEAD_FILE}; default
 *                             {@value #DEFAULT_AUDIT_HEAD_FILE} beside the signing keyset); must be writable
 * @param flinkRestUrl         the JobManager's REST API, to find the running job ({@value #FLINK_REST_URL})
 *                             and report its status on the live {@code job} channel; with {@code api.state.job-id}
 *                             set too, that job is used and the REST API only reports its status
 * @param jobRefreshInterval   how long a job found there is used before it is looked up again
 */
public record ApiServiceConfig(
        ApiConfig api,
        KafkaConnection kafka,
        Topics topics,
        CryptoConfig crypto,
        VisionConfig vision,
        DecodeLimits decodeLimits,
        MatchSettings defaultMatchSettings,
        Path keysFile,
        Path auditSigningKeyset,
        Path controlSigningKeyset,
        int auditCheckpointInterval,
        Path auditHeadFile,
        Optional<URI> flinkRestUrl,
        Duration jobRefreshInterval) {

    public static final String BOOTSTRAP_SERVERS = KafkaConnection.BOOTSTRAP_SERVERS;
    public static final String KEYS_FILE = "api.keys.file";
    public static final String AUDIT_SIGNING_KEYSET_FILE = "api.audit.signing-keyset-file";
    public static final String AUDIT_CHECKPOINT_INTERVAL = "biostream.audit.checkpoint-interval";
    public static final String AUDIT_HEAD_FILE = "api.audit.head-file";
    static final String DEFAULT_AUDIT_HEAD_FILE = "audit-head.properties";
    public static final String FLINK_REST_URL = "api.flink.rest-url";
    public static final String JOB_REFRESH_INTERVAL = "api.flink.refresh-interval";
    static final Duration DEFAULT_JOB_REFRESH_INTERVAL = Duration.ofSeconds(5);

    public ApiServiceConfig {
        if (flinkRestUrl.isEmpty() && api.optionalJobId().isEmpty()) {
            throw new Settings.ConfigException(FLINK_REST_URL, "is required unless " + ApiConfig.STATE_JOB_ID + " is set: the API needs the pipeline job, found on "
                    + "the JobManager's REST API (e.g. --" + FLINK_REST_URL + "=http://flink-jobmanager:8081) "
                    + "or named by its id (--" + ApiConfig.STATE_JOB_ID + "=<32 hex digits>)");
        }
        if (jobRefreshInterval.compareTo(Duration.ofMillis(100)) < 0 || jobRefreshInterval.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new Settings.ConfigException(JOB_REFRESH_INTERVAL, "must be between 100 ms and 10 min, got " + jobRefreshInterval);
        }
    }

    /** Reads and validates every setting the API service uses; the message of a refusal names the key. */
    public static ApiServiceConfig from(Settings settings) {
        ApiConfig api = ApiConfig.from(settings);
        KafkaConnection kafka = KafkaConnection.from(settings,
                required(settings, BOOTSTRAP_SERVERS, "the Kafka cluster of the audit, control and keys topics"));
        Topics topics = Topics.from(settings);
        VisionConfig vision = VisionConfig.from(settings);
        Path signingKeyset = Path.of(required(settings, AUDIT_SIGNING_KEYSET_FILE, "the audit trail's signing keyset (audit-signing.json)"));
        return new ApiServiceConfig(
                api,
                kafka,
                topics,
                CryptoConfig.fromConnection(settings, kafka, topics.keys()),
                vision,
                DecodeLimits.from(settings),
                IdentityConfig.from(settings).defaultSettings(vision),
                Path.of(required(settings, KEYS_FILE, "the hashed API key store (api-keys.json)")),
                signingKeyset,
                Path.of(required(settings, ControlSigningConfig.SIGNING_KEYSET_FILE,
                        "the keyset that signs control events, sealed under the KEK (control-signing.keyset)")),
                settings.getInt(AUDIT_CHECKPOINT_INTERVAL, AuditChain.DEFAULT_CHECKPOINT_INTERVAL, 1, 1_000_000),
                Optional.ofNullable(settings.get(AUDIT_HEAD_FILE, null)).map(Path::of)
                        .orElseGet(() -> signingKeyset.toAbsolutePath().resolveSibling(DEFAULT_AUDIT_HEAD_FILE)),
                Optional.ofNullable(settings.get(FLINK_REST_URL, null)).map(ApiServiceConfig::restUrl),
                settings.getDuration(JOB_REFRESH_INTERVAL, DEFAULT_JOB_REFRESH_INTERVAL));
    }

    /** The Kafka cluster's bootstrap servers (the connection is {@link #kafka()}). */
    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    private static String required(Settings settings, String key, String what) {
        String value = settings.get(key, null);
        if (value == null) {
            throw new Settings.ConfigException(key, "is required: " + what + " (flag --" + key + "=..., environment "
                    + Settings.envName(key) + ", or the config file)");
        }
        return value;
    }

    private static URI restUrl(String text) {
        try {
            URI uri = new URI(text);
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null
                    && uri.getQuery() == null && uri.getFragment() == null) {
                return uri;
            }
        } catch (URISyntaxException e) {
            // refused below
        }
        throw new Settings.ConfigException(FLINK_REST_URL, "must be the http(s) URL of the JobManager's REST API, "
                + "such as http://flink-jobmanager:8081, got '" + text + "'");
    }
}
