package io.biostream.launcher.cluster;

import io.biostream.launcher.local.Loopback;
import io.biostream.launcher.local.LoopbackPrometheusReporterFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.configuration.BlobServerOptions;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.QueryableStateOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.clusterframework.BootstrapTools;

/**
 * The Flink configuration of the cluster on one machine, written to var/cluster/conf/config.yaml:
 * flink-conf/config.yaml, then the sizes for one host (one slot per TaskManager, smaller
 * processes, quick heartbeats), then any setting given on the command line, and last what must
 * hold whatever was given: every listener on 127.0.0.1, the ports, the directories under
 * var/cluster. Settings that differ per TaskManager (its queryable-state and metrics ports, RocksDB
 * directory, resource id) are passed to each TaskManager as dynamic properties.
 */
final class ClusterConfiguration {
    /** The name of the metrics reporter in {@code metrics.reporter.<name>.*}. */
    static final String REPORTER = "prometheus";
    static final MemorySize JOB_MANAGER_PROCESS = MemorySize.parse("1200m");
    static final MemorySize TASK_MANAGER_PROCESS = MemorySize.parse("3g");
    /** One face pipeline per slot: its nets' native memory (ND4J, OpenCV) is task off-heap memory. */
    static final MemorySize TASK_OFF_HEAP = MemorySize.parse("1g");

    private ClusterConfiguration() {}

    /** The configuration every process shares. */
    static Configuration create(ClusterOptions options) {
        ClusterLayout layout = options.layout();
        ClusterPorts ports = options.ports();
        Configuration c = GlobalConfiguration.loadConfiguration(options.flinkConfDir().toString());

        // One host, two TaskManagers beside the JobManager, Kafka and the API.
        c.set(TaskManagerOptions.NUM_TASK_SLOTS, 1);
        c.set(CoreOptions.DEFAULT_PARALLELISM, options.parallelism());
        c.set(JobManagerOptions.TOTAL_PROCESS_MEMORY, JOB_MANAGER_PROCESS);
        c.set(TaskManagerOptions.TOTAL_PROCESS_MEMORY, TASK_MANAGER_PROCESS);
        c.set(TaskManagerOptions.TASK_OFF_HEAP_MEMORY, TASK_OFF_HEAP);
        // A killed TaskManager's slot is given up within seconds, not after the default 50 s.
        c.setString("heartbeat.interval", "3s");
        c.setString("heartbeat.timeout", "20s");

        options.flinkSettings().forEach(c::setString);

        // Loopback only, whatever was configured: this cluster must not be reachable from outside.
        c.set(JobManagerOptions.ADDRESS, Loopback.HOST);
        c.set(JobManagerOptions.BIND_HOST, Loopback.HOST);
        c.set(JobManagerOptions.PORT, ports.jobManagerRpc());
        c.set(TaskManagerOptions.BIND_HOST, Loopback.HOST);
        c.set(TaskManagerOptions.HOST, Loopback.HOST);
        c.set(RestOptions.ADDRESS, Loopback.HOST);
        c.set(RestOptions.BIND_ADDRESS, Loopback.HOST);
        c.set(RestOptions.PORT, ports.rest());
        c.set(RestOptions.BIND_PORT, Integer.toString(ports.rest()));
        c.set(BlobServerOptions.PORT, Integer.toString(ports.blob()));
        c.set(QueryableStateOptions.ENABLE_QUERYABLE_STATE_PROXY_SERVER, true);
        // TaskManager 1's ports as the file's defaults; each TaskManager is given its own (dynamic properties).
        c.set(QueryableStateOptions.PROXY_PORT_RANGE, Integer.toString(ports.taskManager(1).stateProxy()));
        c.set(QueryableStateOptions.SERVER_PORT_RANGE, Integer.toString(ports.taskManager(1).stateServer()));

        String prefix = "metrics.reporter." + REPORTER + ".";
        c.setString(prefix + "factory.class", LoopbackPrometheusReporterFactory.class.getName());
        c.setString(prefix + LoopbackPrometheusReporterFactory.HOST, Loopback.HOST);
        c.setString(prefix + LoopbackPrometheusReporterFactory.PORT, Integer.toString(ports.jobManagerMetrics()));

        c.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        c.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, layout.checkpoints().toUri().toString());
        c.set(CheckpointingOptions.SAVEPOINT_DIRECTORY, layout.savepoints().toUri().toString());
        c.set(CoreOptions.TMP_DIRS, layout.flinkTmp().toString());
        c.set(BlobServerOptions.STORAGE_DIRECTORY, layout.flinkTmp().resolve("blobs").toString());

        c.set(CoreOptions.FLINK_JVM_OPTIONS, jvmOpens());
        // javacpp (ND4J, OpenCV) bounds its native allocations by the heap size unless told:
        // give it the task off-heap memory Flink reserves for it, the process size as the ceiling.
        // The parallel collector: each decoded frame is a 29.5 MB array, humongous for G1 (19% more
        // frames/s measured, docs/benchmarks.md "Garbage collector").
        c.set(CoreOptions.FLINK_TM_JVM_OPTIONS, "-XX:+UseParallelGC -Dorg.bytedeco.javacpp.maxbytes="
                + c.get(TaskManagerOptions.TASK_OFF_HEAP_MEMORY).getBytes()
                + " -Dorg.bytedeco.javacpp.maxphysicalbytes=" + c.get(TaskManagerOptions.TOTAL_PROCESS_MEMORY).getBytes());
        return c;
    }

    /** What differs per TaskManager slot {@code n}: its ports, RocksDB directory and resource id. */
    static Map<String, String> taskManagerSettings(ClusterOptions options, int n, String resourceId) {
        ClusterPorts.TaskManagerPorts tm = options.ports().taskManager(n);
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put(TaskManagerOptions.TASK_MANAGER_RESOURCE_ID.key(), resourceId);
        settings.put(QueryableStateOptions.PROXY_PORT_RANGE.key(), Integer.toString(tm.stateProxy()));
        settings.put(QueryableStateOptions.SERVER_PORT_RANGE.key(), Integer.toString(tm.stateServer()));
        settings.put("metrics.reporter." + REPORTER + "." + LoopbackPrometheusReporterFactory.PORT, Integer.toString(tm.metrics()));
        settings.put("state.backend.rocksdb.localdir", rocksDbDir(options.varDir()).resolve("tm-" + n).toString());
        return settings;
    }

    /**
     * RocksDB's working files (not its checkpoints): a short path under /tmp, as RocksDB refuses
     * instance paths past its length limit, which a deep project directory reaches.
     */
    static Path rocksDbDir(Path varDir) {
        String id = Integer.toHexString(varDir.toAbsolutePath().normalize().toString().hashCode());
        return Path.of(System.getProperty("java.io.tmpdir"), "bs-cluster-" + id);
    }

    /** Writes config.yaml (Flink's own writer) and log4j.properties into the conf directory. */
    static void write(Configuration configuration, Path confDir) throws IOException {
        Files.createDirectories(confDir);
        Files.deleteIfExists(confDir.resolve(GlobalConfiguration.FLINK_CONF_FILENAME));
        BootstrapTools.writeConfiguration(configuration, confDir.resolve(GlobalConfiguration.FLINK_CONF_FILENAME).toFile());
        try (InputStream log4j = ClusterConfiguration.class.getResourceAsStream("log4j.properties")) {
            Files.write(confDir.resolve("log4j.properties"), log4j.readAllBytes());
        }
    }

    /** Flink 2.1's env.java.opts.all (the parent pom's flink.jvm.opens, filled in by the build). */
    static String jvmOpens() {
        Properties p = new Properties();
        try (InputStream in = ClusterConfiguration.class.getResourceAsStream("flink-jvm.properties")) {
            p.load(in);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("flink-jvm.properties missing from the launcher's classes: rebuild", e);
        }
        return p.getProperty("opens").trim();
    }
}
