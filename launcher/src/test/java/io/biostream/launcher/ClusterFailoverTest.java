package io.biostream.launcher;

import io.biostream.launcher.local.KafkaCredentials;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.biostream.api.ApiConfig;
import io.biostream.api.state.QueryableStateCameraReader;
import io.biostream.launcher.cluster.ClusterOptions;
import io.biostream.launcher.cluster.ClusterPorts;
import io.biostream.launcher.cluster.ClusterProcess;
import io.biostream.launcher.cluster.FlinkDistribution;
import io.biostream.launcher.cluster.StandaloneCluster;
import io.biostream.launcher.local.FramePublisher;
import io.biostream.launcher.local.ListeningSockets;
import io.biostream.launcher.local.Loopback;
import io.biostream.operators.config.Settings;
import io.biostream.operators.config.KafkaConnection;
import io.biostream.operators.config.Topics;
import io.biostream.operators.crypto.TemplateKeyRing;
import io.biostream.operators.state.StateSeal;
import io.biostream.operators.testing.SharedFaces;
import io.biostream.schemas.CameraLatest;
import io.biostream.schemas.FrameResult;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline on a real Flink cluster of separate processes (Kafka broker, JobManager, two
 * TaskManagers, started by the code behind {@code bin/biostream cluster up}) survives a TaskManager
 * killed with SIGKILL while cameras send frames, and then an upgrade: stop with a savepoint,
 * submit again from it. A read_committed reader then sees exactly one result and one template for
 * every frame sent, none lost and none twice; the camera states read through a TaskManager's
 * queryable-state proxy (as the API reads them) show each camera's last frame.
 */
class ClusterFailoverTest {
    private static final Path HOME = Path.of(System.getProperty("user.dir")).resolve("..").normalize();
    private static final List<String> CAMERAS = List.of("fo-a", "fo-b", "fo-c");
    /** Photos with exactly one face each (IdentityPipelineTest checks them one by one). */
    private static final List<String> PHOTOS = List.of("raj/raj_1.png", "lennard/lennard_1.png", "sheldon/sheldon_2.png");
    /** Each camera's pace: with three cameras about one frame a second, which two one-slot TaskManagers keep up with here. */
    private static final Duration FRAME_INTERVAL = Duration.ofMillis(2500);
    /** A camera never sends more than this, whatever happens: bounds the test's work. */
    private static final int MAX_FRAMES_PER_CAMERA = 60;
    private static final Duration WAIT = Duration.ofSeconds(150);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;

    @Test
    void everyFrameHasExactlyOneResultAfterATaskManagerIsKilledAndTheJobIsUpgradedFromASavepoint() throws Exception {
        List<byte[]> faces = new ArrayList<>();
        for (String photo : PHOTOS) {
            faces.add(SharedFaces.bbtFrame(photo)); // skips the test without the shared photos
        }
        ClusterOptions options = options(dir.resolve("cluster"), Map.of("execution.checkpointing.interval", "2s"));
        Topics topics = Topics.defaults();
        Map<String, AtomicLong> lastSent = new ConcurrentHashMap<>();
        AtomicBoolean sending = new AtomicBoolean(true);
        ExecutorService cameras = Executors.newFixedThreadPool(CAMERAS.size());
        StandaloneCluster cluster = null;
        FramePublisher publisher = null;
        long begin = System.nanoTime();
        try {
            cluster = StandaloneCluster.up(options);
            long upSeconds = seconds(begin);
            JobID first = cluster.jobId();
            assertEveryListenerOnLoopback(cluster);

            publisher = new FramePublisher(cluster.kafkaConnection(KafkaCredentials.ADMIN), topics.frames(), 16 * 1024 * 1024,
                    PipelineCluster.cameraMaster(cluster.keySettingsInUse()).signerForAnyCamera());
            for (int c = 0; c < CAMERAS.size(); c++) {
                String camera = CAMERAS.get(c);
                AtomicLong last = lastSent.computeIfAbsent(camera, k -> new AtomicLong(-1));
                int offset = c;
                FramePublisher camerasPublisher = publisher;
                cameras.submit(() -> {
                    for (int seq = 0; seq < MAX_FRAMES_PER_CAMERA && sending.get(); seq++) {
                        camerasPublisher.publish(FramePublisher.frame(camera, seq, faces.get((seq + offset) % faces.size())));
                        last.set(seq);
                        Thread.sleep(FRAME_INTERVAL.toMillis());
                    }
                    return null;
                });
            }

            // Results flow and a checkpoint has completed: the kill must lose uncommitted work only.
            awaitCommitted(cluster, topics, 1);
            long checkpoint = awaitCheckpointAfter(cluster, first, latestCheckpoint(cluster, first));
            ClusterProcess victim = cluster.process(StandaloneCluster.taskManagerRole(1)).orElseThrow();
            int committedAtKill = committed(cluster, topics).size();
            long killedAt = System.nanoTime();
            victim.handle().destroyForcibly(); // SIGKILL
            assertThat(victim.handle().onExit().get(30, TimeUnit.SECONDS).isAlive()).isFalse();

            ClusterProcess replacement = cluster.startTaskManager(1);
            cluster.awaitJobRunning(first, WAIT);
            awaitCommitted(cluster, topics, committedAtKill + 1);
            long recoverySeconds = seconds(killedAt);
            assertThat(restoredFrom(cluster, first)).as("the job restarted from a checkpoint after the kill").isPresent();
            assertThat(replacement.pid()).isNotEqualTo(victim.pid());

            // The upgrade: stop with a savepoint, submit the jar again from it.
            String savepoint = cluster.stopWithSavepoint(first);
            JobID second = cluster.submit(Optional.of(savepoint));
            cluster.awaitJobRunning(second, WAIT);
            assertThat(restoredFrom(cluster, second)).as("the new job started from the savepoint").contains(savepoint);
            awaitCommitted(cluster, topics, committed(cluster, topics).size() + 1);
            sending.set(false);
            cameras.shutdown();
            assertThat(cameras.awaitTermination(30, TimeUnit.SECONDS)).as("cameras stopped").isTrue();

            Map<String, Integer> expected = new TreeMap<>();
            Map<String, Integer> expectedTemplates = new TreeMap<>();
            lastSent.forEach((camera, last) -> {
                for (long seq = 0; seq <= last.get(); seq++) {
                    expected.put(camera + "/" + seq, 1);
                    expectedTemplates.put(camera + "/" + seq + "/0", 1);
                }
            });
            awaitCommitted(cluster, topics, expected.size());
            // One more checkpoint of the new job commits, so that a duplicate written late would show too.
            awaitCheckpointAfter(cluster, second, latestCheckpoint(cluster, second));

            Map<String, Integer> results = PipelineCluster.countBy(committed(cluster, topics), r -> {
                FrameResult result = PipelineIntegrationTest.decodeResult(r);
                assertThat(result.getFaces()).as("faces of %s/%d", result.getCameraId(), result.getSequence()).hasSize(1);
                return result.getCameraId() + "/" + result.getSequence();
            });
            Map<String, Integer> templates = PipelineCluster.countBy(PipelineCluster.readCommittedToEnd(cluster.kafkaConnection(KafkaCredentials.ADMIN), topics.templates(), WAIT),
                    r -> new String(r.key(), StandardCharsets.UTF_8));
            System.out.printf("cluster failover: up in %d s; %d frames from %d cameras; checkpoint %d before SIGKILL of %s"
                            + " (pid %d) with %d results committed; running and committing again %d s after the kill"
                            + " (new TaskManager pid %d); savepoint %s; %d results, %d templates; %d s in all%n",
                    upSeconds, expected.size(), CAMERAS.size(), checkpoint, victim.role(), victim.pid(), committedAtKill,
                    recoverySeconds, replacement.pid(), savepoint, PipelineCluster.total(results), PipelineCluster.total(templates), seconds(begin));

            assertThat(new TreeMap<>(results)).as("results per frame (none lost, none twice)").isEqualTo(expected);
            assertThat(new TreeMap<>(templates)).as("templates per face").isEqualTo(expectedTemplates);
            assertLatestStatePerCamera(options, second, lastSent, cluster.kafkaConnection(KafkaCredentials.ADMIN));
            assertApiAnswersEachCamerasLatest(cluster, options, lastSent);
        } finally {
            sending.set(false);
            cameras.shutdownNow();
            assertThat(cameras.awaitTermination(30, TimeUnit.SECONDS)).as("camera threads stopped").isTrue();
            if (publisher != null) {
                publisher.close();
            }
            List<String> stopped = StandaloneCluster.down(options.layout());
            System.out.println("stopped " + stopped);
            for (String role : List.of(StandaloneCluster.BROKER, StandaloneCluster.JOB_MANAGER,
                    StandaloneCluster.taskManagerRole(1), StandaloneCluster.taskManagerRole(2), StandaloneCluster.API)) {
                assertThat(cluster == null || cluster.process(role).isEmpty()).as("%s stopped", role).isTrue();
            }
        }
    }

    /** What `cluster up` runs, with free ports for everything and these Flink settings (ClusterFailedStartTest too). */
    static ClusterOptions options(Path varDir, Map<String, String> flinkSettings) {
        Path conf = HOME.resolve("flink-conf");
        Settings settings = new Settings(Map.of(), Map.of(), GlobalConfiguration.loadConfiguration(conf.toString()).toMap());
        Set<Integer> taken = new HashSet<>();
        ClusterPorts ports = new ClusterPorts(free(taken), free(taken), free(taken), free(taken), free(taken), free(taken),
                List.of(new ClusterPorts.TaskManagerPorts(free(taken), free(taken), free(taken)),
                        new ClusterPorts.TaskManagerPorts(free(taken), free(taken), free(taken))));
        return new ClusterOptions(settings, HOME, varDir, conf, FlinkDistribution.of(Optional.empty(), HOME),
                ClusterOptions.defaultJobJar(HOME), ports, 2, false, Duration.ofSeconds(2), Map.of(), flinkSettings,
                Duration.ofMinutes(3));
    }

    private static int free(Set<Integer> taken) {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = Loopback.freePort();
            if (taken.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no distinct free port");
    }

    /** Every socket the cluster's processes listen on is bound to 127.0.0.1. */
    private static void assertEveryListenerOnLoopback(StandaloneCluster cluster) throws Exception {
        if (!ListeningSockets.supported()) {
            return;
        }
        for (String role : List.of(StandaloneCluster.BROKER, StandaloneCluster.JOB_MANAGER,
                StandaloneCluster.taskManagerRole(1), StandaloneCluster.taskManagerRole(2), StandaloneCluster.API)) {
            long pid = cluster.process(role).orElseThrow(() -> new AssertionError(role + " not running")).pid();
            List<InetSocketAddress> listening = ListeningSockets.ofProcess(pid);
            assertThat(listening).as("%s listens", role).isNotEmpty();
            assertThat(listening).as("%s listens on loopback only", role)
                    .allMatch(a -> a.getAddress().isLoopbackAddress() || isMappedLoopback(a));
        }
    }

    private static boolean isMappedLoopback(InetSocketAddress address) {
        byte[] b = address.getAddress().getAddress();
        return b.length == 16 && b[10] == (byte) 0xff && b[11] == (byte) 0xff && b[12] == 127;
    }

    /** The camera states, read through TaskManager 1's queryable-state proxy (the new process's) as the API reads them. */
    private static void assertLatestStatePerCamera(ClusterOptions options, JobID job, Map<String, AtomicLong> lastSent,
                                                   KafkaConnection kafka) throws Exception {
        ApiConfig config = ApiConfig.defaults().withStateProxy(Loopback.HOST, options.ports().taskManager(1).stateProxy())
                .withStateTimings(Duration.ofSeconds(5), Duration.ofSeconds(30));
        try (TemplateKeyRing keys = KafkaKeyRings.open(options.layout().keys(), kafka);
             QueryableStateCameraReader reader = new QueryableStateCameraReader(config, () -> Optional.of(job), new StateSeal(keys))) {
            for (String camera : CAMERAS) {
                Optional<CameraLatest> latest = reader.latest(camera);
                assertThat(latest).as("latest result of %s", camera).isPresent();
                assertThat(latest.get().getFrameResult().getSequence()).as("latest frame of %s", camera)
                        .isEqualTo(lastSent.get(camera).get());
            }
        }
    }

    /**
     * The API, in its own process, answers each camera's latest result after the recovery and the
     * resubmit: it found the new job on the JobManager's REST API by itself.
     */
    private static void assertApiAnswersEachCamerasLatest(StandaloneCluster cluster, ClusterOptions options,
                                                          Map<String, AtomicLong> lastSent) throws Exception {
        String analyst = cluster.issuedCredentials().orElseThrow().key(io.biostream.api.auth.Role.ANALYST);
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        for (String camera : CAMERAS) {
            java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create("http://127.0.0.1:" + options.ports().api() + "/api/v1/cameras/" + camera + "/latest"))
                    .header("Authorization", "Bearer " + analyst).timeout(Duration.ofSeconds(30)).GET().build();
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            String last = "no answer";
            boolean answered = false;
            while (!answered && System.nanoTime() < deadline) {
                java.net.http.HttpResponse<String> response = http.send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
                last = response.statusCode() + " " + response.body();
                answered = response.statusCode() == 200
                        && new ObjectMapper().readTree(response.body()).path("sequence").asLong(-1) == lastSent.get(camera).get();
                if (!answered) {
                    Thread.sleep(500);
                }
            }
            assertThat(answered).as("the API's latest result of %s is frame %d; last answer %s", camera,
                    lastSent.get(camera).get(), last).isTrue();
        }
    }

    private static List<ConsumerRecord<byte[], byte[]>> committed(StandaloneCluster cluster, Topics topics) {
        return PipelineCluster.readCommittedToEnd(cluster.kafkaConnection(KafkaCredentials.ADMIN), topics.results(), WAIT);
    }

    private static void awaitCommitted(StandaloneCluster cluster, Topics topics, int count) {
        List<ConsumerRecord<byte[], byte[]>> seen = PipelineCluster.readCommitted(cluster.kafkaConnection(KafkaCredentials.ADMIN), topics.results(), WAIT,
                records -> records.size() >= count);
        assertThat(seen).as("results committed within %s", WAIT).hasSizeGreaterThanOrEqualTo(count);
    }

    /** The id of the job's newest completed checkpoint (0 for none), from the REST API. */
    private static long latestCheckpoint(StandaloneCluster cluster, JobID job) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(cluster.restUrl().resolve("/jobs/" + job + "/checkpoints"))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode completed = new ObjectMapper().readTree(response.body()).path("latest").path("completed");
        return completed.isMissingNode() || completed.isNull() ? 0 : completed.path("id").asLong();
    }

    /** Where the job's state was last restored from (a checkpoint's or savepoint's path), from the REST API. */
    private static Optional<String> restoredFrom(StandaloneCluster cluster, JobID job) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(cluster.restUrl().resolve("/jobs/" + job + "/checkpoints"))
                .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        JsonNode restored = new ObjectMapper().readTree(response.body()).path("latest").path("restored");
        return restored.isMissingNode() || restored.isNull() ? Optional.empty() : Optional.of(restored.path("external_path").asText());
    }

    private static long awaitCheckpointAfter(StandaloneCluster cluster, JobID job, long after) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            long latest = latestCheckpoint(cluster, job);
            if (latest > after) {
                return latest;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("no checkpoint of " + job + " after " + after + " within " + WAIT);
    }

    private static long seconds(long since) {
        return Duration.ofNanos(System.nanoTime() - since).toSeconds();
    }
}
