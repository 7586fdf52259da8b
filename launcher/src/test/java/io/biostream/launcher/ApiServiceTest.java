package io.biostream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.biostream.api.ApiService;
import io.biostream.api.audit.KafkaAuditReader;
import io.biostream.api.auth.ApiKeyStore;
import io.biostream.api.auth.IssuedKey;
import io.biostream.api.auth.Role;
import io.biostream.api.state.FlinkJobDiscovery;
import io.biostream.jobs.PipelineJob;
import io.biostream.launcher.local.FramePublisher;
import io.biostream.launcher.local.ListeningSockets;
import io.biostream.launcher.local.Loopback;
import io.biostream.operators.audit.AuditActions;
import io.biostream.operators.audit.AuditSigningKeys;
import io.biostream.operators.audit.StoredAuditEvent;
import io.biostream.schemas.AuditEvent;
import io.biostream.operators.identity.ControlSigningConfig;
import io.biostream.operators.identity.FacePhotos;
import io.biostream.operators.functions.PipelineConfig;
import io.biostream.operators.testing.SharedFolder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.flink.api.common.JobID;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API as its own service: {@code biostream api --config FILE} in a JVM process of its own,
 * configured by a config file as the chart renders it and the master secret in the environment,
 * against a real broker and a MiniCluster running the pipeline job, whose id it finds on the
 * JobManager's REST API, and finds again after the job is replaced.
 */
class ApiServiceTest {
    private static final Duration WAIT = Duration.ofSeconds(180);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 12, unit = TimeUnit.MINUTES)
    void theServiceInItsOwnProcessServesTheJobsResultsIdentityAndAudit() throws Exception {
        SharedFolder.resolve("data/faces/bbt");
        try (PipelineCluster cluster = new PipelineCluster(dir)) {
            PipelineConfig pipeline = cluster.pipelineConfig(Map.of());
            JobClient job = cluster.submit(pipeline, Optional.empty());
            assertThat(PipelineJob.NAME).as("the name the API finds the job by").isEqualTo(ApiService.PIPELINE_JOB_NAME);
            assertThat(new FlinkJobDiscovery(cluster.flink.restUrl(), ApiService.PIPELINE_JOB_NAME, Duration.ofSeconds(1)).get())
                    .as("the job found on the MiniCluster's REST API").contains(job.getJobID());

            Path apiDir = Files.createDirectories(dir.resolve("api"));
            ApiKeyStore store = ApiKeyStore.fileBacked(apiDir.resolve("api-keys.json"));
            IssuedKey admin = store.generate("registrar", EnumSet.of(Role.ADMIN), Set.of());
            IssuedKey analyst = store.generate("analyst", EnumSet.of(Role.ANALYST), Set.of());
            IssuedKey auditor = store.generate("auditor", EnumSet.of(Role.AUDITOR), Set.of());
            AuditSigningKeys.readOrCreate(apiDir.resolve("audit-signing.json"));
            makeKeyStoreReadOnly(apiDir.resolve("api-keys.json"));

            Map<String, String> settings = ApiProcess.settings(cluster, apiDir);
            Path config = writeConfig(apiDir.resolve("api.yaml"), settings);
            try (ApiProcess api = ApiProcess.start(apiDir, config, ApiProcess.secretEnvironment(cluster))) {
                String url = api.awaitListening(WAIT);
                System.out.printf("API process listening on %s after %d ms%n", url, api.sinceStart().toMillis());
                assertThat(url).startsWith("http://127.0.0.1:");
                if (ListeningSockets.supported()) {
                    assertThat(ListeningSockets.ofProcess(api.process.pid())).isNotEmpty()
                            .extracting(InetSocketAddress::getHostString)
                            .allMatch(host -> host.equals("127.0.0.1"), "every listener of the API process on 127.0.0.1");
                }

                HttpResponse<String> health = send(url, "GET", "/health", null, null, null);
                assertThat(health.statusCode()).isEqualTo(200);
                assertThat(JSON.readTree(health.body()).get("status").asText()).isEqualTo("ok");
                HttpResponse<String> anonymous = send(url, "GET", "/api/v1/cameras", null, null, null);
                assertThat(anonymous.statusCode()).as("no key").isEqualTo(401);

                // A frame through Kafka and the job; its result read back through the proxy.
                FramePublisher frames = cluster.publisher(cluster.topics.frames());
                frames.publish(FramePublisher.frame("door-7", 1, FacePhotos.bbt("raj", 17)));
                JsonNode latest = awaitLatest(url, "door-7", analyst, 1);
                assertThat(latest.get("faces").size()).as(latest.toString()).isEqualTo(1);

                // Enrollment and search through the API's own face pipeline and the control topic.
                assertThat(send(url, "POST", "/api/v1/subjects", admin, "application/json",
                        ("{\"id\": \"raj\", \"displayName\": \"Raj\", \"consent\": {\"legalBasis\": \"explicit-consent\","
                                + " \"purpose\": \"building access\"}}").getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(201);
                for (int photo : new int[] {1, 10}) {
                    HttpResponse<String> enrolled = send(url, "POST", "/api/v1/subjects/raj/images", admin, "image/png",
                            FacePhotos.bbt("raj", photo));
                    assertThat(enrolled.statusCode()).as(enrolled.body()).isEqualTo(201);
                }
                JsonNode found = awaitJson(url, "POST", "/api/v1/search?k=1", analyst, "image/png", FacePhotos.bbt("raj", 17),
                        answer -> answer.path("matches").size() > 0);
                assertThat(found.get("matches").get(0).get("subjectId").asText()).as(found.toString()).isEqualTo("raj");
                assertThat(found.get("matches").get(0).get("match").asBoolean()).isTrue();

                // The key store is read-only: serving works, a change cannot be saved and is refused.
                HttpResponse<String> issue = send(url, "POST", "/api/v1/keys", admin, "application/json",
                        "{\"name\": \"new\", \"roles\": [\"analyst\"]}".getBytes(StandardCharsets.UTF_8));
                assertThat(issue.statusCode()).as(issue.body()).isEqualTo(503);
                assertThat(JSON.readTree(issue.body()).get("error").asText()).isEqualTo("key_store_unavailable");

                // An unsigned control record (anyone who can write to the topic): refused, and audited when counted.
                try (FramePublisher control = cluster.publisher(cluster.topics.control())) {
                    control.publishRaw("intruder", "not a signed control event".getBytes(StandardCharsets.UTF_8));
                }

                // The trail holds what happened above, signed with the configured keyset, and verifies.
                HttpResponse<String> verify = send(url, "GET", "/api/v1/audit/verify", auditor, null, null);
                JsonNode verified = JSON.readTree(verify.body());
                assertThat(verify.statusCode()).as(verify.body()).isEqualTo(200);
                assertThat(verified.get("ok").asBoolean()).as(verified.toString()).isTrue();
                assertThat(verified.get("events").asLong()).isGreaterThanOrEqualTo(4); // 401, enrollment x2, search, ...

                // The job replaced (as a savepoint upgrade does): the API follows the new job id.
                cluster.flink.cancel(job.getJobID());
                JobClient replacement = cluster.submit(pipeline, Optional.empty());
                assertThat(replacement.getJobID()).isNotEqualTo(job.getJobID());
                frames.publish(FramePublisher.frame("door-7", 2, FacePhotos.bbt("raj", 17)));
                awaitLatest(url, "door-7", analyst, 2);
                assertThat(ApiProcess.read(api.stdout) + ApiProcess.read(api.stderr)).as("the log of the API process")
                        .contains("pipeline job 'biostream-pipeline': " + replacement.getJobID().toHexString());

                api.process.destroy();
                assertThat(api.awaitExit(Duration.ofSeconds(60))).as("stopped by SIGTERM").isIn(0, 143);
                assertThat(ApiProcess.read(api.stderr)).contains("biostream api: stopping...");
                // Stopping recorded the refused control record counted since the last interval, once.
                List<AuditEvent> refusals = new ArrayList<>();
                new KafkaAuditReader(cluster.broker.adminConnection(), cluster.topics.audit(), WAIT).readAll(stored -> {
                    AuditEvent event = decode(stored);
                    if (event.getAction().equals(AuditActions.CONTROL_REFUSED)) {
                        refusals.add(event);
                    }
                    return true;
                });
                assertThat(refusals).singleElement().satisfies(event -> assertThat(event.getDetails())
                        .containsEntry("refused", "1").containsKey("fromOffset")
                        .hasEntrySatisfying("r01", reason -> assertThat(reason).contains("not signed")));
                assertThat(apiDir.resolve("control-refusals.offset")).exists();
                cluster.flink.cancel(replacement.getJobID());
            }
        }
    }

    /** A port taken: the process says which and how to change it, in one line, and exits with 1. */
    @Test
    void aTakenPortFailsTheStartInOneLineWithStatusOne() throws Exception {
        Path apiDir = Files.createDirectories(dir.resolve("api"));
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName(Loopback.HOST), 0));
            Map<String, String> settings = Map.of(
                    "api.port", Integer.toString(taken.getLocalPort()),
                    "api.state.job-id", new JobID().toHexString(),
                    "api.keys.file", apiDir.resolve("api-keys.json").toString(),
                    "api.audit.signing-keyset-file", apiDir.resolve("audit-signing.json").toString(),
                    ControlSigningConfig.SIGNING_KEYSET_FILE, apiDir.resolve("control-signing.keyset").toString(),
                    "biostream.kafka.bootstrap-servers", "127.0.0.1:" + Loopback.freePort(),
                    "biostream.crypto.kek-uri", "biostream-local://" + apiDir.resolve("kek.json"));
            try (ApiProcess api = ApiProcess.start(apiDir, writeConfig(apiDir.resolve("api.yaml"), settings), Map.of())) {
                assertThat(api.awaitExit(Duration.ofSeconds(120))).isEqualTo(1);
                String expected = "biostream api failed: port " + taken.getLocalPort()
                        + " on 127.0.0.1 (biostream API) is already in use: stop what holds it, or choose another port with --api.port=N";
                assertThat(ApiProcess.read(api.stderr).lines().filter(l -> !l.isBlank()).toList()).containsExactly(expected);
                assertThat(ApiProcess.read(api.stdout)).doesNotContain("listening");
            }

            // The same through bin/biostream's Main, which reports every command's failure alike.
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = Main.run(new String[] {"api", "--config", apiDir.resolve("api.yaml").toString()},
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            assertThat(status).isEqualTo(1);
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("biostream api failed: port " + taken.getLocalPort())
                    .contains("--api.port=N");
        }
    }

    /**
     * A mounted Secret: the file and its folder are read-only. Root writes through modes, so the
     * temporary file a save writes beside the store is also blocked by a non-empty folder of that
     * name, which fails the save for root too, as a read-only mount does.
     */
    private static void makeKeyStoreReadOnly(Path store) throws Exception {
        Files.createDirectories(store.resolveSibling("." + store.getFileName() + ".tmp").resolve("blocker"));
        Files.setPosixFilePermissions(store, PosixFilePermissions.fromString("r--r--r--"));
        Files.setPosixFilePermissions(store.getParent(), PosixFilePermissions.fromString("r-xr-xr-x"));
    }

    private static Path writeConfig(Path file, Map<String, String> settings) throws Exception {
        return ApiProcess.writeConfig(file, settings);
    }

    private static JsonNode awaitLatest(String url, String camera, IssuedKey key, long sequence) throws Exception {
        return awaitJson(url, "GET", "/api/v1/cameras/" + camera + "/latest", key, null, null,
                latest -> latest.path("sequence").asLong() == sequence);
    }

    /** Repeats the request until it answers 200 with a body that {@code done} accepts; fails after WAIT. */
    private static JsonNode awaitJson(String url, String method, String path, IssuedKey key, String type, byte[] body,
            Predicate<JsonNode> done) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        HttpResponse<String> last = null;
        while (System.nanoTime() < deadline) {
            last = send(url, method, path, key, type, body);
            if (last.statusCode() == 200 && done.test(JSON.readTree(last.body()))) {
                return JSON.readTree(last.body());
            }
            Thread.sleep(500);
        }
        throw new AssertionError(method + " " + path + " did not answer as expected within " + WAIT + "; last: "
                + (last == null ? "none" : last.statusCode() + " " + last.body()));
    }

    private static HttpResponse<String> send(String url, String method, String path, IssuedKey key, String type, byte[] body)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (key != null) {
            request.header("Authorization", "Bearer " + key.plaintext());
        }
        if (type != null) {
            request.header("Content-Type", type);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static AuditEvent decode(StoredAuditEvent stored) {
        try {
            return stored.decode();
        } catch (java.io.IOException e) {
            throw new AssertionError("an undecodable audit record at offset " + stored.offset(), e);
        }
    }
}
