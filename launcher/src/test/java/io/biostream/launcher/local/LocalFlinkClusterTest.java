package io.biostream.launcher.local;

import io.biostream.operators.config.Settings;
import io.biostream.operators.config.Topics;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.queryablestate.client.QueryableStateClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalFlinkClusterTest {

    private static final Path CONF_DIR = Path.of(System.getProperty("user.dir")).resolve("../flink-conf").normalize();
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @TempDir
    static Path stateDir;

    private static LocalFlinkCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = LocalFlinkCluster.builder(CONF_DIR, stateDir)
                // Checkpoint often so the test needs not wait long for one.
                .set("execution.checkpointing.interval", "500ms")
                .set("execution.checkpointing.min-pause", "100ms")
                .start();
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void webUiAndRestApiAnswerOnLoopback() throws Exception {
        assertThat(cluster.restUrl().getHost()).isEqualTo("127.0.0.1");

        HttpResponse<String> overview = get(cluster.restUrl().resolve("/overview"));
        assertThat(overview.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(overview.body());
        assertThat(body.get("taskmanagers").asInt()).isEqualTo(1);
        assertThat(body.get("slots-total").asInt()).isEqualTo(2); // config.yaml: taskmanager.numberOfTaskSlots
        assertThat(body.get("flink-version").asText()).isEqualTo("2.1.0");

        HttpResponse<String> dashboard = get(cluster.restUrl().resolve("/"));
        assertThat(dashboard.statusCode()).isEqualTo(200);
        assertThat(dashboard.body()).contains("<html").containsIgnoringCase("flink");
    }

    @Test
    void takesTheSettingsOfConfigYaml() {
        assertThat(cluster.configuration().toMap())
                .containsEntry("state.backend.type", "rocksdb")
                .containsEntry("execution.checkpointing.incremental", "true")
                .containsEntry("queryable-state.enable", "true")
                .containsEntry("execution.checkpointing.externalized-checkpoint-retention", "RETAIN_ON_CANCELLATION")
                .containsEntry("execution.checkpointing.interval", "500ms");
        assertThat(Topics.from(Settings.of(cluster.configuration().toMap()))).isEqualTo(Topics.defaults());
    }

    @Test
    void listensOnLoopbackOnly() throws Exception {
        Assumptions.assumeTrue(ListeningSockets.supported(), "needs Linux /proc to list this process's sockets");
        List<InetSocketAddress> listening = ListeningSockets.ofThisProcess();

        assertThat(listening).extracting(InetSocketAddress::getPort)
                .contains(cluster.restPort(), cluster.queryableStateProxyPort());
        assertThat(listening).allSatisfy(address ->
                assertThat(address.getAddress().getHostAddress()).as("listening on %s", address).isEqualTo("127.0.0.1"));
    }

    @Test
    void queryableRocksDbStateSurvivesCancelAndRestoreFromRetainedCheckpoint() throws Exception {
        QueryableStateClient states = new QueryableStateClient(Loopback.HOST, cluster.queryableStateProxyPort());
        try {
            JobID first = submitTallyJob(cluster.executionEnvironment());
            Tuple2<Long, Long> beforeCancel = awaitTally(states, first, 0);
            assertThat(SequenceTally.isGapFree(0, beforeCancel)).as("tally %s", beforeCancel).isTrue();

            // A checkpoint triggered after the query holds at least what the query saw.
            long knownId = cluster.latestCompletedCheckpoint(first).map(LocalFlinkCluster.CompletedCheckpoint::id).orElse(0L);
            cluster.awaitCompletedCheckpoint(first, knownId + 1, WAIT);
            assertCheckpointsUseIncrementalRocksDb(first);

            cluster.cancel(first);
            LocalFlinkCluster.CompletedCheckpoint last = cluster.latestCompletedCheckpoint(first).orElseThrow();
            Path lastOnDisk = Path.of(URI.create(last.externalPath()));
            assertThat(lastOnDisk.resolve("_metadata")).as("retained after cancel").isRegularFile();
            assertThat(cluster.newestRetainedCheckpoint(first)).contains(lastOnDisk);

            JobID restored = submitTallyJob(cluster.executionEnvironment(last.externalPath()));
            assertThat(cluster.restoredCheckpoint(restored)).map(LocalFlinkCluster.CompletedCheckpoint::id).contains(last.id());
            Tuple2<Long, Long> afterRestore = awaitTally(states, restored, 0);
            assertThat(afterRestore.f0).as("count after restore").isGreaterThanOrEqualTo(beforeCancel.f0);
            assertThat(SequenceTally.isGapFree(0, afterRestore)).as("tally %s", afterRestore).isTrue();
            Tuple2<Long, Long> otherKey = awaitTally(states, restored, 1);
            assertThat(SequenceTally.isGapFree(1, otherKey)).as("tally %s", otherKey).isTrue();

            cluster.cancel(restored);
        } finally {
            states.shutdownAndHandle().get(30, TimeUnit.SECONDS);
        }
    }

    /** Sequence numbers at 40/s from one source into the keyed tally; returns once the job runs. */
    private static JobID submitTallyJob(StreamExecutionEnvironment env) throws Exception {
        DataGeneratorSource<Long> sequence = new DataGeneratorSource<>(
                index -> index, Long.MAX_VALUE, RateLimiterStrategy.perSecond(40), Types.LONG);
        env.fromSource(sequence, WatermarkStrategy.noWatermarks(), "sequence").uid("sequence").setParallelism(1)
                .keyBy(SequenceTally::keyOf)
                .process(new SequenceTally()).uid("tally").setParallelism(2)
                .sinkTo(new DiscardingSink<>()).uid("discard").setParallelism(1);
        JobID jobId = env.executeAsync("sequence tally").getJobID();
        cluster.awaitStatus(jobId, JobStatus.RUNNING, WAIT);
        return jobId;
    }

    /**
     * The tally of key camera-k through the queryable-state proxy. Queries fail until the job's
     * tasks have registered their state (UnknownKvStateLocation) and the key has a value, so retry.
     */
    private static Tuple2<Long, Long> awaitTally(QueryableStateClient states, JobID jobId, int k) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                Tuple2<Long, Long> value = states
                        .getKvState(jobId, SequenceTally.QUERYABLE_NAME, "camera-" + k, Types.STRING, SequenceTally.descriptor())
                        .get(10, TimeUnit.SECONDS)
                        .value();
                if (value != null) {
                    return value;
                }
            } catch (ExecutionException notYet) {
                last = notYet;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no queryable state for camera-" + k + " of job " + jobId + " within " + WAIT, last);
    }

    /** What the REST API reports about the job's checkpoints: RocksDB, retained, incremental uploads. */
    private static void assertCheckpointsUseIncrementalRocksDb(JobID jobId) throws Exception {
        JsonNode config = JSON.readTree(get(cluster.restUrl().resolve("/jobs/" + jobId + "/checkpoints/config")).body());
        assertThat(config.get("state_backend").asText()).isEqualTo("EmbeddedRocksDBStateBackend");
        assertThat(config.path("externalization").path("enabled").asBoolean()).isTrue();
        assertThat(config.path("externalization").path("delete_on_cancellation").asBoolean()).isFalse();

        // A full checkpoint uploads all its state; an incremental one only the files written since
        // the previous checkpoint, so it reports less checkpointed (uploaded) than total state.
        JsonNode history = JSON.readTree(get(cluster.restUrl().resolve("/jobs/" + jobId + "/checkpoints")).body()).path("history");
        List<JsonNode> completed = new ArrayList<>();
        history.forEach(checkpoint -> {
            if ("COMPLETED".equals(checkpoint.path("status").asText())) {
                completed.add(checkpoint);
            }
        });
        assertThat(completed).hasSizeGreaterThanOrEqualTo(2);
        assertThat(completed).anySatisfy(checkpoint ->
                assertThat(checkpoint.get("checkpointed_size").asLong()).isLessThan(checkpoint.get("state_size").asLong()));
    }

    private static HttpResponse<String> get(URI uri) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
