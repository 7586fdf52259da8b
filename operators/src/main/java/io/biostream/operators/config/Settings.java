package io.biostream.operators.config;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Where every component reads its configuration: command-line flags ({@code --key=value}) win over
 * environment variables ({@code BIOSTREAM_KAFKA_BOOTSTRAP_SERVERS} for
 * {@code biostream.kafka.bootstrap-servers}), which win over flink-conf/config.yaml values.
 * Typed getters fail with a message naming the key and the bad value.
 */
public final class Settings implements Serializable {
    private static final long serialVersionUID = 1L;

    private final Map<String, String> flags;
    private final Map<String, String> env;
    private final Map<String, String> file;

    public Settings(Map<String, String> flags, Map<String, String> env, Map<String, String> file) {
        this.flags = Map.copyOf(flags);
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

    public static String envName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** A copy with {@code overrides} on top of the flags. */
    public Settings with(Map<String, String> overrides) {
        Map<String, String> merged = new HashMap<>(flags);
        merged.putAll(overrides);
        return new Settings(merged, env, file);
    }

    public String get(String key, String defaultValue) {
        String value = flags.get(key);
        if (value == null) {
            value = env.get(envName(key));
        }
        if (value == null) {
            value = file.get(key);
        }
        return value == null || value.isBlank() ? defaultValue : value.trim();
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
        String raw = get(key, null);
        long value;
        if (raw == null) {
            value = defaultValue;
        } else {
            try {
                value = Long.parseLong(raw);
            } catch (NumberFormatException e) {
                throw new ConfigException(key, "must be a whole number, got '" + raw + "'");
            }
        }
        if (value < min || value > max) {
            throw new ConfigException(key, "must be between " + min + " and " + max + ", got " + value);
        }
        return value;
    }

    public boolean getBoolean(String key, boolean defaultValue) {
        String raw = get(key, null);
        if (raw == null) {
            return defaultValue;
        }
        return switch (raw.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> throw new ConfigException(key, "must be true or false, got '" + raw + "'");
        };
    }

    /** A configuration value that is missing or wrong; the message names the key. */
    public static final class ConfigException extends IllegalArgumentException {
        public ConfigException(String key, String problem) {
            super("configuration " + key + " " + problem);
        }
    }
}
