package io.biostream.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.biostream.operators.config.PortCheck;
import io.biostream.operators.config.Settings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code biostream api [--config FILE] [--key=value...]}: the API as its own service, against a
 * Kafka cluster and a Flink cluster's queryable-state proxy; runs until SIGTERM or Ctrl-C.
 * Settings are read from the flags, then system properties, then the environment
 * ({@code BIOSTREAM_API_PORT}, {@code BIOSTREAM_KAFKA_BOOTSTRAP_SERVERS}, ...), then the config file:
 * flink-conf style YAML ({@code api.port: "7070"}; nested maps are joined with dots, as Flink's
 * config.yaml is read).
 */
public final class ApiCommand {
    private static final Logger LOG = LoggerFactory.getLogger(ApiCommand.class);
    static final String USAGE = """
            usage: biostream api [--config FILE] [--key=value...]
              --config FILE                        settings file (flink-conf style YAML, e.g. the chart's api.yaml)
              --biostream.kafka.bootstrap-servers=HOST:PORT   the Kafka cluster (audit, control and keys topics)
              --biostream.kafka.security-protocol=SASL_SSL --biostream.kafka.sasl.username=U
              --biostream.kafka.sasl.password-file=FILE   how to authenticate to it (SCRAM-SHA-512; docs/operations.md)
              --api.flink.rest-url=URL             the JobManager's REST API, to find the running pipeline job
              --api.state.job-id=ID                or the job's id (32 hex digits); with both, the id pins the job
              --api.state.proxy.host=H --api.state.proxy.port=N   Flink's queryable-state proxy
              --api.keys.file=FILE                 the hashed API key store (must hold a key)
              --api.audit.signing-keyset-file=FILE the audit trail's signing keyset
              --api.host=ADDR --api.port=N         where the API listens (default 127.0.0.1:7070)
              any api.* or biostream.* setting (docs/operations.md); each also as BIOSTREAM_<KEY> in the environment""";

    private ApiCommand() {}

    /** The entry point of the API's own distribution: {@code [api] [--config FILE] [--key=value...]}. */
    public static void main(String[] args) {
        List<String> rest = Arrays.asList(args);
        if (!rest.isEmpty() && rest.get(0).equals("api")) {
            rest = rest.subList(1, rest.size());
        }
        int status;
        try {
            status = run(rest, System.getenv(), System.out, System.err);
        } catch (Exception | LinkageError e) {
            if (e instanceof Settings.ConfigException || e instanceof PortCheck.PortInUseException) {
                LOG.debug("biostream api failed", e); // the line below says all
            } else {
                LOG.error("biostream api failed", e);
            }
            System.err.println("biostream api failed: " + PortCheck.reason(e));
            status = 1;
        }
        // Always exit: a failed start may leave non-daemon client threads behind.
        System.exit(status);
    }

    /** Starts the service and waits until the JVM is asked to stop; a start that fails throws. */
    public static int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) throws Exception {
        if (args.contains("--help") || args.contains("-h")) {
            out.println(USAGE);
            return 0;
        }
        ApiService service = ApiService.start(settings(args, env));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            err.println("biostream api: stopping...");
            service.close();
            stopped.countDown();
        }, "biostream-api-shutdown"));

        ApiServiceConfig config = service.config();
        out.println("biostream API listening on " + service.url() + " (SIGTERM or Ctrl-C stops it)");
        out.println("  Kafka        " + config.kafka());
        out.println("  state proxy  " + config.api().stateProxyHost() + ":" + config.api().stateProxyPort());
        out.println("  job          " + config.api().optionalJobId()
                .orElseGet(() -> "the running '" + ApiService.PIPELINE_JOB_NAME + "' job at " + config.flinkRestUrl().orElseThrow()));
        out.flush();
        stopped.await();
        return 0;
    }

    /** Flags over system properties over the environment over the config file. */
    static Settings settings(List<String> args, Map<String, String> env) throws IOException {
        Path configFile = null;
        List<String> flagArgs = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("--config")) {
                if (i + 1 >= args.size()) {
                    throw new IllegalArgumentException("--config needs a file: --config FILE");
                }
                configFile = Path.of(args.get(++i));
            } else if (arg.startsWith("--config=")) {
                configFile = Path.of(arg.substring("--config=".length()));
            } else if (arg.startsWith("--") && arg.indexOf('=') > 2) {
                flagArgs.add(arg);
            } else {
                throw new IllegalArgumentException("unexpected argument '" + arg + "'; " + USAGE.lines().findFirst().orElseThrow());
            }
        }
        Map<String, String> file = configFile == null ? Map.of() : readConfigFile(configFile);
        return new Settings(Settings.parseFlags(flagArgs.toArray(String[]::new)), env, file)
                .withSystemProperties(System.getProperties());
    }

    /** A flink-conf style YAML file as flat keys: nested maps joined with dots, scalars as text. */
    static Map<String, String> readConfigFile(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("config file " + file + " not found");
        }
        JsonNode root;
        try {
            root = new YAMLMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException("config file " + file + " is not valid YAML: " + e.getMessage(), e);
        }
        Map<String, String> values = new HashMap<>();
        if (root == null || root.isMissingNode() || root.isNull()) {
            return values; // an empty file
        }
        if (!root.isObject()) {
            throw new IOException("config file " + file + " must be a map of settings (key: value)");
        }
        flatten(file, "", root, values);
        return values;
    }

    private static void flatten(Path file, String prefix, JsonNode node, Map<String, String> into) throws IOException {
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            String key = prefix + field.getKey();
            JsonNode value = field.getValue();
            if (value.isObject()) {
                flatten(file, key + ".", value, into);
            } else if (value.isValueNode()) {
                if (!value.isNull()) {
                    into.put(key, value.asText());
                }
            } else {
                throw new IOException("config file " + file + ": " + key + " must be a single value, not a list");
            }
        }
    }
}
