package io.biostream.operators.config;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;

/**
 * How every biostream Kafka client reaches and authenticates to the cluster: the bootstrap
 * servers and the security of the connection, read from {@code biostream.kafka.*}
 * ({@link Settings}: flags, environment, config.yaml) and validated when built.
 *
 * <p>The SCRAM password is never in the configuration: only the path of a file that holds it,
 * read by {@link PasswordFileCallbackHandler} each time a client authenticates, in the process
 * that runs the client (a TaskManager for the job's sources and sinks), so the password travels
 * in no job graph, config dump or log.
 *
 * @param bootstrapServers   {@code host:port[,host:port...]} ({@value #BOOTSTRAP_SERVERS})
 * @param securityProtocol   PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL ({@value #SECURITY_PROTOCOL})
 * @param saslMechanism      SCRAM-SHA-512 or SCRAM-SHA-256, for the SASL protocols ({@value #SASL_MECHANISM})
 * @param username           the SCRAM principal, for the SASL protocols ({@value #SASL_USERNAME})
 * @param passwordFile       the file holding its password, for the SASL protocols ({@value #SASL_PASSWORD_FILE})
 * @param truststoreFile     CA certificates to trust for SSL/SASL_SSL, or null for the JVM's ({@value #SSL_TRUSTSTORE_FILE})
 * @param truststoreType     PEM, PKCS12 or JKS ({@value #SSL_TRUSTSTORE_TYPE})
 */
public record KafkaConnection(
        String bootstrapServers,
        String securityProtocol,
        String saslMechanism,
        String username,
        String passwordFile,
        String truststoreFile,
        String truststoreType) implements Serializable {

    public static final String BOOTSTRAP_SERVERS = "biostream.kafka.bootstrap-servers";
    public static final String SECURITY_PROTOCOL = "biostream.kafka.security-protocol";
    public static final String SASL_MECHANISM = "biostream.kafka.sasl.mechanism";
    public static final String SASL_USERNAME = "biostream.kafka.sasl.username";
    public static final String SASL_PASSWORD_FILE = "biostream.kafka.sasl.password-file";
    public static final String SSL_TRUSTSTORE_FILE = "biostream.kafka.ssl.truststore-file";
    public static final String SSL_TRUSTSTORE_TYPE = "biostream.kafka.ssl.truststore-type";
    /** Every key this record reads, for callers that refuse unknown {@code biostream.kafka.*} keys. */
    public static final List<String> KEYS = List.of(BOOTSTRAP_SERVERS, SECURITY_PROTOCOL, SASL_MECHANISM, SASL_USERNAME,
            SASL_PASSWORD_FILE, SSL_TRUSTSTORE_FILE, SSL_TRUSTSTORE_TYPE);

    public static final String DEFAULT_MECHANISM = "SCRAM-SHA-512";
    /** The JAAS option naming the password file; ignored by Kafka's ScramLoginModule, read by the callback handler. */
    static final String PASSWORD_FILE_OPTION = "biostreamPasswordFile";
    private static final Set<String> PROTOCOLS = Set.of("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL");
    private static final Set<String> MECHANISMS = Set.of("SCRAM-SHA-512", "SCRAM-SHA-256");
    private static final Set<String> TRUSTSTORE_TYPES = Set.of("PEM", "PKCS12", "JKS");
    private static final Set<PosixFilePermission> OTHERS = Set.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE);

    public KafkaConnection {
        require(bootstrapServers != null && !bootstrapServers.isBlank(), BOOTSTRAP_SERVERS,
                "is required: the Kafka cluster as host:port[,host:port...]");
        for (String server : bootstrapServers.split(",")) {
            String s = server.trim();
            int colon = s.lastIndexOf(':');
            require(colon > 0 && colon < s.length() - 1 && s.substring(colon + 1).chars().allMatch(Character::isDigit),
                    BOOTSTRAP_SERVERS, "must be host:port[,host:port...], got '" + bootstrapServers + "'");
        }
        require(securityProtocol != null && PROTOCOLS.contains(securityProtocol), SECURITY_PROTOCOL,
                "must be one of PLAINTEXT, SASL_PLAINTEXT, SASL_SSL or SSL, got '" + securityProtocol + "'");
        if (sasl(securityProtocol)) {
            require(saslMechanism != null && MECHANISMS.contains(saslMechanism), SASL_MECHANISM,
                    "must be SCRAM-SHA-512 or SCRAM-SHA-256, got '" + saslMechanism + "'");
            require(username != null && !username.isBlank(), SASL_USERNAME,
                    "is required with " + securityProtocol + ": the SCRAM principal this component authenticates as");
            require(passwordFile != null && !passwordFile.isBlank(), SASL_PASSWORD_FILE,
                    "is required with " + securityProtocol + ": the file holding the SCRAM password (never the password itself)");
            require(jaasSafe(username), SASL_USERNAME, "must not contain quotes, backslashes or line breaks");
            require(jaasSafe(passwordFile), SASL_PASSWORD_FILE, "must not contain quotes, backslashes or line breaks");
        } else {
            require(username == null, SASL_USERNAME, "is set but " + SECURITY_PROTOCOL + " is " + securityProtocol
                    + ", which sends no credentials: use SASL_PLAINTEXT or SASL_SSL");
            require(passwordFile == null, SASL_PASSWORD_FILE, "is set but " + SECURITY_PROTOCOL + " is " + securityProtocol
                    + ", which sends no credentials: use SASL_PLAINTEXT or SASL_SSL");
        }
        if (truststoreFile != null) {
            require(ssl(securityProtocol), SSL_TRUSTSTORE_FILE, "is set but " + SECURITY_PROTOCOL + " is " + securityProtocol
                    + ", which does not use TLS: use SSL or SASL_SSL");
            require(truststoreType != null && TRUSTSTORE_TYPES.contains(truststoreType), SSL_TRUSTSTORE_TYPE,
                    "must be PEM, PKCS12 or JKS, got '" + truststoreType + "'");
        }
    }

    /** The connection {@code s} configures; fails with a message naming the key when a setting is missing or wrong. */
    public static KafkaConnection from(Settings s) {
        return from(s, s.require(BOOTSTRAP_SERVERS));
    }

    /** The connection {@code s} configures, to {@code bootstrapServers} instead of the configured ones. */
    public static KafkaConnection from(Settings s, String bootstrapServers) {
        String truststore = s.get(SSL_TRUSTSTORE_FILE, null);
        return new KafkaConnection(
                bootstrapServers,
                s.get(SECURITY_PROTOCOL, "PLAINTEXT").toUpperCase(Locale.ROOT),
                s.get(SASL_MECHANISM, DEFAULT_MECHANISM).toUpperCase(Locale.ROOT),
                s.get(SASL_USERNAME, null),
                s.get(SASL_PASSWORD_FILE, null),
                truststore,
                s.get(SSL_TRUSTSTORE_TYPE, truststore != null && truststore.toLowerCase(Locale.ROOT).endsWith(".jks") ? "JKS"
                        : truststore != null && (truststore.endsWith(".p12") || truststore.endsWith(".pfx")) ? "PKCS12" : "PEM")
                        .toUpperCase(Locale.ROOT));
    }

    /** An unauthenticated connection (a development broker, or one that admits clients by network). */
    public static KafkaConnection plaintext(String bootstrapServers) {
        return new KafkaConnection(bootstrapServers, "PLAINTEXT", DEFAULT_MECHANISM, null, null, null, null);
    }

    /** A SCRAM-SHA-512 connection without TLS (the local broker on 127.0.0.1). */
    public static KafkaConnection scram(String bootstrapServers, String username, Path passwordFile) {
        return new KafkaConnection(bootstrapServers, "SASL_PLAINTEXT", DEFAULT_MECHANISM, username,
                passwordFile.toAbsolutePath().toString(), null, null);
    }

    /** The settings that give this connection, for a component started with settings (a job, an API). */
    public Map<String, String> settings() {
        Map<String, String> s = new HashMap<>();
        s.put(BOOTSTRAP_SERVERS, bootstrapServers);
        s.put(SECURITY_PROTOCOL, securityProtocol);
        if (sasl(securityProtocol)) {
            s.put(SASL_MECHANISM, saslMechanism);
            s.put(SASL_USERNAME, username);
            s.put(SASL_PASSWORD_FILE, passwordFile);
        }
        if (truststoreFile != null) {
            s.put(SSL_TRUSTSTORE_FILE, truststoreFile);
            s.put(SSL_TRUSTSTORE_TYPE, truststoreType);
        }
        return s;
    }

    /** Whether clients authenticate with a SCRAM principal. */
    public boolean authenticated() {
        return sasl(securityProtocol);
    }

    /**
     * The Kafka client properties of this connection (bootstrap servers, security protocol, SASL
     * and TLS), for a producer, consumer or admin client; the caller adds its own.
     */
    public Map<String, Object> clientConfig() {
        Map<String, Object> c = new HashMap<>();
        c.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        c.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, securityProtocol);
        if (sasl(securityProtocol)) {
            c.put(SaslConfigs.SASL_MECHANISM, saslMechanism);
            c.put(SaslConfigs.SASL_JAAS_CONFIG, "org.apache.kafka.common.security.scram.ScramLoginModule required username=\""
                    + username + "\" " + PASSWORD_FILE_OPTION + "=\"" + passwordFile + "\";");
            c.put(SaslConfigs.SASL_CLIENT_CALLBACK_HANDLER_CLASS, PasswordFileCallbackHandler.class.getName());
        }
        if (truststoreFile != null) {
            c.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, truststoreFile);
            c.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, truststoreType);
        }
        return c;
    }

    /** {@link #clientConfig()} with a client's own settings on top. */
    public Map<String, Object> clientConfig(Map<String, ?> own) {
        Map<String, Object> c = clientConfig();
        c.putAll(own);
        return c;
    }

    /** {@link #clientConfig()} as Properties (all values text), for Flink's KafkaSource and KafkaSink builders. */
    public Properties clientProperties() {
        Properties p = new Properties();
        clientConfig().forEach((k, v) -> p.setProperty(k, String.valueOf(v)));
        return p;
    }

    /**
     * Fails with a clear message unless the password file (and truststore) can be read here, is
     * not empty, and only its owner may read it: a start-up check, so a missing secret is named at
     * once rather than as an authentication failure on the first request.
     */
    public KafkaConnection requireReadable() {
        if (sasl(securityProtocol)) {
            try {
                readPassword(Path.of(passwordFile));
            } catch (IOException e) {
                throw new Settings.ConfigException(SASL_PASSWORD_FILE, e.getMessage());
            }
        }
        if (truststoreFile != null && !Files.isReadable(Path.of(truststoreFile))) {
            throw new Settings.ConfigException(SSL_TRUSTSTORE_FILE, "cannot be read: " + truststoreFile);
        }
        return this;
    }

    /**
     * The password in {@code file}: its text without surrounding white space (a trailing newline
     * from an editor or {@code kubectl create secret --from-file} is not part of it).
     */
    static char[] readPassword(Path file) throws IOException {
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IOException("the Kafka password file " + file + " does not exist or cannot be read by this process");
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.stream().anyMatch(OTHERS::contains)) {
                throw new IOException("the Kafka password file " + file + " may be read or written by other users; chmod 600 it");
            }
        } catch (UnsupportedOperationException notPosix) {
            // no POSIX permissions to check
        }
        String text = Files.readString(file, StandardCharsets.UTF_8).strip();
        if (text.isEmpty()) {
            throw new IOException("the Kafka password file " + file + " is empty");
        }
        return text.toCharArray();
    }

    /** Never the path of the password file's contents, which this record does not hold anyway. */
    @Override
    public String toString() {
        return bootstrapServers + " (" + securityProtocol + (sasl(securityProtocol) ? " " + saslMechanism + " as " + username : "") + ")";
    }

    private static boolean sasl(String protocol) {
        return "SASL_PLAINTEXT".equals(protocol) || "SASL_SSL".equals(protocol);
    }

    private static boolean ssl(String protocol) {
        return "SSL".equals(protocol) || "SASL_SSL".equals(protocol);
    }

    private static boolean jaasSafe(String value) {
        return value.chars().noneMatch(c -> c == '"' || c == '\\' || c == '\n' || c == '\r');
    }

    private static void require(boolean ok, String key, String problem) {
        if (!ok) {
            throw new Settings.ConfigException(key, problem);
        }
    }
}
