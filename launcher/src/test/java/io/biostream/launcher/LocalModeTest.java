package io.biostream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.biostream.api.auth.Role;
import io.biostream.jobs.PipelineJob;
import io.biostream.launcher.local.ListeningSockets;
import io.biostream.launcher.local.LocalCredentials;
import io.biostream.operators.config.Settings;
import io.biostream.operators.testing.LiveSocket;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Local mode as a user runs it: the demo camera's faces reach the API within 90 s, the Flink web UI
 * lists the job as running and refuses jar uploads, a request without the key gets 401, everything listens on loopback,
 * and a second start on the same directory resumes from the last checkpoint with the same keys
 * (one per role, from var/credentials.json).
 */
class LocalModeTest {
    private static final Duration FIRST_RESULT = Duration.ofSeconds(90);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path var;

    private LocalOptions options() {
        Map<String, String> flags = Map.of(
                "biostream.local.var-dir", var.toString(),
                "biostream.local.flink-conf-dir", PipelineCluster.CONF_DIR.toString(),
                "biostream.local.demo-interval-ms", "1000",
                "rest.port", "0",
                "api.port", "0",
                "queryable-state.proxy.ports", "0",
                LocalOptions.METRICS_PORT, "0",
                // A Flink setting on the command line wins over flink-conf/config.yaml (5s there).
                "execution.checkpointing.interval", "3s");
        return LocalOptions.from(new Settings(flags, Map.of(), Map.of()), true, var);
    }

    @Test
    void demoCameraReachesTheApiAndASecondStartResumes() throws Exception {
        String analyst;
        String admin;
        String auditor;
        Map<String, String> kafkaPasswords;
        long started = System.nanoTime();
        try (LocalMode local = LocalMode.start(options())) {
            Path credentials = var.resolve("credentials.json");
            LocalCredentials keys = LocalCredentials.read(var);
            analyst = keys.key(Role.ANALYST);
            admin = keys.key(Role.ADMIN);
            auditor = keys.key(Role.AUDITOR);
            assertThat(local.issuedKey()).hasValue(admin);
            assertThat(JSON.readTree(credentials.toFile()).get("apiKey").asText()).isEqualTo(admin);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(credentials))).isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(var))).as("var/: frames, state, keys").isEqualTo("rwx------");
            assertThat(var.resolve("keys/control-verify.json")).as("the job's control verification keys").isRegularFile();
            // The demo camera's frames reach the API above only because it signs them with its key.
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(var.resolve("keys/camera-master.keyset"))))
                    .isEqualTo("rw-------");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(var.resolve("keys/cameras/demo-cam.key"))))
                    .isEqualTo("rw-------");
            // Kafka: one generated password per principal, owner-only, and nobody else admitted (KafkaAccessTest).
            assertThat(local.kafkaCredentialsDir()).isEqualTo(var.resolve("kafka-credentials"));
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(local.kafkaCredentialsDir()))).isEqualTo("rwx------");
            kafkaPasswords = kafkaPasswords(local.kafkaCredentialsDir());
            assertThat(kafkaPasswords).containsOnlyKeys("admin.password", "api.password", "broker.password",
                    "camera-demo-cam.password", "job.password");
            assertThat(Files.readString(var.resolve("api-keys.json"))).doesNotContain(admin.substring("bsk_".length() + 16 + 1));

            JsonNode latest = awaitDemoFaces(local, analyst, FIRST_RESULT);
            System.out.printf("local mode: demo-cam latest with %d faces %.1f s after start%n",
                    latest.get("faces").size(), (System.nanoTime() - started) / 1e9);

            // The dashboard's job badge: the live job channel reports local mode's running job (the API
            // reads the pinned job and asks the web UI's REST API for its status).
            HttpResponse<String> ticket = send(local.apiUrl() + "/api/v1/live/tickets", analyst, "POST", "");
            assertThat(ticket.statusCode()).as(ticket.body()).isEqualTo(200);
            try (LiveSocket live = LiveSocket.open(URI.create(local.apiUrl()).getPort(), JSON.readTree(ticket.body()).path("ticket").asText())) {
                live.subscribe("job");
                JsonNode status = live.awaitType("job", Duration.ofSeconds(30)).orElseThrow(() -> new AssertionError("no job status"));
                assertThat(status.path("jobId").asText()).isEqualTo(local.jobId().toHexString());
                assertThat(status.path("running").asBoolean()).as(status.toString()).isTrue();
            }

            JsonNode jobs = JSON.readTree(get(local.webUiUrl() + "/jobs/overview", null).body()).get("jobs");
            assertThat(jobs).anySatisfy(job -> {
                assertThat(job.get("name").asText()).isEqualTo(PipelineJob.NAME);
                assertThat(job.get("state").asText()).isEqualTo("RUNNING");
            });
            assertWebSubmissionRefused(local.webUiUrl());
            JsonNode checkpointing = JSON.readTree(get(local.webUiUrl() + "/jobs/" + local.jobId().toHexString()
                    + "/checkpoints/config", null).body());
            assertThat(checkpointing.path("interval").asLong()).as("the job's checkpoint interval, ms: %s", checkpointing).isEqualTo(3000);
            assertThat(get(local.apiUrl() + "/api/v1/cameras/demo-cam/latest", null).statusCode()).isEqualTo(401);
            assertThat(get(local.apiUrl() + "/api/v1/cameras/demo-cam/latest", admin).statusCode())
                    .as("the admin key holds the admin role only").isEqualTo(403);
            // The descriptor reads above are in the audit trail, signed with a keyset only the owner reads.
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(var.resolve("keys/audit-signing.json"))))
                    .isEqualTo("rw-------");
            assertThat(Files.readString(var.resolve("keys/audit-verify.json"))).doesNotContain("ASYMMETRIC_PRIVATE");
            JsonNode verified = JSON.readTree(get(local.apiUrl() + "/api/v1/audit/verify", auditor).body());
            assertThat(verified.get("ok").asBoolean()).as(verified.toString()).isTrue();
            assertThat(verified.get("events").asLong()).isPositive();
            if (ListeningSockets.supported()) {
                assertThat(ListeningSockets.ofThisProcess()).extracting(InetSocketAddress::getHostString)
                        .allMatch(host -> host.equals("127.0.0.1"), "every listener on 127.0.0.1");
            }
            // Identity changes go to the control topic ...
            assertThat(send(local.apiUrl() + "/api/v1/subjects", admin, "POST", "{\"id\": \"ada\", \"displayName\": \"Ada\","
                    + " \"consent\": {\"legalBasis\": \"explicit-consent\", \"purpose\": \"test\"}}").statusCode()).isEqualTo(201);
            assertThat(send(local.apiUrl() + "/api/v1/config", admin, "PUT", "{\"threshold\": 0.5}").statusCode()).isEqualTo(200);
            local.cluster().awaitCompletedCheckpoint(local.jobId(), 0, Duration.ofSeconds(60));
        }

        try (LocalMode again = LocalMode.start(options())) {
            assertThat(again.issuedKey()).as("no new key on a second start").isEmpty();
            assertThat(kafkaPasswords(again.kafkaCredentialsDir())).as("Kafka credentials reused").isEqualTo(kafkaPasswords);
            assertThat(again.restoredFrom()).as("resumed from a retained checkpoint").isPresent();
            JsonNode resumedTrail = JSON.readTree(get(again.apiUrl() + "/api/v1/audit/verify", auditor).body());
            assertThat(resumedTrail.get("ok").asBoolean()).as("the trail continues across restarts: %s", resumedTrail).isTrue();
            assertThat(awaitDemoFaces(again, analyst, FIRST_RESULT).get("faces").size()).isPositive();
            // ... and come back from it after a restart.
            assertThat(JSON.readTree(get(again.apiUrl() + "/api/v1/subjects/ada", analyst).body()).get("displayName").asText())
                    .isEqualTo("Ada");
            JsonNode config = JSON.readTree(get(again.apiUrl() + "/api/v1/config", analyst).body());
            assertThat(config.get("version").asLong()).isEqualTo(1);
            assertThat(config.get("threshold").floatValue()).isEqualTo(0.5f);
        }
    }

    /** Each password file in {@code dir} by name (its content), each checked to be owner-only. */
    private static Map<String, String> kafkaPasswords(Path dir) throws java.io.IOException {
        Map<String, String> passwords = new java.util.TreeMap<>();
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            for (Path file : files.toList()) {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).as("%s", file).isEqualTo("rw-------");
                passwords.put(file.getFileName().toString(), Files.readString(file));
            }
        }
        return passwords;
    }

    /**
     * The Flink web UI runs no uploaded code (web.submit.enable: false): a jar upload as the UI sends
     * it is refused, no jar list is served, and the UI's own configuration says so. With submission
     * on, the same upload answers 200.
     */
    private static void assertWebSubmissionRefused(String webUi) throws Exception {
        String boundary = "----biostream" + System.nanoTime();
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\"job.jar\"\r\n"
                + "Content-Type: application/x-java-archive\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        body.write(emptyJar());
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        HttpResponse<String> upload = HTTP.send(HttpRequest.newBuilder(URI.create(webUi + "/jars/upload")).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
        // Refused as a client error (Flink 2.1: 400 "POST request not allowed", no upload handler is registered).
        assertThat(upload.statusCode()).as("POST /jars/upload: %s", upload.body()).isBetween(400, 499);
        assertThat(get(webUi + "/jars", null).statusCode()).as("GET /jars").isEqualTo(404);
        JsonNode features = JSON.readTree(get(webUi + "/config", null).body()).get("features");
        assertThat(features.get("web-submit").asBoolean()).as("web UI features %s", features).isFalse();
    }

    private static byte[] emptyJar() throws java.io.IOException {
        java.io.ByteArrayOutputStream jar = new java.io.ByteArrayOutputStream();
        try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(jar, new java.util.jar.Manifest())) {
            out.putNextEntry(new java.util.zip.ZipEntry("biostream-test.txt"));
            out.write("not a job".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.closeEntry();
        }
        return jar.toByteArray();
    }

    private static HttpResponse<String> send(String url, String key, String method, String json) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(json)).build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode awaitDemoFaces(LocalMode local, String key, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            HttpResponse<String> response = get(local.apiUrl() + "/api/v1/cameras/demo-cam/latest", key);
            last = response.statusCode() + " " + response.body();
            if (response.statusCode() == 200) {
                JsonNode latest = JSON.readTree(response.body());
                if (latest.get("faces").size() > 0) {
                    return latest;
                }
            }
            Thread.sleep(500);
        }
        throw new AssertionError("demo-cam had no faces within " + timeout + "; last answer " + last);
    }

    private static HttpResponse<String> get(String url, String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET();
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
