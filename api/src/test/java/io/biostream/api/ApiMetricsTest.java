package io.biostream.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.api.audit.InMemoryAuditTrail;
import io.biostream.api.auth.ApiKeyStore;
import io.biostream.api.auth.IssuedKey;
import io.biostream.api.auth.Permission;
import io.biostream.api.auth.Role;
import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.operators.crypto.TestKeyRings;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GET /metrics over real HTTP: requests counted by route template (never the concrete id) and
 * status, latency, refusals, audit write time and the JVM's; only the monitor role reads it.
 */
class ApiMetricsTest {
    private static ApiServer server;
    private static IssuedKey monitor;
    private static IssuedKey analyst;

    @TempDir
    static Path keysDir;

    @BeforeAll
    static void start() throws Exception {
        TemplateCipher cipher = new TemplateCipher(TestKeyRings.directory(keysDir));
        ApiKeyStore keys = new ApiKeyStore();
        monitor = keys.generate("prometheus", Set.of(Role.MONITOR), Set.of());
        analyst = keys.generate("dashboard", Set.of(Role.ANALYST), Set.of(Permission.DESCRIPTORS));
        InMemoryCameraState state = new InMemoryCameraState();
        state.put(Results.latest(cipher, "lobby-1", 42, Results.descriptor(1)));
        server = ApiServer.start(ApiConfig.defaults().withPort(0), keys, state, cipher, new InMemoryAuditTrail().trail());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.stop();
        }
    }

    @Test
    void countsRequestsByRouteTemplateAndStatusAndOnlyTheMonitorRoleReadsThem() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertThat(get("/api/v1/cameras/lobby-1/latest", analyst).statusCode()).isEqualTo(200);
        }
        assertThat(get("/api/v1/cameras/nobody-here/latest", analyst).statusCode()).isEqualTo(404);
        assertThat(get("/api/v1/cameras", null).statusCode()).isEqualTo(401);
        assertThat(get("/api/v1/audit", analyst).statusCode()).isEqualTo(403);

        assertThat(get("/metrics", null).statusCode()).isEqualTo(401);
        assertThat(get("/metrics", analyst).statusCode()).as("results readers do not read metrics").isEqualTo(403);
        HttpResponse<byte[]> scrape = get("/metrics", monitor);
        assertThat(scrape.statusCode()).isEqualTo(200);
        assertThat(scrape.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
        String text = new String(scrape.body(), StandardCharsets.UTF_8);

        String latest = "method=\"GET\",route=\"/api/v1/cameras/{id}/latest\"";
        assertThat(value(text, "biostream_api_requests_total{" + latest + ",status=\"200\"}")).isEqualTo(3);
        assertThat(value(text, "biostream_api_requests_total{" + latest + ",status=\"404\"}")).isEqualTo(1);
        assertThat(value(text, "biostream_api_requests_total{method=\"GET\",route=\"/api/v1/cameras\",status=\"401\"}")).isEqualTo(1);
        assertThat(value(text, "biostream_api_request_duration_seconds_count{" + latest + "}")).isEqualTo(4);
        assertThat(value(text, "biostream_api_refused_requests_total{status=\"401\"}")).as("no key, twice").isEqualTo(2);
        assertThat(value(text, "biostream_api_refused_requests_total{status=\"403\"}")).isEqualTo(2);
        // descriptor reads (3) and the two 403s were audited, each write timed; the 401s are counted for
        // the minute's aggregate event
        assertThat(value(text, "biostream_api_audit_write_duration_seconds_count{outcome=\"recorded\"}")).isEqualTo(5);
        assertThat(text).contains("jvm_memory_used_bytes").doesNotContain("lobby-1").doesNotContain("nobody-here");
    }

    private static double value(String exposition, String series) {
        Matcher m = Pattern.compile("^" + Pattern.quote(series) + " (\\S+)$", Pattern.MULTILINE).matcher(exposition);
        assertThat(m.find()).as("series %s in%n%s", series, exposition).isTrue();
        return Double.parseDouble(m.group(1));
    }

    private static HttpResponse<byte[]> get(String path, IssuedKey key) throws Exception {
        return ApiRequests.send(server.port(), "GET", path, key, null, null);
    }
}
