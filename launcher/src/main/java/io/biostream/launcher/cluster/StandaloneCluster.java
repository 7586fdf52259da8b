package io.biostream.launcher.cluster;

import io.biostream.launcher.local.KafkaCredentials;
import io.biostream.launcher.local.EmbeddedKafkaBroker;
import io.biostream.operators.config.KafkaConnection;
import io.biostream.api.ApiConfig;
import io.biostream.api.ApiServiceConfig;
import io.biostream.launcher.LocalMode;
import io.biostream.launcher.local.PrivateDirectory;
import io.biostream.launcher.local.LocalCredentials;
import io.biostream.launcher.local.Loopback;
import io.biostream.launcher.local.RetainedCheckpoints;
import io.biostream.operators.config.PortCheck;
import io.biostream.operators.config.Settings;
import io.biostream.operators.crypto.CryptoConfig;
import io.biostream.operators.crypto.LocalKeyFiles;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.client.deployment.StandaloneClusterId;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.execution.ExecutionState;
import org.apache.flink.runtime.jobmanager.JobManagerProcessUtils;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessUtils;
import org.apache.flink.runtime.clusterframework.TaskExecutorProcessSpec;
import org.apache.flink.runtime.jobmanager.JobManagerProcessSpec;
import org.apache.flink.runtime.rest.messages.job.JobDetailsInfo;
import org.apache.flink.runtime.util.config.memory.ProcessMemoryUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Flink standalone cluster on this machine, Flink's own processes: a JobManager
 * ({@code StandaloneSessionClusterEntrypoint}) and two TaskManagers ({@code TaskManagerRunner}),
 * each its own JVM, beside a Kafka broker in its own JVM ({@code biostream broker}); the pipeline
 * job jar submitted through the JobManager's REST API at parallelism 2. Everything listens on
 * 127.0.0.1 and keeps its state under one directory ({@link ClusterLayout}).
 *
 * <p>A start that fails stops every process it started. The processes outlive this object (the
 * command returns, they keep running); {@link #down(ClusterLayout)} stops them from their pid files.
 */
public final class StandaloneCluster {
    private static final Logger LOG = LoggerFactory.getLogger(StandaloneCluster.class);
    public static final String BROKER = "broker";
    public static final String JOB_MANAGER = "jobmanager";
    public static final String API = "api";
    static final String JOB_MANAGER_MAIN = "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";
    static final String TASK_MANAGER_MAIN = "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";
    private static final Duration POLL = Duration.ofMillis(250);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    private final ClusterOptions options;
    private final ClusterLayout layout;
    private final List<ClusterProcess> started = new ArrayList<>();
    private Configuration configuration;
    private List<Path> flinkClasspath;
    private Path pluginsDir;
    private Map<String, String> keySettings = Map.of();
    private Optional<LocalCredentials> issuedCredentials = Optional.empty();
    private JobID jobId;
    private Optional<String> restoredFrom = Optional.empty();

    private StandaloneCluster(ClusterOptions options) {
        this.options = options;
        this.layout = options.layout();
    }

    public static String taskManagerRole(int n) {
        return "taskmanager-" + n;
    }

    /** Starts the broker, the JobManager, two TaskManagers (and the API), submits the job and waits until it runs. */
    public static StandaloneCluster up(ClusterOptions options) throws Exception {
        StandaloneCluster cluster = new StandaloneCluster(options);
        try {
            cluster.startAll();
            return cluster;
        } catch (Exception | Error e) {
            List<ClusterProcess> stubborn = ClusterProcess.stop(cluster.started, Duration.ofSeconds(15));
            stubborn.forEach(p -> LOG.error("{} (pid {}) did not stop", p.role(), p.pid()));
            for (ClusterProcess p : cluster.started) {
                if (!p.isAlive()) {
                    Files.deleteIfExists(cluster.layout.pidFile(p.role()));
                }
            }
            Files.deleteIfExists(cluster.layout.brokerReadyFile());
            throw e;
        }
    }

    /**
     * The cluster started earlier from the same options (its processes found by their pid files):
     * for starting a TaskManager in place of a dead one, stopping the job, submitting it again.
     */
    public static StandaloneCluster attach(ClusterOptions options) throws Exception {
        StandaloneCluster cluster = new StandaloneCluster(options);
        ClusterLayout layout = cluster.layout;
        if (!Files.isRegularFile(layout.conf().resolve(org.apache.flink.configuration.GlobalConfiguration.FLINK_CONF_FILENAME))) {
            throw new IllegalStateException("no cluster configuration in " + layout.conf() + ": bin/biostream cluster up first");
        }
        cluster.configuration = org.apache.flink.configuration.GlobalConfiguration.loadConfiguration(layout.conf().toString());
        cluster.flinkClasspath = options.flink().classpath();
        cluster.pluginsDir = options.flink().pluginsDir(layout.varDir());
        cluster.keySettings = cluster.keySettings();
        cluster.jobId = ClusterRecord.get(layout, ClusterRecord.JOB_ID).map(JobID::fromHexString).orElse(null);
        return cluster;
    }

    private void startAll() throws Exception {
        List<String> running = runningRoles(layout);
        if (!running.isEmpty()) {
            throw new IllegalStateException("a cluster is already running from " + layout.varDir() + " (" + String.join(", ", running)
                    + "): bin/biostream cluster down first");
        }
        if (!Files.isRegularFile(options.jobJar())) {
            throw new IllegalStateException("no job jar at " + options.jobJar() + ": build it with mvn -B package -DskipTests");
        }
        flinkClasspath = options.flink().classpath();
        // Nothing is started before every fixed port is known to be free.
        PortCheck.requireFree(options.ports().listeners());

        PrivateDirectory.create(layout.varDir());
        for (Path dir : List.of(layout.conf(), layout.log(), layout.run(), layout.kafka(), layout.checkpoints(),
                layout.savepoints(), layout.flinkTmp())) {
            Files.createDirectories(dir);
        }
        for (String role : ClusterProcess.recordedRoles(layout)) {
            Files.deleteIfExists(layout.pidFile(role)); // none runs (checked above): stale files of a crashed run
        }
        pluginsDir = options.flink().pluginsDir(layout.varDir());
        keySettings = keySettings();
        configuration = ClusterConfiguration.create(options);
        ClusterConfiguration.write(configuration, layout.conf());
        Files.deleteIfExists(layout.stateFile());
        Map<String, String> record = new LinkedHashMap<>();
        record.put(ClusterRecord.REST_URL, restUrl().toString());
        record.put(ClusterRecord.KAFKA, kafkaBootstrap());
        options.ports().listeners().forEach(l -> record.put(ClusterRecord.PORT_PREFIX + l.what(), Integer.toString(l.port())));
        ClusterRecord.update(layout, record);

        startBroker();
        startJobManager();
        List<ClusterProcess> taskManagers = new ArrayList<>();
        for (int n = 1; n <= ClusterPorts.TASK_MANAGERS; n++) {
            taskManagers.add(startTaskManagerProcess(n));
        }
        for (int n = 1; n <= ClusterPorts.TASK_MANAGERS; n++) {
            awaitTaskManager(taskManagers.get(n - 1), n);
        }
        restoredFrom = newestRestorePoint(layout);
        jobId = submit(restoredFrom);
        awaitJobRunning(jobId, options.startTimeout());
        startApi();
    }

    /**
     * The API as its own process ({@code biostream api}), as beside any cluster: Kafka, the job
     * found on the JobManager's REST API (and found again after a resubmit), TaskManager 1's
     * queryable-state proxy (a TaskManager started in its place takes the same port), the key
     * store and audit signing keyset under var/cluster (keys issued on the first start, as local
     * mode does, printed once and kept in credentials.json, mode 600).
     */
    private void startApi() throws IOException, GeneralSecurityException, InterruptedException {
        LocalCredentials.Issued keys = LocalCredentials.openStore(layout.varDir());
        issuedCredentials = keys.credentials();
        List<String> args = new ArrayList<>(List.of(API,
                "--" + ApiServiceConfig.KEYS_FILE + "=" + keys.store().file().orElseThrow(),
                "--" + ApiServiceConfig.AUDIT_SIGNING_KEYSET_FILE + "=" + LocalMode.auditSigningKeyset(layout.keys()),
                "--" + ApiServiceConfig.FLINK_REST_URL + "=" + restUrl(),
                "--" + ApiConfig.HOST + "=" + Loopback.HOST,
                "--" + ApiConfig.PORT + "=" + options.ports().api(),
                "--" + ApiConfig.STATE_PROXY_HOST + "=" + Loopback.HOST,
                "--" + ApiConfig.STATE_PROXY_PORT + "=" + options.ports().taskManagers().get(0).stateProxy()));
        args.addAll(jobArguments());
        // Last, so it wins over the job's principal in the arguments above.
        kafkaConnection(KafkaCredentials.API).settings().forEach((key, value) -> args.add("--" + key + "=" + value));
        List<Path> classpath = Stream.of(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .map(Path::of).toList();
        ClusterProcess api = launch(API, List.of("-Xmx1g"), classpath, "io.biostream.launcher.Main", args,
                Map.of("OMP_NUM_THREADS", "1"));
        URI health = URI.create("http://" + Loopback.HOST + ":" + options.ports().api() + "/health");
        awaitStart(api, "API on " + health.resolve("/"), () -> httpOk(health));
    }

    /** The API keys issued by this start (one per role), present only on the first start of the var directory. */
    public Optional<LocalCredentials> issuedCredentials() {
        return issuedCredentials;
    }

    /** The broker in its own JVM ({@code biostream broker}), with the demo camera if asked; waits until its topics exist. */
    private void startBroker() throws IOException, InterruptedException {
        Files.deleteIfExists(layout.brokerReadyFile());
        List<String> args = new ArrayList<>(List.of(BROKER,
                "--" + BrokerCommand.DATA_DIR + "=" + layout.kafka(),
                "--" + BrokerCommand.READY_FILE + "=" + layout.brokerReadyFile(),
                "--" + ClusterPorts.KAFKA_PORT + "=" + options.ports().kafka(),
                "--biostream.local.demo-interval-ms=" + options.demoInterval().toMillis()));
        jobArguments().forEach(arg -> args.add(arg));
        if (options.demo()) {
            args.add("--demo");
        }
        List<Path> classpath = Stream.of(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .map(Path::of).toList();
        ClusterProcess broker = launch(BROKER, List.of("-Xmx512m"), classpath, "io.biostream.launcher.Main", args, Map.of());
        awaitStart(broker, "Kafka broker on " + kafkaBootstrap(), () -> Files.exists(layout.brokerReadyFile()));
    }

    private void startJobManager() throws IOException, InterruptedException {
        JobManagerProcessSpec spec = JobManagerProcessUtils.processSpecFromConfig(configuration);
        List<String> jvm = new ArrayList<>(split(JobManagerProcessUtils.generateJvmParametersStr(spec, configuration)));
        jvm.addAll(split(ClusterConfiguration.jvmOpens()));
        List<String> args = new ArrayList<>(List.of("--configDir", layout.conf().toString()));
        args.addAll(split(JobManagerProcessUtils.generateDynamicConfigsStr(spec)));
        ClusterProcess jm = launch(JOB_MANAGER, jvm, flinkClasspath, JOB_MANAGER_MAIN, args, flinkEnvironment());
        awaitStart(jm, "JobManager REST API on " + restUrl(), () -> httpOk(restUrl().resolve("/overview")));
    }

    /**
     * Starts TaskManager {@code n} (1 or 2) and waits until it has registered with the JobManager:
     * in place of one that died (kill -9), it takes over that one's ports.
     */
    public ClusterProcess startTaskManager(int n) throws IOException, InterruptedException {
        Optional<ClusterProcess> alive = ClusterProcess.find(layout, taskManagerRole(n));
        if (alive.isPresent()) {
            throw new IllegalStateException(taskManagerRole(n) + " is running (pid " + alive.get().pid() + ")");
        }
        PortCheck.requireFree(options.ports().taskManagerListeners(n));
        ClusterProcess tm = startTaskManagerProcess(n);
        awaitTaskManager(tm, n);
        return tm;
    }

    private ClusterProcess startTaskManagerProcess(int n) throws IOException {
        String role = taskManagerRole(n);
        String resourceId = role + "-" + Long.toString(System.currentTimeMillis(), 36);
        Configuration tmConfig = new Configuration(configuration);
        Map<String, String> own = ClusterConfiguration.taskManagerSettings(options, n, resourceId);
        own.forEach(tmConfig::setString);
        Files.createDirectories(ClusterConfiguration.rocksDbDir(options.varDir()).resolve("tm-" + n));
        TaskExecutorProcessSpec spec = TaskExecutorProcessUtils.processSpecFromConfig(tmConfig);
        List<String> jvm = new ArrayList<>(split(ProcessMemoryUtils.generateJvmParametersStr(spec)));
        jvm.addAll(split(ClusterConfiguration.jvmOpens()));
        jvm.addAll(split(tmConfig.get(org.apache.flink.configuration.CoreOptions.FLINK_TM_JVM_OPTIONS)));
        List<String> args = new ArrayList<>(List.of("--configDir", layout.conf().toString()));
        own.forEach((key, value) -> args.add("-D" + key + "=" + value));
        args.addAll(split(TaskExecutorProcessUtils.generateDynamicConfigsStr(spec)));
        Map<String, String> env = new HashMap<>(flinkEnvironment());
        // One OpenMP thread per face net; the slots are the parallelism (docs/operations.md).
        env.put("OMP_NUM_THREADS", "1");
        ClusterProcess tm = launch(role, jvm, flinkClasspath, TASK_MANAGER_MAIN, args, env);
        ClusterRecord.update(layout, Map.of("resource-id." + role, resourceId));
        return tm;
    }

    /**
     * Waits on the process as started: its pid file is not looked up here, since right after the
     * spawn the pid may still run the JVM's spawn helper, whose command line lacks the role.
     */
    private void awaitTaskManager(ClusterProcess tm, int n) throws IOException, InterruptedException {
        String role = taskManagerRole(n);
        String resourceId = ClusterRecord.get(layout, "resource-id." + role).orElseThrow();
        awaitStart(tm, "TaskManager " + n + " registered with the JobManager", () -> {
            String body = httpGet(restUrl().resolve("/taskmanagers")).orElse("");
            return body.contains("\"" + resourceId + "\"");
        });
    }

    private ClusterProcess launch(String role, List<String> jvm, List<Path> classpath, String main, List<String> args,
                                  Map<String, String> env) throws IOException {
        ClusterProcess process = ClusterProcess.start(layout, role, jvm, classpath, main, args, env);
        started.add(process);
        LOG.info("started {} (pid {})", role, process.pid());
        return process;
    }

    private Map<String, String> flinkEnvironment() {
        Map<String, String> env = new HashMap<>();
        env.put("FLINK_CONF_DIR", layout.conf().toString());
        env.put("FLINK_PLUGINS_DIR", pluginsDir.toString());
        env.put("FLINK_LOG_DIR", layout.log().toString());
        env.put("FLINK_LIB_DIR", options.flink().lib().toString());
        return env;
    }

    /** Waits until {@code ready}, failing at once if the process exits, and after the start timeout. */
    private void awaitStart(ClusterProcess process, String what, BooleanSupplier ready) throws InterruptedException {
        long deadline = System.nanoTime() + options.startTimeout().toNanos();
        while (!ready.getAsBoolean()) {
            if (!process.isAlive()) {
                String status = process.handle().onExit().thenApply(h -> "").getNow("");
                throw new IllegalStateException(process.role() + " (pid " + process.pid() + ") exited at start" + status
                        + "; see " + layout.logFile(process.role()) + ClusterProcess.tail(layout, process.role(), 15));
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no " + what + " within " + options.startTimeout().toSeconds() + " s; see "
                        + layout.logFile(process.role()));
            }
            Thread.sleep(POLL.toMillis());
        }
        LOG.info("{} ready", what);
    }

    /**
     * Builds the job graph from the job jar and submits it with the jar through the JobManager's
     * REST API, as {@code flink run} does: in a client JVM of its own ({@link JobSubmitter}) whose
     * classpath is Flink's lib/, so the jar's classes never meet the launcher's copies of them.
     */
    public JobID submit(Optional<String> restoreFrom) throws Exception {
        Path jobIdFile = layout.run().resolve("submitted-job");
        Files.deleteIfExists(jobIdFile);
        List<Path> classpath = new ArrayList<>(flinkClasspath);
        classpath.add(Path.of(JobSubmitter.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
        List<String> args = new ArrayList<>(List.of(layout.conf().toString(), options.jobJar().toString(),
                Integer.toString(options.parallelism()), restoreFrom.orElse("-"), jobIdFile.toString()));
        args.addAll(jobArguments());
        List<String> jvm = new ArrayList<>(List.of("-Xmx1g"));
        jvm.addAll(split(ClusterConfiguration.jvmOpens()));
        ClusterProcess client = ClusterProcess.start(layout, "submit", jvm, classpath, JobSubmitter.class.getName(), args,
                flinkEnvironment());
        Files.deleteIfExists(layout.pidFile("submit")); // not a cluster process: it ends with the submission
        long deadline = System.nanoTime() + options.startTimeout().toNanos();
        while (client.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(POLL.toMillis());
        }
        if (client.isAlive()) {
            ClusterProcess.stop(List.of(client), Duration.ofSeconds(5));
            throw new IllegalStateException("the job was not submitted within " + options.startTimeout().toSeconds() + " s; see "
                    + layout.logFile("submit"));
        }
        if (!Files.exists(jobIdFile)) {
            throw new IllegalStateException("submitting the job failed; see " + layout.logFile("submit")
                    + ClusterProcess.tail(layout, "submit", 25));
        }
        JobID id = JobID.fromHexString(Files.readString(jobIdFile).trim());
        jobId = id;
        ClusterRecord.update(layout, Map.of(ClusterRecord.JOB_ID, id.toHexString()));
        LOG.info("submitted job {}{}", id, restoreFrom.map(p -> " from " + p).orElse(""));
        return id;
    }

    /**
     * Stops the job with a savepoint (REST POST /jobs/ID/stop, as {@code flink stop} does) and
     * returns the savepoint's path; the job ends FINISHED.
     */
    public String stopWithSavepoint(JobID job) throws Exception {
        try (RestClusterClient<StandaloneClusterId> client = restClient()) {
            String path = client.stopWithSavepoint(job, false, null, SavepointFormatType.CANONICAL)
                    .get(options.startTimeout().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            ClusterRecord.update(layout, Map.of(ClusterRecord.SAVEPOINT, path));
            return path;
        }
    }

    /** Waits until the job and every one of its tasks is RUNNING. */
    public void awaitJobRunning(JobID job, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (RestClusterClient<StandaloneClusterId> client = restClient()) {
            String last = "no answer";
            while (System.nanoTime() < deadline) {
                try {
                    JobDetailsInfo details = client.getJobDetails(job).get(REQUEST_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                    last = details.getJobStatus() + " " + details.getJobVerticesPerState();
                    if (details.getJobStatus() == JobStatus.RUNNING && details.getJobVertexInfos().stream()
                            .allMatch(v -> v.getExecutionState() == ExecutionState.RUNNING)) {
                        return;
                    }
                    if (details.getJobStatus().isGloballyTerminalState()) {
                        break;
                    }
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    last = e.toString();
                }
                Thread.sleep(POLL.toMillis());
            }
            throw new IllegalStateException("job " + job + " not running within " + timeout.toSeconds() + " s: " + last
                    + "; see " + layout.logFile(JOB_MANAGER));
        }
    }

    public JobStatus jobStatus(JobID job) throws Exception {
        try (RestClusterClient<StandaloneClusterId> client = restClient()) {
            return client.getJobStatus(job).get(REQUEST_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        }
    }

    /** A REST client of the JobManager; the caller closes it. */
    public RestClusterClient<StandaloneClusterId> restClient() throws Exception {
        return new RestClusterClient<>(new Configuration(configuration), StandaloneClusterId.getInstance());
    }

    /** The job's arguments: its settings from config.yaml and the command line, Kafka and the keys of this cluster. */
    List<String> jobArguments() {
        Map<String, String> job = new LinkedHashMap<>();
        Configuration base = configuration != null ? configuration
                : org.apache.flink.configuration.GlobalConfiguration.loadConfiguration(options.flinkConfDir().toString());
        base.toMap().forEach((key, value) -> {
            if (ClusterOptions.isJobSetting(key)) {
                job.put(key, value);
            }
        });
        job.putAll(keySettings);
        job.putAll(kafkaConnection(KafkaCredentials.JOB).settings());
        job.putAll(options.jobSettings());
        return job.entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toList();
    }

    /**
     * Unless a key-encryption key is configured, the cluster keeps one in var/cluster/keys, as
     * local mode does in var/keys: a master secret (mode 600) and the KEK keyset encrypted under it;
     * the control signing keyset with its public half, and the camera master, unless configured.
     */
    private Map<String, String> keySettings() throws IOException, GeneralSecurityException {
        Settings settings = options.settings().with(options.jobSettings());
        Map<String, String> keys = new LinkedHashMap<>();
        if (settings.get(CryptoConfig.KEK_URI, null) == null) {
            keys.putAll(LocalKeyFiles.prepare(layout.keys()));
        }
        // The control signing keyset (the API's) and its public half (the job's), beside the KEK.
        keys.putAll(LocalMode.controlSigningSettings(settings.with(keys)
                .with(Map.of("biostream.kafka.bootstrap-servers", kafkaBootstrap())), layout.keys()));
        // The camera master the job authenticates frames with (the demo camera's key derives from it).
        keys.putAll(LocalMode.cameraSettings(settings.with(keys)
                .with(Map.of("biostream.kafka.bootstrap-servers", kafkaBootstrap())), layout.keys()));
        return keys;
    }

    /** The crypto settings the job runs with (the KEK and master secret files under keys/, unless configured). */
    public Map<String, String> keySettingsInUse() {
        return keySettings;
    }

    /**
     * The state to resume from: the newest retained checkpoint ({@code checkpoints/JOB/chk-N}) or
     * savepoint ({@code savepoints/savepoint-*}) of an earlier run, by the time of its metadata.
     */
    static Optional<String> newestRestorePoint(ClusterLayout layout) throws IOException {
        List<Path> candidates = new ArrayList<>();
        if (Files.isDirectory(layout.checkpoints())) {
            try (Stream<Path> jobs = Files.list(layout.checkpoints())) {
                jobs.filter(Files::isDirectory).map(RetainedCheckpoints::newest).flatMap(Optional::stream).forEach(candidates::add);
            }
        }
        if (Files.isDirectory(layout.savepoints())) {
            try (Stream<Path> savepoints = Files.list(layout.savepoints())) {
                savepoints.filter(p -> Files.isRegularFile(p.resolve("_metadata"))).forEach(candidates::add);
            }
        }
        return candidates.stream().max(Comparator.comparingLong(StandaloneCluster::metadataTime)).map(Path::toString);
    }

    private static long metadataTime(Path dir) {
        try {
            return Files.getLastModifiedTime(dir.resolve("_metadata")).toMillis();
        } catch (IOException e) {
            return 0L;
        }
    }

    /**
     * Stops every process recorded under the layout (SIGTERM; SIGKILL after a bounded wait):
     * the API first, then the TaskManagers, the JobManager, the broker last. Leaves all data.
     * Returns the roles it stopped.
     */
    public static List<String> down(ClusterLayout layout) throws IOException {
        List<String> roles = new ArrayList<>(ClusterProcess.recordedRoles(layout));
        java.util.Collections.reverse(roles);
        List<String> stopped = new ArrayList<>();
        List<ClusterProcess> stubborn = new ArrayList<>();
        // In stages: the job's tasks end before the JobManager, the broker outlives both.
        for (List<String> stage : List.of(
                roles.stream().filter(r -> !r.equals(BROKER) && !r.equals(JOB_MANAGER) && !r.startsWith("taskmanager")).toList(),
                roles.stream().filter(r -> r.startsWith("taskmanager")).toList(),
                roles.stream().filter(r -> r.equals(JOB_MANAGER)).toList(),
                roles.stream().filter(r -> r.equals(BROKER)).toList())) {
            List<ClusterProcess> running = stage.stream().map(r -> ClusterProcess.find(layout, r)).flatMap(Optional::stream).toList();
            stubborn.addAll(ClusterProcess.stop(running, ClusterProcess.STOP_GRACE));
            running.forEach(p -> stopped.add(p.role() + " (pid " + p.pid() + ")"));
        }
        for (String role : roles) {
            if (stubborn.stream().noneMatch(p -> p.role().equals(role))) {
                Files.deleteIfExists(layout.pidFile(role));
            }
        }
        Files.deleteIfExists(layout.brokerReadyFile());
        if (stubborn.isEmpty()) {
            // RocksDB's working copies (the checkpoints hold the state); a killed TaskManager leaves its own behind.
            deleteTree(ClusterConfiguration.rocksDbDir(layout.varDir()));
        }
        if (!stubborn.isEmpty()) {
            throw new IllegalStateException("still running after SIGKILL: " + stubborn);
        }
        return stopped;
    }

    /** The roles whose recorded pid still runs that process. */
    static List<String> runningRoles(ClusterLayout layout) throws IOException {
        return ClusterProcess.recordedRoles(layout).stream().filter(r -> ClusterProcess.find(layout, r).isPresent()).toList();
    }

    /** The running process of {@code role}, if any. */
    public Optional<ClusterProcess> process(String role) {
        return ClusterProcess.find(layout, role);
    }

    public URI restUrl() {
        return URI.create("http://" + Loopback.HOST + ":" + options.ports().rest());
    }

    /** How {@code principal} reaches this cluster's broker: its password file is where the broker process wrote it. */
    public KafkaConnection kafkaConnection(String principal) {
        return KafkaConnection.scram(kafkaBootstrap(), principal,
                KafkaCredentials.passwordFile(EmbeddedKafkaBroker.credentialsDir(layout.kafka()), principal));
    }

    public String kafkaBootstrap() {
        return Loopback.HOST + ":" + options.ports().kafka();
    }

    public JobID jobId() {
        return jobId;
    }

    public Optional<String> restoredFrom() {
        return restoredFrom;
    }

    public ClusterOptions options() {
        return options;
    }

    public ClusterLayout layout() {
        return layout;
    }

    static boolean httpOk(URI uri) {
        return httpGet(uri).isPresent();
    }

    /** The body of a 200 answer, empty for anything else (not yet listening, 503 during leader election). */
    static Optional<String> httpGet(URI uri) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? Optional.of(response.body()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | java.io.UncheckedIOException e) {
            LOG.warn("could not delete {}: {}", dir, e.toString());
        }
    }

    private static List<String> split(String options) {
        return options == null || options.isBlank() ? List.of() : List.of(options.trim().split("\\s+"));
    }
}
