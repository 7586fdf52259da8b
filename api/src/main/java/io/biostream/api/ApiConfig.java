package io.biostream.api;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Settings of the API service, with defaults, validated when built.
 *
 * <p>Each setting has one flink-conf style key ({@code api.port}) and is read, highest precedence
 * first, from command-line flags ({@code --api.port=7070}), system properties ({@code -Dapi.port=7070}),
 * the environment ({@code BIOSTREAM_API_PORT}) and a config map (e.g. Flink's config.yaml).
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
 */
public record ApiConfig(
        String host,
        int port,
        String stateProxyHost,
        int stateProxyPort,
        Duration stateQueryTimeout,
        Duration stateRetryDeadline,
        long maxRequestBodyBytes,
        String jobId) {

    public static final String HOST = "api.host";
    public static final String PORT = "api.port";
    public static final String STATE_PROXY_HOST = "api.state.proxy.host";
    public static final String STATE_PROXY_PORT = "api.state.proxy.port";
    public static final String STATE_QUERY_TIMEOUT = "api.state.query-timeout";
    public static final String STATE_RETRY_DEADLINE = "api.state.retry-deadline";
    public static final String STATE_JOB_ID = "api.state.job-id";
    public static final String MAX_REQUEST_BODY = "api.max-request-body";

    static final List<String> KEYS = List.of(
            HOST, PORT, STATE_PROXY_HOST, STATE_PROXY_PORT, STATE_QUERY_TIMEOUT, STATE_RETRY_DEADLINE,
            STATE_JOB_ID, MAX_REQUEST_BODY);
    private static final String KEY_PREFIX = "api.";
    private static final String ENV_PREFIX = "BIOSTREAM_API_";
    private static final Duration MAX_DURATION = Duration.ofMinutes(10);
    private static final long MAX_BODY = 256L << 20;
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|sec|min|m)?");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(b|k|kb|m|mb)?");
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
    }

    public static ApiConfig defaults() {
        return new ApiConfig("127.0.0.1", 7070, "127.0.0.1", 9069,
                Duration.ofSeconds(2), Duration.ofSeconds(5), 1L << 20, null);
    }

    public Optional<String> optionalJobId() {
        return Optional.ofNullable(jobId);
    }

    public ApiConfig withPort(int newPort) {
        return new ApiConfig(host, newPort, stateProxyHost, stateProxyPort, stateQueryTimeout,
                stateRetryDeadline, maxRequestBodyBytes, jobId);
    }

    public ApiConfig withStateProxy(String newHost, int newPort) {
        return new ApiConfig(host, port, newHost, newPort, stateQueryTimeout, stateRetryDeadline,
                maxRequestBodyBytes, jobId);
    }

    public ApiConfig withStateTimings(Duration queryTimeout, Duration retryDeadline) {
        return new ApiConfig(host, port, stateProxyHost, stateProxyPort, queryTimeout, retryDeadline,
                maxRequestBodyBytes, jobId);
    }

    public ApiConfig withMaxRequestBodyBytes(long bytes) {
        return new ApiConfig(host, port, stateProxyHost, stateProxyPort, stateQueryTimeout,
                stateRetryDeadline, bytes, jobId);
    }

    public ApiConfig withJobId(String newJobId) {
        return new ApiConfig(host, port, stateProxyHost, stateProxyPort, stateQueryTimeout,
                stateRetryDeadline, maxRequestBodyBytes, newJobId);
    }

    /** Reads from a config map only (keys not starting with {@code api.} are ignored). */
    public static ApiConfig fromMap(Map<String, String> conf) {
        return load(conf, Map.of(), new Properties(), new String[0]);
    }

    /** Reads from the config map, this process's environment and system properties, and the flags. */
    public static ApiConfig fromSystem(Map<String, String> conf, String[] args) {
        return load(conf, System.getenv(), System.getProperties(), args);
    }

    /** Merges the sources (flags over system properties over environment over config map) and validates. */
    public static ApiConfig load(Map<String, String> conf, Map<String, String> env, Properties sysProps, String[] args) {
        Map<String, Setting> settings = new HashMap<>();
        conf.forEach((k, v) -> collect(settings, k, v, "config key " + k));
        env.forEach((k, v) -> {
            if (k.startsWith(ENV_PREFIX)) {
                put(settings, keyForEnv(k), v, "environment variable " + k);
            }
        });
        sysProps.stringPropertyNames().forEach(k -> collect(settings, k, sysProps.getProperty(k), "system property " + k));
        flags(args).forEach((k, v) -> collect(settings, k, v, "flag --" + k));
        return build(settings);
    }

    /** Environment variable name for a key: {@code api.state.proxy.port} -> {@code BIOSTREAM_API_STATE_PROXY_PORT}. */
    public static String envName(String key) {
        return "BIOSTREAM_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static String keyForEnv(String envName) {
        for (String key : KEYS) {
            if (envName(key).equals(envName)) {
                return key;
            }
        }
        throw new IllegalArgumentException("unknown API setting in environment variable " + envName
                + "; known: " + KEYS.stream().map(ApiConfig::envName).toList());
    }

    private static void collect(Map<String, Setting> settings, String key, String value, String origin) {
        if (key.startsWith(KEY_PREFIX)) {
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("unknown API setting " + key + " (" + origin + "); known: " + KEYS);
            }
            put(settings, key, value, origin);
        }
    }

    private static void put(Map<String, Setting> settings, String key, String value, String origin) {
        settings.put(key, new Setting(value == null ? "" : value.trim(), origin));
    }

    /** Accepts {@code --key=value} and {@code --key value}; other arguments are left to the caller. */
    static Map<String, String> flags(String[] args) {
        Map<String, String> flags = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--" + KEY_PREFIX)) {
                continue;
            }
            String body = arg.substring(2);
            int eq = body.indexOf('=');
            if (eq >= 0) {
                flags.put(body.substring(0, eq), body.substring(eq + 1));
            } else if (i + 1 < args.length) {
                flags.put(body, args[++i]);
            } else {
                throw new IllegalArgumentException("flag --" + body + " needs a value");
            }
        }
        return flags;
    }

    private static ApiConfig build(Map<String, Setting> s) {
        ApiConfig d = defaults();
        return new ApiConfig(
                text(s, HOST, d.host()),
                integer(s, PORT, d.port()),
                text(s, STATE_PROXY_HOST, d.stateProxyHost()),
                integer(s, STATE_PROXY_PORT, d.stateProxyPort()),
                duration(s, STATE_QUERY_TIMEOUT, d.stateQueryTimeout()),
                duration(s, STATE_RETRY_DEADLINE, d.stateRetryDeadline()),
                size(s, MAX_REQUEST_BODY, d.maxRequestBodyBytes()),
                s.containsKey(STATE_JOB_ID) ? text(s, STATE_JOB_ID, null).toLowerCase(Locale.ROOT) : d.jobId());
    }

    private static String text(Map<String, Setting> s, String key, String fallback) {
        Setting setting = s.get(key);
        return setting == null ? fallback : setting.value();
    }

    private static int integer(Map<String, Setting> s, String key, int fallback) {
        Setting setting = s.get(key);
        if (setting == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(setting.value());
        } catch (NumberFormatException e) {
            throw setting.invalid(key, "an integer");
        }
    }

    private static Duration duration(Map<String, Setting> s, String key, Duration fallback) {
        Setting setting = s.get(key);
        return setting == null ? fallback : parseDuration(setting.value()).orElseThrow(
                () -> setting.invalid(key, "a duration such as 500ms, 2s or 1min"));
    }

    private static long size(Map<String, Setting> s, String key, long fallback) {
        Setting setting = s.get(key);
        return setting == null ? fallback : parseSize(setting.value()).orElseThrow(
                () -> setting.invalid(key, "a size such as 1048576, 512kb or 1mb"));
    }

    /** Flink-style durations: a number with ms, s or min (a bare number is milliseconds). */
    static Optional<Duration> parseDuration(String text) {
        Matcher m = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            return Optional.empty();
        }
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        String unit = m.group(2) == null ? "ms" : m.group(2);
        return Optional.of(switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "s", "sec" -> Duration.ofSeconds(n);
            default -> Duration.ofMinutes(n);
        });
    }

    /** Flink-style sizes: bytes, or a number with kb or mb (binary multiples). */
    static Optional<Long> parseSize(String text) {
        Matcher m = SIZE.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            return Optional.empty();
        }
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        String unit = m.group(2) == null ? "b" : m.group(2);
        int shift = switch (unit) {
            case "k", "kb" -> 10;
            case "m", "mb" -> 20;
            default -> 0;
        };
        return n > (Long.MAX_VALUE >> shift) ? Optional.empty() : Optional.of(n << shift);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException("invalid API configuration: " + message);
        }
    }

    private record Setting(String value, String origin) {
        IllegalArgumentException invalid(String key, String expected) {
            return new IllegalArgumentException("invalid API configuration: " + key + " from " + origin
                    + " must be " + expected + ", got '" + value + "'");
        }
    }
}
