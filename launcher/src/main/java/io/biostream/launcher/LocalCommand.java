package io.biostream.launcher;

import io.biostream.api.auth.Role;
import io.biostream.launcher.local.LocalCredentials;
import io.biostream.operators.config.Settings;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.apache.flink.configuration.GlobalConfiguration;

/** {@code biostream local [--demo] [--key=value...]}: starts local mode and runs until Ctrl-C. */
public final class LocalCommand {
    private LocalCommand() {}

    public static int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) throws Exception {
        if (args.contains("--help") || args.contains("-h")) {
            out.println("""
                    usage: biostream local [--demo] [--key=value...]
                      --demo                               replay the face-api demo photos as camera demo-cam
                      --biostream.local.var-dir=DIR        data directory (default ./var)
                      --biostream.local.kafka-port=N       Kafka port (default: a free port)
                      --rest.port=N                        Flink web UI port (default 8081)
                      --api.port=N                         API port (default 7070)
                      --queryable-state.proxy.ports=N      queryable-state proxy port (default 9069)
                      --biostream.local.metrics-port=N     Flink metrics for Prometheus (default 9249)
                      any biostream.* job setting, e.g. --biostream.vision.min-face-size=30
                    Everything listens on 127.0.0.1 only.""");
            return 0;
        }
        Path home = Path.of(env.getOrDefault("BIOSTREAM_HOME", ".")).toAbsolutePath().normalize();
        Map<String, String> flags = Settings.parseFlags(args.toArray(String[]::new));
        // flink-conf/config.yaml is the base layer, as for the job on a cluster.
        Path confDir = Path.of(new Settings(flags, env, Map.of()).get("biostream.local.flink-conf-dir",
                home.resolve("flink-conf").toString()));
        Settings settings = new Settings(flags, env, GlobalConfiguration.loadConfiguration(confDir.toString()).toMap());
        LocalOptions options = LocalOptions.from(settings, args.contains("--demo"), home);

        LocalMode local = LocalMode.start(options);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            err.println("biostream: stopping...");
            local.close();
            stopped.countDown();
        }, "biostream-shutdown"));

        out.println();
        out.println("biostream local mode is running (Ctrl-C stops it)");
        out.println("  Kafka      " + local.kafkaBootstrap() + " (SASL/SCRAM-SHA-512; passwords in " + local.kafkaCredentialsDir() + ")");
        out.println("  Flink UI   " + local.webUiUrl());
        out.println("  API        " + local.apiUrl());
        out.println("  metrics    " + local.metricsUrl() + " (Flink, Prometheus format)");
        out.println("  job        " + local.jobId() + local.restoredFrom().map(p -> " (resumed from " + p + ")").orElse(""));
        if (local.issuedCredentials().isPresent()) {
            for (Role role : Role.values()) {
                out.printf("  %-10s %s%n", role.wireName() + " key", local.issuedCredentials().get().key(role));
            }
            out.println("             (shown once; also in " + options.varDir().resolve(LocalCredentials.FILE) + ", mode 600)");
        } else {
            out.println("  API keys   in " + options.varDir().resolve(LocalCredentials.FILE));
        }
        if (options.demo()) {
            out.println("  demo       camera demo-cam: " + local.apiUrl() + "/api/v1/cameras/demo-cam/latest");
        }
        out.flush();
        stopped.await();
        return 0;
    }
}
