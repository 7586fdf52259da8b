package io.biostream.api.state;

import io.biostream.operators.state.CameraSeen;
import io.biostream.operators.state.CameraStateCodec;
import io.biostream.operators.state.QueryableStateNames;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biostream.api.ApiConfig;
import io.biostream.api.ApiServer;
import io.biostream.api.OpenApiConformance;
import io.biostream.api.audit.InMemoryAuditTrail;
import io.biostream.api.auth.ApiKeyStore;
import io.biostream.api.auth.IssuedKey;
import io.biostream.api.auth.Role;
import io.biostream.api.state.StateUnavailableException.Reason;
import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.operators.crypto.TestKeyRings;
import io.biostream.operators.state.StateSeal;
import io.biostream.schemas.Box;
import io.biostream.schemas.CameraLatest;
import io.biostream.schemas.FaceResult;
import io.biostream.schemas.FaceStatus;
import io.biostream.schemas.FrameResult;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The queryable-state contract end to end: a real MiniCluster (RocksDB, queryable-state proxy on
 * loopback) runs a small job that writes camera-latest and camera-index exactly as
 * {@link QueryableStateNames} prescribes, and the real reader (and the API over it) reads them back.
 */
class QueryableStateMiniClusterTest {
    private static final String[] CAMERAS = {"cam-0", "cam-1", "cam-2"};
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    static Path temp;

    private static MiniCluster cluster;
    private static JobID job;
    private static int proxyPort;

    @BeforeAll
    static void startJob() throws Exception {
        Path rocksDir = Files.createDirectories(temp.resolve("rocks"));
        Configuration conf = null;
        // The proxy's port is probed free, then bound by the cluster: someone may take it in
        // between, and the MiniCluster then only logs it, so check the proxy answers and retry.
        for (int attempt = 1; cluster == null; attempt++) {
            proxyPort = freePort();
            conf = new Configuration();
            conf.setString("queryable-state.enable", "true");
            conf.setString("queryable-state.proxy.ports", String.valueOf(proxyPort));
            conf.setString("queryable-state.server.ports", "0"); // found through the proxy, never probed
            conf.setString("state.backend.type", "rocksdb");
            conf.setString("state.backend.rocksdb.localdir", rocksDir.toString());
            for (String key : List.of("jobmanager.bind-host", "taskmanager.bind-host", "taskmanager.host",
                    "rest.bind-address", "rest.address", "jobmanager.rpc.address")) {
                conf.setString(key, "127.0.0.1");
            }
            MiniCluster started = new MiniCluster(new MiniClusterConfiguration.Builder()
                    .setConfiguration(conf)
                    .setNumTaskManagers(1)
                    .setNumSlotsPerTaskManager(2)
                    .setCommonBindAddress("127.0.0.1")
                    .withRandomPorts()
                    .build());
            started.start();
            if (QueryableStateProxyProbe.answers("127.0.0.1", proxyPort, Duration.ofSeconds(10))) {
                cluster = started;
            } else {
                started.closeAsync().get(60, TimeUnit.SECONDS);
                assertThat(attempt).as("attempts to start a queryable-state proxy on a free port").isLessThan(3);
            }
        }

        StreamExecutionEnvironment env = new StreamExecutionEnvironment(conf);
        env.setParallelism(2);
        env.fromSequence(0, Long.MAX_VALUE).setParallelism(1)
                .map(new Throttle()).setParallelism(1)
                .keyBy(n -> CAMERAS[(int) (n % CAMERAS.length)], Types.STRING)
                .process(new LatestWriter())
                .keyBy(seen -> QueryableStateNames.CAMERA_INDEX_KEY, Types.STRING)
                .process(new IndexWriter())
                .sinkTo(new DiscardingSink<>());
        JobGraph graph = env.getStreamGraph().getJobGraph();
        job = cluster.submitJob(graph).get(60, TimeUnit.SECONDS).getJobID();
    }

    @AfterAll
    static void stopJob() throws Exception {
        if (cluster != null) {
            try {
                if (job != null) {
                    cluster.cancelJob(job).get(30, TimeUnit.SECONDS);
                }
            } finally {
                cluster.closeAsync().get(60, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void theReaderReadsWhatTheJobWrites() throws Exception {
        try (QueryableStateCameraReader reader = reader(Optional.of(job))) {
            CameraLatest latest = awaitLatest(reader, "cam-1");
            FrameResult frame = latest.getFrameResult();
            assertThat(frame.getCameraId()).isEqualTo("cam-1");
            assertThat(frame.getSequence() % CAMERAS.length).isEqualTo(1);
            assertThat(frame.getFaces()).hasSize(1);
            assertThat(frame.getFaces().get(0).getFaceId()).isEqualTo("cam-1/" + frame.getSequence() + "/0");

            assertThat(reader.latest("never-seen")).isEmpty();

            List<CameraSeen> cameras = awaitCameras(reader, CAMERAS.length);
            assertThat(cameras).extracting(CameraSeen::cameraId).containsExactly(CAMERAS);
            for (int i = 0; i < cameras.size(); i++) {
                CameraSeen seen = cameras.get(i);
                // Sequence n goes to camera n % 3: the index names the camera's own last frame.
                assertThat(seen.lastSequence() % CAMERAS.length).as(seen.toString()).isEqualTo(i);
                assertThat(seen.lastSeen()).isBefore(Instant.now().plusSeconds(1)).isAfter(Instant.now().minus(WAIT));
            }
            assertThat(reader.status()).isEqualTo(CameraStateReader.StateStatus.REACHABLE);
        }
    }

    @Test
    void aJobIdThatIsNotRunningIsNotReadyAfterTheRetryDeadline() throws Exception {
        // The proxy cannot tell "no such job" from "state not registered yet": both are retried.
        ApiConfig config = ApiConfig.defaults().withStateProxy("127.0.0.1", proxyPort)
                .withStateTimings(Duration.ofSeconds(10), Duration.ofMillis(500));
        JobID notRunning = new JobID();
        try (QueryableStateCameraReader reader = new QueryableStateCameraReader(config, () -> Optional.of(notRunning), anySeal())) {
            assertThatThrownBy(() -> reader.latest("cam-1"))
                    .isInstanceOfSatisfying(StateUnavailableException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.NOT_READY))
                    .hasMessageContaining("retry");
            assertThat(reader.status()).isEqualTo(CameraStateReader.StateStatus.NOT_READY);
        }
    }

    @Test
    void theApiServesTheJobsStateOverHttp() throws Exception {
        ApiKeyStore keys = new ApiKeyStore();
        IssuedKey analyst = keys.generate("it", Set.of(Role.ANALYST), Set.of());
        TemplateCipher cipher = new TemplateCipher(TestKeyRings.directory(temp.resolve("keys")));
        try (QueryableStateCameraReader reader = reader(Optional.of(job));
             ApiServer api = ApiServer.start(ApiConfig.defaults().withPort(0), keys, reader, cipher,
                     new InMemoryAuditTrail().trail())) {
            awaitLatest(reader, "cam-2");
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + "/api/v1/cameras/cam-2/latest"))
                    .header("Authorization", "Bearer " + analyst.plaintext())
                    .timeout(Duration.ofSeconds(30))
                    .build();
            HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
            OpenApiConformance.check(request, response); // the job's real state, as served, against the document
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).contains("\"cameraId\":\"cam-2\"").contains("\"faces\":[");
        }
    }

    /** Any key ring: this test's job writes its values in clear, as jobs before state sealing did, which readers still read. */
    private static StateSeal anySeal() {
        try {
            return new StateSeal(TestKeyRings.throwawayCipher().keys());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static QueryableStateCameraReader reader(Optional<JobID> jobId) {
        ApiConfig config = ApiConfig.defaults().withStateProxy("127.0.0.1", proxyPort)
                .withStateTimings(Duration.ofSeconds(10), Duration.ofSeconds(20));
        return new QueryableStateCameraReader(config, () -> jobId, anySeal());
    }

    /** The camera may not have a frame yet right after start: poll, bounded in time. */
    private static CameraLatest awaitLatest(CameraStateReader reader, String cameraId) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        StateUnavailableException last = null;
        while (System.nanoTime() < deadline) {
            try {
                Optional<CameraLatest> latest = reader.latest(cameraId);
                if (latest.isPresent()) {
                    return latest.get();
                }
            } catch (StateUnavailableException e) {
                last = e;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no camera-latest for " + cameraId + " within " + WAIT, last);
    }

    private static List<CameraSeen> awaitCameras(CameraStateReader reader, int count) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        List<CameraSeen> cameras = List.of();
        while (System.nanoTime() < deadline) {
            cameras = reader.cameras();
            if (cameras.size() >= count) {
                return cameras;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("camera-index holds " + cameras + " after " + WAIT);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Paces the unbounded sequence so the job runs until cancelled without spinning. */
    static final class Throttle implements org.apache.flink.api.common.functions.MapFunction<Long, Long> {
        @Override
        public Long map(Long n) throws Exception {
            Thread.sleep(20);
            return n;
        }
    }

    /** Writes camera-latest as the pipeline job must, and forwards (camera, sequence, time) to the index. */
    static final class LatestWriter extends KeyedProcessFunction<String, Long, Tuple3<String, Long, Long>> {
        private transient ValueState<byte[]> latest;

        @Override
        public void open(org.apache.flink.api.common.functions.OpenContext context) {
            ValueStateDescriptor<byte[]> descriptor = QueryableStateNames.cameraLatestDescriptor();
            descriptor.setQueryable(QueryableStateNames.CAMERA_LATEST);
            latest = getRuntimeContext().getState(descriptor);
        }

        @Override
        public void processElement(Long sequence, Context ctx, Collector<Tuple3<String, Long, Long>> out) throws Exception {
            String camera = ctx.getCurrentKey();
            Instant now = Instant.now();
            String faceId = camera + "/" + sequence + "/0";
            FrameResult frame = FrameResult.newBuilder()
                    .setCameraId(camera).setSequence(sequence)
                    .setCaptureTime(now.minusMillis(30)).setProcessedTime(now)
                    .setWidth(320).setHeight(240).setDetector("test")
                    .setFaces(List.of(FaceResult.newBuilder()
                            .setFaceIndex(0).setFaceId(faceId)
                            .setBox(Box.newBuilder().setX(1).setY(2).setWidth(30).setHeight(40).build())
                            .setScore(0.5f).setStatus(FaceStatus.TOO_SMALL).build()))
                    .build();
            latest.update(CameraStateCodec.encodeLatest(
                    CameraLatest.newBuilder().setFrameResult(frame).setTemplates(List.of()).build()));
            out.collect(Tuple3.of(camera, sequence, now.toEpochMilli()));
        }
    }

    /** Writes camera-index under its one key. */
    static final class IndexWriter extends KeyedProcessFunction<String, Tuple3<String, Long, Long>, Void> {
        private transient MapState<String, long[]> index;

        @Override
        public void open(org.apache.flink.api.common.functions.OpenContext context) {
            MapStateDescriptor<String, long[]> descriptor = QueryableStateNames.cameraIndexDescriptor();
            descriptor.setQueryable(QueryableStateNames.CAMERA_INDEX);
            index = getRuntimeContext().getMapState(descriptor);
        }

        @Override
        public void processElement(Tuple3<String, Long, Long> seen, Context ctx, Collector<Void> out) throws Exception {
            index.put(seen.f0, CameraStateCodec.indexEntry(seen.f2, seen.f1));
        }
    }
}
