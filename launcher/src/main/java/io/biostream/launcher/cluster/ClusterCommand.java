package io.biostream.launcher.cluster;

import io.biostream.api.auth.Role;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.biostream.launcher.local.LocalCredentials;
import io.biostream.operators.config.Settings;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.GlobalConfiguration;

/**
 * {@code biostream cluster up [--demo] | status | down | taskmanager N | stop | submit [--from=PATH]}:
 * a Flink standalone cluster of separate processes on this machine ({@link StandaloneCluster}).
 */
public final class ClusterCommand {
    static final String USAGE = """
            usage: biostream cluster COMMAND [--key=value...]
              up [--demo]        start Kafka, a JobManager, two TaskManagers (each its own process), submit the job
              status             every process with its pid and role, the job's state, the ports
              down               stop every process (SIGTERM, then SIGKILL after 30 s); the data stays
              taskmanager N      start TaskManager N (1 or 2) again after it died, on its own ports
              stop               stop the job with a savepoint (REST POST /jobs/ID/stop); prints its path
              submit [--from=PATH]   submit the job jar again, from a savepoint or retained checkpoint
            settings: --biostream.cluster.var-dir=DIR (default ./var/cluster), --rest.port=N (8081),
              --biostream.cluster.kafka-port=N (9092), --jobmanager.rpc.port=N (6123), --blob.server.port=N (6124),
              --queryable-state.proxy.ports=N (9069; TaskManager 2: N+1), --queryable-state.server.ports=N (9067, N+1),
              --biostream.cluster.metrics-port=N (9249 JobManager, N+1 and N+2 the TaskManagers), --api.port=N (7070),
              any biostream.* job setting. FLINK_HOME=DIR runs a Flink 2.1 distribution's lib/ and plugins/.
            Everything listens on 127.0.0.1 only.""";

    private ClusterCommand() {}

    public static int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) throws Exception {
        if (args.isEmpty() || args.contains("--help") || args.contains("-h")) {
            out.println(USAGE);
            return args.isEmpty() ? 2 : 0;
        }
        Path home = Path.of(env.getOrDefault("BIOSTREAM_HOME", ".")).toAbsolutePath().normalize();
        Map<String, String> flags = Settings.parseFlags(args.toArray(String[]::new));
        Path confDir = Path.of(new Settings(flags, env, Map.of()).get("biostream.local.flink-conf-dir",
                home.resolve("flink-conf").toString()));
        Settings settings = new Settings(flags, env, GlobalConfiguration.loadConfiguration(confDir.toString()).toMap());
        ClusterOptions options = ClusterOptions.from(flags, settings, args.contains("--demo"), home, env);
        return switch (args.get(0)) {
            case "up" -> up(options, out);
            case "status" -> status(options.layout(), out);
            case "down" -> down(options.layout(), out);
            case "taskmanager" -> {
                int n = args.size() > 1 ? Integer.parseInt(args.get(1)) : 0;
                ClusterProcess tm = StandaloneCluster.attach(options).startTaskManager(n);
                out.println(tm.role() + " started, pid " + tm.pid());
                yield 0;
            }
            case "stop" -> {
                StandaloneCluster cluster = StandaloneCluster.attach(options);
                JobID job = Optional.ofNullable(cluster.jobId())
                        .orElseThrow(() -> new IllegalStateException("no job recorded in " + options.layout().stateFile()));
                out.println("job " + job + " stopped with savepoint " + cluster.stopWithSavepoint(job));
                yield 0;
            }
            case "submit" -> {
                StandaloneCluster cluster = StandaloneCluster.attach(options);
                Optional<String> from = Optional.ofNullable(flags.get("from"));
                JobID job = cluster.submit(from);
                cluster.awaitJobRunning(job, options.startTimeout());
                out.println("job " + job + " running" + from.map(p -> ", restored from " + p).orElse(""));
                yield 0;
            }
            default -> {
                err.println(USAGE);
                yield 2;
            }
        };
    }

    private static int up(ClusterOptions options, PrintStream out) throws Exception {
        StandaloneCluster cluster = StandaloneCluster.up(options);
        ClusterPorts ports = options.ports();
        out.println();
        out.println("biostream cluster is running (bin/biostream cluster status | down)");
        out.println("  Flink UI   " + cluster.restUrl() + "  (JobManager pid " + pid(cluster, StandaloneCluster.JOB_MANAGER) + ")");
        for (int n = 1; n <= ClusterPorts.TASK_MANAGERS; n++) {
            String role = StandaloneCluster.taskManagerRole(n);
            ClusterPorts.TaskManagerPorts tm = ports.taskManager(n);
            out.printf("  %-10s pid %s, queryable state 127.0.0.1:%d, metrics http://127.0.0.1:%d/metrics%n",
                    role.replace("taskmanager-", "TM "), pid(cluster, role), tm.stateProxy(), tm.metrics());
        }
        out.println("  Kafka      " + cluster.kafkaBootstrap() + "  (pid " + pid(cluster, StandaloneCluster.BROKER) + ")");
        out.println("  metrics    http://127.0.0.1:" + ports.jobManagerMetrics() + "/metrics (JobManager)");
        out.println("  job        " + cluster.jobId() + " RUNNING at parallelism " + options.parallelism()
                + cluster.restoredFrom().map(p -> " (resumed from " + p + ")").orElse(""));
        out.println("  API        http://127.0.0.1:" + ports.api() + "  (pid " + pid(cluster, StandaloneCluster.API) + ")");
        if (cluster.issuedCredentials().isPresent()) {
            for (Role role : Role.values()) {
                out.printf("  %-10s %s%n", role.wireName() + " key", cluster.issuedCredentials().get().key(role));
            }
            out.println("             (shown once; also in " + options.varDir().resolve(LocalCredentials.FILE) + ", mode 600)");
        } else {
            out.println("  API keys   in " + options.varDir().resolve(LocalCredentials.FILE));
        }
        if (options.demo()) {
            out.println("  demo       camera demo-cam publishes from the broker process");
        }
        out.println("  data, logs " + options.varDir());
        out.flush();
        return 0;
    }

    private static String pid(StandaloneCluster cluster, String role) {
        return cluster.process(role).map(p -> Long.toString(p.pid())).orElse("-");
    }

    static int status(ClusterLayout layout, PrintStream out) throws IOException {
        List<String> roles = ClusterProcess.recordedRoles(layout);
        Map<String, String> record = ClusterRecord.read(layout);
        if (roles.isEmpty() && record.isEmpty()) {
            out.println("no cluster in " + layout.varDir() + " (bin/biostream cluster up starts one)");
            return 1;
        }
        out.println("biostream cluster in " + layout.varDir());
        if (roles.isEmpty()) {
            out.println("  no process is running (stopped; bin/biostream cluster up resumes from the data here)");
            return 3;
        }
        out.printf("  %-15s %-8s %s%n", "ROLE", "PID", "STATE");
        int alive = 0;
        for (String role : roles) {
            Optional<ClusterProcess> process = ClusterProcess.find(layout, role);
            alive += process.isPresent() ? 1 : 0;
            out.printf("  %-15s %-8s %s%n", role, ClusterProcess.recordedPid(layout, role).map(String::valueOf).orElse("?"),
                    process.isPresent() ? "alive" : "not running (log: " + layout.logFile(role) + ")");
        }
        String rest = record.get(ClusterRecord.REST_URL);
        if (rest != null) {
            out.println("  jobs (" + rest + "):");
            Optional<String> overview = StandaloneCluster.httpGet(URI.create(rest).resolve("/jobs/overview"));
            if (overview.isEmpty()) {
                out.println("    the JobManager does not answer");
            } else {
                JsonNode jobs = new ObjectMapper().readTree(overview.get()).path("jobs");
                if (jobs.isEmpty()) {
                    out.println("    none");
                }
                for (JsonNode job : jobs) {
                    out.printf("    %s %-10s %s (%d of %d tasks running)%s%n", job.path("jid").asText(), job.path("state").asText(),
                            job.path("name").asText(), job.path("tasks").path("running").asInt(), job.path("tasks").path("total").asInt(),
                            job.path("jid").asText().equals(record.get(ClusterRecord.JOB_ID)) ? "  <- submitted by cluster up/submit" : "");
                }
            }
            Optional<String> tms = StandaloneCluster.httpGet(URI.create(rest).resolve("/taskmanagers"));
            tms.ifPresent(body -> {
                try {
                    JsonNode list = new ObjectMapper().readTree(body).path("taskmanagers");
                    out.println("  TaskManagers registered: " + list.size());
                    for (JsonNode tm : list) {
                        out.printf("    %s  slots %d free %d%n", tm.path("id").asText(), tm.path("slotsNumber").asInt(),
                                tm.path("freeSlots").asInt());
                    }
                } catch (IOException e) {
                    out.println("  TaskManagers: unreadable answer");
                }
            });
        }
        out.println("  ports (127.0.0.1):");
        record.forEach((key, value) -> {
            if (key.startsWith(ClusterRecord.PORT_PREFIX)) {
                out.printf("    %-6s %s%n", value, key.substring(ClusterRecord.PORT_PREFIX.length()));
            }
        });
        Optional.ofNullable(record.get(ClusterRecord.SAVEPOINT)).ifPresent(s -> out.println("  last savepoint " + s));
        return alive == roles.size() ? 0 : 3;
    }

    private static int down(ClusterLayout layout, PrintStream out) throws IOException {
        List<String> stopped = StandaloneCluster.down(layout);
        out.println(stopped.isEmpty() ? "nothing was running from " + layout.varDir()
                : "stopped " + String.join(", ", stopped) + "; data kept in " + layout.varDir());
        return 0;
    }
}
