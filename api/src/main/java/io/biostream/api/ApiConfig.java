package io.biostream.api;

import io.biostream.api.auth.JwtConfig;
import io.biostream.api.auth.RateLimit;
import io.biostream.operators.config.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * Settings of the API service, with defaults, validated when built.
 *
 * <p>Each setting has one flink-conf style key ({@code api.port}) and is read, highest precedence
 * first, from command-line flags ({@code --api.port=7070}), system properties ({@code -Dapi.port=7070}),
 * the environment ({@code BIOSTREAM_API_PORT}) and a config map (e.g. Flink's config.yaml), by the
 * rules of {@link Settings} that every biostream component shares (a blank value gives the default).
 * Unknown {@code api.*} keys are refused so that a typo does not silently fall back to a default.
 *
 * @param host address the HTTP server binds (loopback unless deliberately changed)
 * @param port HTTP port; 0 picks a free port
 * @param stateProxyHost host of Flink's queryable-state proxy
 * @param stateProxyPort port of Flink's queryable-state proxy
 * @param stateQueryTimeout how long one state query may take
 * @param stateRetryDeadline how long a request keeps retrying while the state is not registered yet
 * @param maxRequestBodyBytes larger request bodies are refused with 413
 * @param jobId hex id of the Flink job whose state is read, or null when it is supplied at run time
 * @param visionMaxWait how long a photo request waits for the API's face pipeline (one image at a time)
 *                      before it is refused with 503
 * @param rateLimit requests per second and burst per caller ({@code api.rate-limit.*}; rate 0: no limit)
 * @param jwt bearer JWTs besides API keys ({@code api.jwt.*}; off unless a JWK set file is given)
 * @param tls HTTPS ({@code api.tls.*}; off unless a keystore is given)
 * @param live the live WebSocket endpoint ({@code api.live.*}: clients, queue, heartbeat, tickets, video rate)
 */
public record ApiConfig(
        String host,
        int port,
        String stateProxyHost,
        int stateProxyPort,
        Duration stateQueryTimeout,
        Duration stateRetryDeadline,
        long maxRequestBodyBytes,
        String jobId,
        Duration visionMaxWait,
        RateLimit rateLimit,
        JwtConfig jwt,
        TlsConfig tls,
        LiveConfig live) {

    public static final String HOST = "api.host";
    public static final String PORT = "api.port";
    public static final String STATE_PROXY_HOST = "api.state.proxy.host";
    public static final String STATE_PROXY_PORT = "api.state.proxy.port";
    public static final String STATE_QUERY_TIMEOUT = "api.state.query-timeout";
    public static final String STATE_RETRY_DEADLINE = "api.state.retry-deadline";
    public static final String STATE_JOB_ID = "api.state.job-id";
    public static final String MAX_REQUEST_BODY = "api.max-request-body";
    public static final String VISION_MAX_WAIT = "api.vision.max-wait";

    static final List<String> KEYS = List.of(
            HOST, PORT, STATE_PROXY_HOST, STATE_PROXY_PORT, STATE_QUERY_TIMEOUT, STATE_RETRY_DEADLINE,
            STATE_JOB_ID, MAX_REQUEST_BODY, VISION_MAX_WAIT,
            RateLimit.RATE, RateLimit.BURST, JwtConfig.JWKS_FILE, JwtConfig.ISSUER, JwtConfig.AUDIENCE,
            TlsConfig.KEYSTORE, TlsConfig.PASSWORD_FILE, TlsConfig.PASSWORD,
            LiveConfig.MAX_CLIENTS, LiveConfig.QUEUE_SIZE, LiveConfig.HEARTBEAT, LiveConfig.TICKET_TTL, LiveConfig.VIDEO_FPS,
            // read by the service around the HTTP server (ApiServiceConfig)
            ApiServiceConfig.KEYS_FILE, ApiServiceConfig.AUDIT_SIGNING_KEYSET_FILE, ApiServiceConfig.AUDIT_HEAD_FILE,
            ApiServiceConfig.FLINK_REST_URL,
            ApiServiceConfig.JOB_REFRESH_INTERVAL);
    private static final String KEY_PREFIX = "api.";
    private static final Duration MAX_DURATION = Duration.ofMinutes(10);
    private static final long MAX_BODY = 256L << 20;
    private static final Pattern JOB_ID = Pattern.compile("[0-9a-f]{32}");

    public ApiConfig {
        require(host != null && !host.isBlank(), HOST + " must not be blank");
        require(port >= 0 && port <= 65535, PORT + " must be between 0 and 65535, got " + port);
        require(stateProxyHost != null && !stateProxyHost.isBlank(), STATE_PROXY_HOST + " must not be blank");
        require(stateProxyPort >= 1 && stateProxyPort <= 65535,
                STATE_PROXY_PORT + " must be between 1 and 65535, got " + stateProxyPort);
        require(stateQueryTimeout != null && !stateQueryTimeout.isNegative() && !stateQueryTimeout.isZero()
                        && stateQueryTimeout.compareTo(MAX_DURATION) <= 0,
                STATE_QUERY_TIMEOUT + " must be more than 0 and at most 10 min, got " + stateQueryTimeout);
        require(stateRetryDeadline != null && !stateRetryDeadline.isNegative()
                        && stateRetryDeadline.compareTo(MAX_DURATION) <= 0,
                STATE_RETRY_DEADLINE + " must be between 0 and 10 min, got " + stateRetryDeadline);
        require(maxRequestBodyBytes >= 1024 && maxRequestBodyBytes <= MAX_BODY,
                MAX_REQUEST_BODY + " must be between 1 kb and 256 mb, got " + maxRequestBodyBytes + " bytes");
        require(jobId == null || JOB_ID.matcher(jobId).matches(),
                STATE_JOB_ID + " must be 32 lowercase hex digits (a Flink JobID), got '" + jobId + "'");
        require(visionMaxWait != null && !visionMaxWait.isNegative() && visionMaxWait.compareTo(MAX_DURATION) <= 0,
                VISION_MAX_WAIT + " must be between 0 and 10 min, got " + visionMaxWait);
        require(rateLimit != null && jwt != null && tls != null && live != null,
                "rate limit, JWT, TLS and live settings must be given");
    }

    /** Without the access settings: default rate limit, no JWT, no TLS. */
    public ApiConfig(String host, int port, String stateProxyHost, int stateProxyPort, Duration stateQueryTimeout,
                     Duration stateRetryDeadline, long maxRequestBodyBytes, String jobId, Duration visionMaxWait) {
        this(host, port, stateProxyHost, stateProxyPort, stateQueryTimeout, stateRetryDeadline, maxRequestBodyBytes,
                jobId, visionMaxWait, RateLimit.defaults(), JwtConfig.off(), TlsConfig.off(), LiveConfig.defaults());
    }

    public static ApiConfig defaults() {
        return new ApiConfig("127.0.0.1", 7070, "127.0.0.1", 9069,
                Duration.ofSeconds(2), Duration.ofSeconds(5), 8L << 20, null, Duration.ofSeconds(10));
    }

    public Optional<String> optionalJobId() {
        return Optional.ofNullable(jobId);
    }

    public ApiConfig withPort(int newPort) {
        return new ApiConfig(host, newPort, stateProxyHost, stateProxyPort, stateQueryTimeout,
                stateRetryDeadline, maxRequestBodyBytes, jobId, visionMaxWait, rateLimit, jwt, tls, live);
    }

    public ApiConfig withStateProxy(String newHost, int newPort) {
        return new ApiConfig(host, port, newHost, newPort, stateQueryTimeout, stateRetryDeadline,
                maxRequestBodyBytes, jobId, visionMaxWait, rateLimit, jwt, tls, live);
    }

    public ApiConfig withStateTimings(Duration queryTimeout, Duration retryDeadline) {
        return new ApiConfig(host, port, stateProxyHost, stateProxyPort, queryTimeout, retryDeadline,
                maxRequestBodyBytes, jobId, visionMaxWait, rateLimit, jwt, tls, live);
    }

    public ApiConfig withMaxRequestBodyBytes(long bytes) {
        return new ApiConfig(host, port, stateProxyHost, stateProxyPort, stateQueryTimeout,
                stateRetryDeadline, bytes, jobId, visionMaxWait, rateLimit, jwt, tls, live);
    }

    public ApiConfig withJobId(String newJobId) {
        return new ApiConfig(host, port, stateProxyHost, stateProxyPort, stateQueryTimeout,
                stateRetryDeadline, maxRequestBodyBytes, newJobId, visionMaxWait, rateLimit, jwt, tls, live);
    }

    public ApiConfig withVisionMaxWait(Duration wait) {
        return new ApiConfig(host, port, stateProxyHost, stateProxyPort, stateQueryTimeout,
                stateRetryDeadline, maxRequestBodyBytes, jobId, wait, rateLimit, jwt, tls, live);
    }

    public ApiConfig withRateLimit(RateLimit limit) {
        return new ApiConfig(host, port, stateProxyHost, stateProxyPort, stateQueryTimeout,
                stateRetryDeadline, maxRequestBodyBytes, jobId, visionMaxWait, limit, jwt, tls, live);
    }

    public ApiConfig withJwt(JwtConfig newJwt) {
        return new ApiConfig(host, port, stateProxyHost, stateProxyPort, stateQueryTimeout,
                stateRetryDeadline, maxRequestBodyBytes, jobId, visionMaxWait, rateLimit, newJwt, tls, live);
    }

    public ApiConfig withTls(TlsConfig newTls) {
        return new ApiConfig(host, port, stateProxyHost, stateProxyPort, stateQueryTimeout,
                stateRetryDeadline, maxRequestBodyBytes, jobId, visionMaxWait, rateLimit, jwt, newTls, live);
    }

    public ApiConfig withLive(LiveConfig newLive) {
        return new ApiConfig(host, port, stateProxyHost, stateProxyPort, stateQueryTimeout,
                stateRetryDeadline, maxRequestBodyBytes, jobId, visionMaxWait, rateLimit, jwt, tls, newLive);
    }

    /** Reads from a config map only (keys not starting with {@code api.} are ignored). */
    public static ApiConfig fromMap(Map<String, String> conf) {
        return load(conf, Map.of(), new Properties(), new String[0]);
    }

    /** Reads from the config map, this process's environment and system properties, and the flags. */
    public static ApiConfig fromSystem(Map<String, String> conf, String[] args) {
        return load(conf, System.getenv(), System.getProperties(), args);
    }

    /**
     * Merges the sources (flags over system properties over environment over config map) and validates.
     * Flags are {@code --api.key=value}; other arguments are left to the caller.
     */
    public static ApiConfig load(Map<String, String> conf, Map<String, String> env, Properties sysProps, String[] args) {
        for (String arg : args) {
            if (arg.startsWith("--" + KEY_PREFIX) && arg.indexOf('=') < 0) {
                throw new IllegalArgumentException("invalid API configuration: flag " + arg + " needs a value ("
                        + arg + "=VALUE)");
            }
        }
        return from(new Settings(Settings.parseFlags(args), env, conf).withSystemProperties(sysProps));
    }

    /** Reads the {@code api.*} keys of {@code settings}, refusing unknown ones, and validates. */
    public static ApiConfig from(Settings settings) {
        List<String> unknown = settings.unknownKeys(KEY_PREFIX, KEYS);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown API setting in " + String.join(", ", unknown) + "; known keys: "
                    + KEYS + ", as environment variables " + KEYS.stream().map(Settings::envName).toList());
        }
        ApiConfig d = defaults();
        String jobId = settings.get(STATE_JOB_ID, d.jobId());
        return new ApiConfig(
                settings.get(HOST, d.host()),
                integer(settings, PORT, d.port()),
                settings.get(STATE_PROXY_HOST, d.stateProxyHost()),
                integer(settings, STATE_PROXY_PORT, d.stateProxyPort()),
                settings.getDuration(STATE_QUERY_TIMEOUT, d.stateQueryTimeout()),
                settings.getDuration(STATE_RETRY_DEADLINE, d.stateRetryDeadline()),
                settings.getBytes(MAX_REQUEST_BODY, d.maxRequestBodyBytes()),
                jobId == null ? null : jobId.toLowerCase(Locale.ROOT),
                settings.getDuration(VISION_MAX_WAIT, d.visionMaxWait()),
                new RateLimit(settings.getDouble(RateLimit.RATE, d.rateLimit().requestsPerSecond()),
                        integer(settings, RateLimit.BURST, d.rateLimit().burst())),
                new JwtConfig(path(settings, JwtConfig.JWKS_FILE), settings.get(JwtConfig.ISSUER, null),
                        settings.get(JwtConfig.AUDIENCE, null)),
                new TlsConfig(path(settings, TlsConfig.KEYSTORE), path(settings, TlsConfig.PASSWORD_FILE),
                        settings.get(TlsConfig.PASSWORD, null)),
                new LiveConfig(integer(settings, LiveConfig.MAX_CLIENTS, d.live().maxClients()),
                        integer(settings, LiveConfig.QUEUE_SIZE, d.live().queueSize()),
                        settings.getDuration(LiveConfig.HEARTBEAT, d.live().heartbeat()),
                        settings.getDuration(LiveConfig.TICKET_TTL, d.live().ticketTtl()),
                        integer(settings, LiveConfig.VIDEO_FPS, d.live().videoFps())));
    }

    private static Path path(Settings settings, String key) {
        String value = settings.get(key, null);
        return value == null ? null : Path.of(value);
    }

    /** Any int; the record checks the range, with the same message whether read or built in code. */
    private static int integer(Settings settings, String key, int fallback) {
        return settings.getInt(key, fallback, Integer.MIN_VALUE, Integer.MAX_VALUE);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("invalid API configuration: " + message);
        }
    }
}
