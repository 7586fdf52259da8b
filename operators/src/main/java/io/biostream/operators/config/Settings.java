package io.biostream.operators.config;

import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where every component reads its configuration. Each setting has one key
 * ({@code biostream.kafka.bootstrap-servers}, {@code api.port}) and is read, highest precedence
 * first, from command-line flags ({@code --key=value}), system properties when given
 * ({@code -Dkey=value}), environment variables (see {@link #envName}) and the config file
 * (flink-conf/config.yaml). A blank value counts as unset and gives the default.
 * Typed getters fail with a message naming the key, where the bad value came from, and the value.
 */
public final class Settings implements Serializable {
    private static final long serialVersionUID = 2L;
    private static final String ENV_PREFIX = "BIOSTREAM_";
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|sec|min|m|h|d)?");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(b|k|kb|m|mb)?");

    private final Map<String, String> flags;
    private final Map<String, String> systemProperties;
    private final Map<String, String> env;
    private final Map<String, String> file;

    public Settings(Map<String, String> flags, Map<String, String> env, Map<String, String> file) {
        this(flags, Map.of(), env, file);
    }

    private Settings(Map<String, String> flags, Map<String, String> systemProperties, Map<String, String> env,
            Map<String, String> file) {
        this.flags = Map.copyOf(flags);
        this.systemProperties = Map.copyOf(systemProperties);
        this.env = Map.copyOf(env);
        this.file = Map.copyOf(file);
    }

    public static Settings of(Map<String, String> values) {
        return new Settings(values, Map.of(), Map.of());
    }

    /** Flags from {@code --key=value} arguments; other arguments are ignored here. */
    public static Map<String, String> parseFlags(String... args) {
        Map<String, String> flags = new HashMap<>();
        for (String arg : args) {
            if (arg.startsWith("--") && arg.indexOf('=') > 2) {
                int eq = arg.indexOf('=');
                flags.put(arg.substring(2, eq), arg.substring(eq + 1));
            }
        }
        return flags;
    }

    /**
     * The environment variable for a key: {@code BIOSTREAM_}, then the key without a leading
     * {@code biostream.}, upper-cased, with {@code .} and {@code -} as {@code _}. So
     * {@code biostream.kafka.bootstrap-servers} is {@code BIOSTREAM_KAFKA_BOOTSTRAP_SERVERS} and
     * {@code api.port} is {@code BIOSTREAM_API_PORT}; every variable read carries the prefix.
     */
    public static String envName(String key) {
        String name = key.startsWith("biostream.") ? key.substring("biostream.".length()) : key;
        return ENV_PREFIX + name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** A copy with {@code overrides} on top of the flags. */
    public Settings with(Map<String, String> overrides) {
        Map<String, String> merged = new HashMap<>(flags);
        merged.putAll(overrides);
        return new Settings(merged, systemProperties, env, file);
    }

    /** A copy that reads {@code properties} (e.g. {@code System.getProperties()}) below the flags, above the environment. */
    public Settings withSystemProperties(Properties properties) {
        Map<String, String> values = new HashMap<>();
        properties.stringPropertyNames().forEach(name -> values.put(name, properties.getProperty(name)));
        return new Settings(flags, values, env, file);
    }

    public String get(String key, String defaultValue) {
        Value value = lookup(key);
        return value == null ? defaultValue : value.text;
    }

    public String require(String key) {
        String value = get(key, null);
        if (value == null) {
            throw new ConfigException(key, "is required (flag --" + key + "=..., environment " + envName(key)
                    + ", or flink-conf/config.yaml)");
        }
        return value;
    }

    public int getInt(String key, int defaultValue, int min, int max) {
        long value = getLong(key, defaultValue, min, max);
        return (int) value;
    }

    public long getLong(String key, long defaultValue, long min, long max) {
        Value raw = lookup(key);
        long value;
        if (raw == null) {
            value = defaultValue;
        } else {
            try {
                value = Long.parseLong(raw.text);
            } catch (NumberFormatException e) {
                throw raw.invalid("must be a whole number");
            }
        }
        if (value < min || value > max) {
            throw new ConfigException(key + (raw == null ? "" : raw.from()), "must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }

    /** A decimal number; range checks belong to the typed config that knows the meaning. */
    public double getDouble(String key, double defaultValue) {
        Value raw = lookup(key);
        if (raw == null) {
            return defaultValue;
        }
        try {
            double value = Double.parseDouble(raw.text);
            if (Double.isFinite(value)) {
                return value;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw raw.invalid("must be a decimal number");
    }

    public boolean getBoolean(String key, boolean defaultValue) {
        Value raw = lookup(key);
        if (raw == null) {
            return defaultValue;
        }
        return switch (raw.text.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> throw raw.invalid("must be true or false");
        };
    }

    /** A Flink-style duration: a number with ms, s (sec), min (m), h or d; a bare number is milliseconds. */
    public Duration getDuration(String key, Duration defaultValue) {
        Value raw = lookup(key);
        if (raw == null) {
            return defaultValue;
        }
        Matcher m = DURATION.matcher(raw.text.toLowerCase(Locale.ROOT));
        Long n = m.matches() ? parseCount(m.group(1), 0) : null;
        if (n != null) {
            try {
                return switch (m.group(2) == null ? "ms" : m.group(2)) {
                    case "ms" -> Duration.ofMillis(n);
                    case "s", "sec" -> Duration.ofSeconds(n);
                    case "h" -> Duration.ofHours(n);
                    case "d" -> Duration.ofDays(n);
                    default -> Duration.ofMinutes(n);
                };
            } catch (ArithmeticException tooLong) {
                // falls through to the refusal below
            }
        }
        throw raw.invalid("must be a duration such as 500ms, 2s, 1min, 1h or 30d");
    }

    /** A Flink-style size in bytes: a number, or a number with kb (k) or mb (m), binary multiples. */
    public long getBytes(String key, long defaultValue) {
        Value raw = lookup(key);
        if (raw == null) {
            return defaultValue;
        }
        Matcher m = SIZE.matcher(raw.text.toLowerCase(Locale.ROOT));
        if (m.matches()) {
            int shift = switch (m.group(2) == null ? "b" : m.group(2)) {
                case "k", "kb" -> 10;
                case "m", "mb" -> 20;
                default -> 0;
            };
            Long n = parseCount(m.group(1), shift);
            if (n != null) {
                return n << shift;
            }
        }
        throw raw.invalid("must be a size such as 1048576, 512kb or 1mb");
    }

    /**
     * Where a key under {@code prefix} (such as {@code api.}) is set that is not one of {@code known},
     * in every source, e.g. {@code "environment variable BIOSTREAM_API_PROT"}; empty when there is none.
     * Lets a component refuse typos instead of silently using a default.
     */
    public List<String> unknownKeys(String prefix, Collection<String> known) {
        List<String> unknown = new ArrayList<>();
        flags.keySet().stream().filter(k -> k.startsWith(prefix) && !known.contains(k)).sorted()
                .forEach(k -> unknown.add(Source.FLAG.describe(k)));
        systemProperties.keySet().stream().filter(k -> k.startsWith(prefix) && !known.contains(k)).sorted()
                .forEach(k -> unknown.add(Source.SYSTEM_PROPERTY.describe(k)));
        List<String> knownEnv = known.stream().map(Settings::envName).toList();
        env.keySet().stream().filter(n -> n.startsWith(envName(prefix)) && !knownEnv.contains(n)).sorted()
                .forEach(n -> unknown.add(Source.ENVIRONMENT.describe(n)));
        file.keySet().stream().filter(k -> k.startsWith(prefix) && !known.contains(k)).sorted()
                .forEach(k -> unknown.add(Source.FILE.describe(k)));
        return unknown;
    }

    /**
     * The command-line flags whose keys start with none of {@code prefixes}: settings of another
     * component given on the same command line, e.g. Flink's {@code execution.checkpointing.interval}.
     */
    public Map<String, String> flagsOutside(Collection<String> prefixes) {
        Map<String, String> outside = new TreeMap<>();
        flags.forEach((key, value) -> {
            if (prefixes.stream().noneMatch(key::startsWith)) {
                outside.put(key, value);
            }
        });
        return outside;
    }

    /** The highest-precedence value of a key, or null when unset or blank there. */
    private Value lookup(String key) {
        String name = key;
        Source source = Source.FLAG;
        String text = flags.get(key);
        if (text == null) {
            source = Source.SYSTEM_PROPERTY;
            text = systemProperties.get(key);
        }
        if (text == null) {
            source = Source.ENVIRONMENT;
            name = envName(key);
            text = env.get(name);
        }
        if (text == null) {
            source = Source.FILE;
            name = key;
            text = file.get(key);
        }
        return text == null || text.isBlank() ? null : new Value(key, text.trim(), source.describe(name));
    }

    /** Digits as a long that can still be shifted left by {@code shift} bits; null when too large. */
    private static Long parseCount(String digits, int shift) {
        try {
            long n = Long.parseLong(digits);
            return n > (Long.MAX_VALUE >> shift) ? null : n;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private enum Source {
        FLAG("flag --"), SYSTEM_PROPERTY("system property "), ENVIRONMENT("environment variable "), FILE("config key ");

        private final String label;

        Source(String label) {
            this.label = label;
        }

        String describe(String name) {
            return label + name;
        }
    }

    private record Value(String key, String text, String origin) {
        String from() {
            return " (" + origin + ")";
        }

        ConfigException invalid(String expected) {
            return new ConfigException(key + from(), expected + ", got '" + text + "'");
        }
    }

    /** A configuration value that is missing or wrong; the message names the key. */
    public static final class ConfigException extends IllegalArgumentException {
        public ConfigException(String key, String problem) {
            super("configuration " + key + " " + problem);
        }
    }
}
