package io.biostream.launcher.local;

import io.biostream.api.state.QueryableStateProxyProbe;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntSupplier;
import java.util.stream.Stream;

import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.client.program.ClusterClient;
import org.apache.flink.client.program.MiniClusterClient;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.QueryableStateOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.checkpoint.CompletedCheckpointStats;
import org.apache.flink.runtime.checkpoint.RestoredCheckpointStats;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.state.rocksdb.RocksDBOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Flink MiniCluster in this JVM, configured like a real cluster from {@code flink-conf/config.yaml}:
 * web UI and REST API, the queryable-state proxy, RocksDB with incremental checkpoints retained on
 * cancellation. Everything it opens listens on 127.0.0.1 only.
 *
 * <p>Jobs are submitted through the REST API, as a client submits them to a real cluster: build
 * them on {@link #executionEnvironment()}, which carries the cluster's configuration (a client bakes
 * checkpointing settings into the job graph; setting them on the cluster alone does nothing).
 */
public final class LocalFlinkCluster implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalFlinkCluster.class);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);
    private static final int PORT_ATTEMPTS = 3;
    /** This cluster's own proxy answers the probe in milliseconds; a socket that is not a proxy never does. */
    private static final Duration PROXY_PROBE_TIMEOUT = Duration.ofSeconds(10);
    /** What the Prometheus client's HTTP server answers on /-/healthy (and no other server here). */
    private static final String PROMETHEUS_HEALTHY = "Exporter is healthy.";
    private static final Duration POLL_INTERVAL = Duration.ofMillis(100);
    /** The name of local mode's metrics reporter in {@code metrics.reporter.<name>.*}. */
    static final String PROMETHEUS_REPORTER = "prometheus";

    private final MiniCluster miniCluster;
    private final Configuration configuration;
    private final MiniClusterClient client;
    private final URI restUrl;
    private final int queryableStateProxyPort;
    private final Path checkpointDir;
    private final Optional<Path> ownedRocksDbDir;

    private LocalFlinkCluster(MiniCluster miniCluster, Configuration configuration, URI restUrl,
                              Path checkpointDir, Optional<Path> ownedRocksDbDir) {
        this.miniCluster = miniCluster;
        this.configuration = configuration;
        this.client = new MiniClusterClient(configuration, miniCluster);
        this.restUrl = restUrl;
        this.queryableStateProxyPort = proxyPortOf(configuration);
        this.checkpointDir = checkpointDir;
        this.ownedRocksDbDir = ownedRocksDbDir;
    }

    /**
     * A cluster configured from {@code confDir/config.yaml}, keeping checkpoints and savepoints
     * under {@code stateDir} (local mode: ./var/flink; tests: a temporary directory).
     */
    public static Builder builder(Path confDir, Path stateDir) {
        return new Builder(confDir, stateDir);
    }

    /** Base URL of the web UI and REST API, e.g. {@code http://127.0.0.1:8081}. */
    public URI restUrl() {
        return restUrl;
    }

    /** Port of the REST API and web UI on 127.0.0.1. */
    public int restPort() {
        return restUrl.getPort();
    }

    /** Port of the queryable-state client proxy on 127.0.0.1 (what a QueryableStateClient connects to). */
    public int queryableStateProxyPort() {
        return queryableStateProxyPort;
    }

    /** Where the Flink metrics are served in the Prometheus format, if {@link Builder#prometheusPort} was set. */
    public Optional<URI> prometheusUrl() {
        return prometheusPortOf(configuration).map(p -> URI.create("http://" + Loopback.HOST + ":" + p + "/metrics"));
    }

    /** The proxy's one port, as {@link Builder} sets it. */
    private static int proxyPortOf(Configuration config) {
        return Integer.parseInt(config.get(QueryableStateOptions.PROXY_PORT_RANGE));
    }

    /** The metrics endpoint's port, if {@link Builder#prometheusPort} was set. */
    private static Optional<Integer> prometheusPortOf(Configuration config) {
        return Optional.ofNullable(config.getString("metrics.reporter." + PROMETHEUS_REPORTER + "."
                + LoopbackPrometheusReporterFactory.PORT, null)).map(Integer::parseInt);
    }

    /** The effective cluster configuration: config.yaml plus the local overrides. A copy. */
    public Configuration configuration() {
        return new Configuration(configuration);
    }

    /** Where checkpoints are written: one {@code <jobId>/chk-<n>} directory per retained checkpoint. */
    public Path checkpointDir() {
        return checkpointDir;
    }

    /** A client of this cluster (job status, cancel, savepoints). Closed with the cluster. */
    public ClusterClient<?> clusterClient() {
        return client;
    }

    /** An environment whose jobs run on this cluster, with its checkpointing and state settings. */
    public StreamExecutionEnvironment executionEnvironment() {
        return StreamExecutionEnvironment.createRemoteEnvironment(Loopback.HOST, restPort(), jobConfiguration());
    }

    /**
     * Like {@link #executionEnvironment()}, but jobs start from the state in {@code checkpointOrSavepoint}
     * (a retained checkpoint's or savepoint's path or URI).
     */
    public StreamExecutionEnvironment executionEnvironment(String checkpointOrSavepoint) {
        Configuration jobConfig = jobConfiguration();
        jobConfig.set(StateRecoveryOptions.SAVEPOINT_PATH, checkpointOrSavepoint);
        return StreamExecutionEnvironment.createRemoteEnvironment(Loopback.HOST, restPort(), jobConfig);
    }

    public JobStatus jobStatus(JobID jobId) {
        return await(client.getJobStatus(jobId), REQUEST_TIMEOUT, "status of job " + jobId);
    }

    /** Waits until the job has reached {@code status}; fails after {@code timeout}. */
    public void awaitStatus(JobID jobId, JobStatus status, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        JobStatus current = jobStatus(jobId);
        while (current != status) {
            if (current.isGloballyTerminalState() || System.nanoTime() > deadline) {
                throw new IllegalStateException("job " + jobId + " is " + current + ", expected " + status);
            }
            pause();
            current = jobStatus(jobId);
        }
    }

    /** Cancels the job and waits until it is CANCELED. Its last checkpoint is retained. */
    public void cancel(JobID jobId) {
        await(client.cancel(jobId), REQUEST_TIMEOUT, "cancel job " + jobId);
        awaitStatus(jobId, JobStatus.CANCELED, STOP_TIMEOUT);
    }

    /** The newest checkpoint of the job that completed, if any; works for running and ended jobs. */
    public Optional<CompletedCheckpoint> latestCompletedCheckpoint(JobID jobId) {
        CompletedCheckpointStats latest = executionGraph(jobId).getCheckpointStatsSnapshot().getHistory()
                .getLatestCompletedCheckpoint();
        return Optional.ofNullable(latest)
                .map(stats -> new CompletedCheckpoint(stats.getCheckpointId(), stats.getExternalPath()));
    }

    /** Waits for a checkpoint of the job that completes after checkpoint {@code afterId}; fails after {@code timeout}. */
    public CompletedCheckpoint awaitCompletedCheckpoint(JobID jobId, long afterId, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Optional<CompletedCheckpoint> latest = latestCompletedCheckpoint(jobId);
            if (latest.isPresent() && latest.get().id() > afterId) {
                return latest.get();
            }
            JobStatus status = jobStatus(jobId);
            if (status.isGloballyTerminalState() || System.nanoTime() > deadline) {
                throw new IllegalStateException("no checkpoint of job " + jobId + " after " + afterId
                        + " (job " + status + ")");
            }
            pause();
        }
    }

    /** The checkpoint or savepoint the job was started from, if any. */
    public Optional<CompletedCheckpoint> restoredCheckpoint(JobID jobId) {
        RestoredCheckpointStats restored = executionGraph(jobId).getCheckpointStatsSnapshot().getLatestRestoredCheckpoint();
        return Optional.ofNullable(restored)
                .map(stats -> new CompletedCheckpoint(stats.getCheckpointId(), stats.getExternalPath()));
    }

    /**
     * The newest retained checkpoint on disk for the job ({@code <checkpointDir>/<jobId>/chk-<n>} with
     * its {@code _metadata}), for restoring after this process was restarted and the job's history
     * is gone.
     */
    public Optional<Path> newestRetainedCheckpoint(JobID jobId) {
        return RetainedCheckpoints.newest(checkpointDir.resolve(jobId.toHexString()));
    }

    /** Stops all jobs and the cluster, waiting at most a minute. Checkpoints stay on disk. */
    @Override
    public void close() {
        try {
            client.close();
            miniCluster.closeAsync().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("Flink MiniCluster did not stop cleanly", e);
        } finally {
            ownedRocksDbDir.ifPresent(LocalFlinkCluster::deleteQuietly);
        }
    }

    private Configuration jobConfiguration() {
        return new Configuration(configuration);
    }

    private AccessExecutionGraph executionGraph(JobID jobId) {
        return await(miniCluster.getExecutionGraph(jobId), REQUEST_TIMEOUT, "execution graph of job " + jobId);
    }

    private static <T> T await(CompletableFuture<T> future, Duration timeout, String what) {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + what, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("failed: " + what, e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("no answer within " + timeout.toSeconds() + " s: " + what, e);
        }
    }

    private static void pause() {
        try {
            Thread.sleep(POLL_INTERVAL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            LOG.debug("could not delete {}", dir, e);
        }
    }

    /** A checkpoint that completed: its id and where it lies (a URI of its directory). */
    public record CompletedCheckpoint(long id, String externalPath) {
    }

    /** Settings of a {@link LocalFlinkCluster} on top of config.yaml. */
    public static final class Builder {
        private final Path confDir;
        private final Path stateDir;
        private int restPort;
        private int queryableStateProxyPort;
        private int prometheusPort = -1;
        private IntSupplier freePorts = Loopback::freePort;
        private Path rocksDbLocalDir;
        private final Map<String, String> overrides = new LinkedHashMap<>();

        private Builder(Path confDir, Path stateDir) {
            this.confDir = confDir.toAbsolutePath().normalize();
            this.stateDir = stateDir.toAbsolutePath().normalize();
        }

        /** Port of the web UI and REST API; 0 (the default) picks a free one. */
        public Builder restPort(int port) {
            this.restPort = requirePort(port);
            return this;
        }

        /** Port of the queryable-state proxy; 0 (the default) picks a free one. */
        public Builder queryableStateProxyPort(int port) {
            this.queryableStateProxyPort = requirePort(port);
            return this;
        }

        /** Where the proxy's and the metrics endpoint's ports come from when chosen here (tests: a taken one first). */
        Builder freePorts(IntSupplier ports) {
            this.freePorts = ports;
            return this;
        }

        /**
         * Serve every Flink metric in the Prometheus format on 127.0.0.1 at this port
         * ({@link LoopbackPrometheusReporter}); 0 picks a free one. Off unless set.
         */
        public Builder prometheusPort(int port) {
            this.prometheusPort = requirePort(port);
            return this;
        }

        /**
         * Where RocksDB keeps its working files. Keep it short: RocksDB complains about instance
         * paths beyond its length limit, which deep build or temp directories reach. By default a
         * fresh directory under java.io.tmpdir, deleted on close.
         */
        public Builder rocksDbLocalDir(Path dir) {
            this.rocksDbLocalDir = dir.toAbsolutePath().normalize();
            return this;
        }

        /**
         * Any other setting, e.g. {@code execution.checkpointing.interval: 1s} for a test. Applied
         * over config.yaml; addresses, ports and directories are the builder's and cannot be set here.
         */
        public Builder set(String key, String value) {
            overrides.put(key, value);
            return this;
        }

        public LocalFlinkCluster start() {
            long begin = System.nanoTime();
            Optional<Path> ownedRocksDbDir = Optional.empty();
            Path rocksDb = rocksDbLocalDir;
            try {
                if (rocksDb == null) {
                    rocksDb = Files.createTempDirectory("bs-rocksdb-");
                    ownedRocksDbDir = Optional.of(rocksDb);
                }
                Path checkpoints = Files.createDirectories(stateDir.resolve("checkpoints"));
                Path savepoints = Files.createDirectories(stateDir.resolve("savepoints"));
                Path tmp = Files.createDirectories(stateDir.resolve("tmp"));
                Files.createDirectories(rocksDb);

                // A port chosen here for the proxy or the metrics endpoint can be taken before it is
                // bound (the MiniCluster binds ports of its own in between); the MiniCluster then runs
                // without that listener (it only logs), so start again on other ports.
                boolean portsChosenHere = queryableStateProxyPort == 0 && prometheusPort <= 0;
                int attempts = portsChosenHere ? PORT_ATTEMPTS : 1;
                Configuration config;
                MiniCluster miniCluster;
                URI rest;
                for (int attempt = 1; ; attempt++) {
                    config = GlobalConfiguration.loadConfiguration(confDir.toString());
                    overrides.forEach(config::setString);
                    applyLocalSettings(config, checkpoints, savepoints, tmp, rocksDb);
                    miniCluster = new MiniCluster(new MiniClusterConfiguration.Builder()
                            .setConfiguration(config)
                            .setNumTaskManagers(1)
                            .setNumSlotsPerTaskManager(config.get(TaskManagerOptions.NUM_TASK_SLOTS))
                            .setCommonBindAddress(Loopback.HOST)
                            .build());
                    String missing;
                    try {
                        miniCluster.start();
                        rest = miniCluster.getRestAddress().get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                        awaitRestReady(URI.create("http://" + Loopback.HOST + ":" + rest.getPort()));
                        missing = missingListener(config);
                    } catch (Exception e) {
                        miniCluster.closeAsync().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                        throw e;
                    }
                    if (missing == null) {
                        break;
                    }
                    miniCluster.closeAsync().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                    if (attempt == attempts) {
                        throw new IllegalStateException(missing
                                + (attempts == 1 ? " (is the port in use?)" : " in " + attempts + " attempts on free ports"));
                    }
                    LOG.warn("{} (its port was taken since it was found free); starting again on other ports", missing);
                }
                URI restUrl = URI.create("http://" + Loopback.HOST + ":" + rest.getPort());
                LOG.info("Flink MiniCluster ready in {} ms: web UI {}, queryable state on {}:{}",
                        Duration.ofNanos(System.nanoTime() - begin).toMillis(), restUrl, Loopback.HOST,
                        config.get(QueryableStateOptions.PROXY_PORT_RANGE));
                return new LocalFlinkCluster(miniCluster, config, restUrl, checkpoints, ownedRocksDbDir);
            } catch (Exception e) {
                ownedRocksDbDir.ifPresent(LocalFlinkCluster::deleteQuietly);
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                throw new IllegalStateException("Flink MiniCluster did not start (config " + confDir + ")", e);
            }
        }

        /** Which listener this cluster was given did not start (another socket has its port), or null. */
        private static String missingListener(Configuration config) throws InterruptedException {
            int proxyPort = proxyPortOf(config);
            if (!QueryableStateProxyProbe.answers(Loopback.HOST, proxyPort, PROXY_PROBE_TIMEOUT)) {
                return "the queryable-state proxy did not start on " + Loopback.HOST + ":" + proxyPort;
            }
            Optional<Integer> prometheusPort = prometheusPortOf(config);
            if (prometheusPort.isPresent() && !prometheusHealthy(prometheusPort.get())) {
                return "the Prometheus metrics endpoint did not start on " + Loopback.HOST + ":" + prometheusPort.get();
            }
            return null;
        }

        private static boolean prometheusHealthy(int port) throws InterruptedException {
            HttpClient http = HttpClient.newBuilder().connectTimeout(REQUEST_TIMEOUT).build();
            HttpRequest healthy = HttpRequest.newBuilder(URI.create("http://" + Loopback.HOST + ":" + port + "/-/healthy"))
                    .timeout(PROXY_PROBE_TIMEOUT).GET().build();
            try {
                HttpResponse<String> response = http.send(healthy, HttpResponse.BodyHandlers.ofString());
                return response.statusCode() == 200 && response.body().contains(PROMETHEUS_HEALTHY);
            } catch (IOException e) {
                return false;
            }
        }

        /**
         * The REST endpoint answers 503 ("ongoing leader election") for a moment after it binds;
         * callers (the web UI, job submission) should only see a ready cluster.
         */
        private static void awaitRestReady(URI restUrl) throws InterruptedException {
            HttpClient http = HttpClient.newBuilder().connectTimeout(REQUEST_TIMEOUT).build();
            HttpRequest overview = HttpRequest.newBuilder(restUrl.resolve("/overview")).timeout(REQUEST_TIMEOUT).GET().build();
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            String last = "no answer";
            while (System.nanoTime() < deadline) {
                try {
                    HttpResponse<Void> response = http.send(overview, HttpResponse.BodyHandlers.discarding());
                    if (response.statusCode() == 200) {
                        return;
                    }
                    last = "HTTP " + response.statusCode();
                } catch (IOException e) {
                    last = e.toString();
                }
                Thread.sleep(POLL_INTERVAL.toMillis());
            }
            throw new IllegalStateException("Flink REST endpoint " + restUrl + " not ready within " + START_TIMEOUT + ": " + last);
        }

        private void applyLocalSettings(Configuration config, Path checkpoints, Path savepoints, Path tmp, Path rocksDb) {
            // Loopback only, whatever config.yaml says: local mode must not be reachable from outside.
            config.set(JobManagerOptions.ADDRESS, Loopback.HOST);
            config.set(JobManagerOptions.BIND_HOST, Loopback.HOST);
            config.set(TaskManagerOptions.BIND_HOST, Loopback.HOST);
            config.set(TaskManagerOptions.HOST, Loopback.HOST);
            config.set(RestOptions.ADDRESS, Loopback.HOST);
            config.set(RestOptions.BIND_ADDRESS, Loopback.HOST);
            config.set(RestOptions.PORT, restPort);
            config.set(RestOptions.BIND_PORT, Integer.toString(restPort));

            // The proxy port is fixed before start so clients can be told it. The per-TaskManager
            // state server is found through the proxy, so it takes any free port when it binds:
            // choosing a second port in advance could return the proxy's (both probed, then released).
            int proxyPort = queryableStateProxyPort == 0 ? freePorts.getAsInt() : queryableStateProxyPort;
            config.set(QueryableStateOptions.ENABLE_QUERYABLE_STATE_PROXY_SERVER, true);
            config.set(QueryableStateOptions.PROXY_PORT_RANGE, Integer.toString(proxyPort));
            config.set(QueryableStateOptions.SERVER_PORT_RANGE, "0");

            if (prometheusPort >= 0) {
                String prefix = "metrics.reporter." + PROMETHEUS_REPORTER + ".";
                config.setString(prefix + "factory.class", LoopbackPrometheusReporterFactory.class.getName());
                config.setString(prefix + LoopbackPrometheusReporterFactory.HOST, Loopback.HOST);
                config.setString(prefix + LoopbackPrometheusReporterFactory.PORT,
                        Integer.toString(prometheusPort == 0 ? freePorts.getAsInt() : prometheusPort));
            }

            // State backend, incremental checkpoints, interval and retention come from config.yaml;
            // only the locations are local.
            config.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
            config.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
            config.set(CheckpointingOptions.SAVEPOINT_DIRECTORY, savepoints.toUri().toString());
            config.set(RocksDBOptions.LOCAL_DIRECTORIES, rocksDb.toString());
            config.set(CoreOptions.TMP_DIRS, tmp.toString());
            // Process sizes describe separate JobManager/TaskManager JVMs; in this JVM they mean
            // nothing (Flink warns and ignores them), the task off-heap and managed sizes still apply.
            config.removeConfig(JobManagerOptions.TOTAL_PROCESS_MEMORY);
            config.removeConfig(TaskManagerOptions.TOTAL_PROCESS_MEMORY);
        }

        private static int requirePort(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
            return port;
        }
    }
}
