package io.biostream.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.biostream.api.audit.InMemoryAuditTrail;
import io.biostream.api.auth.ApiKeyStore;
import io.biostream.api.auth.IssuedKey;
import io.biostream.api.auth.Role;
import io.biostream.api.state.StateUnavailableException;
import io.biostream.operators.crypto.TestKeyRings;
import io.biostream.schemas.AnalyticsStep;
import io.biostream.schemas.CameraAnalytics;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** GET /api/v1/analytics/cameras/{id} over real HTTP, from the state reader's closed windows; answers checked against the OpenAPI document. */
class AnalyticsRoutesTest {
    private static final Instant T0 = Instant.parse("2026-03-02T10:00:00Z");
    private static InMemoryCameraState state;
    private static IssuedKey analyst;
    private static IssuedKey admin;
    private static ApiServer server;

    @BeforeAll
    static void start() throws Exception {
        ApiKeyStore keys = new ApiKeyStore();
        analyst = keys.generate("dashboard", Set.of(Role.ANALYST), Set.of());
        admin = keys.generate("operator", Set.of(Role.ADMIN), Set.of());
        state = new InMemoryCameraState();
        state.putAnalytics(window("door", AnalyticsStep.MINUTE, T0, 4, 5, 4, 2, 1, 1));
        state.putAnalytics(window("door", AnalyticsStep.MINUTE, T0.plusSeconds(120), 2, 3, 2, 1, 1, 0));
        state.putAnalytics(window("door", AnalyticsStep.HOUR, T0, 7, 9, 7, 3, 2, 1));
        state.putAnalytics(window("lobby", AnalyticsStep.MINUTE, T0, 1, 4, 0, 0, 0, 0));
        server = ApiServer.start(ApiConfig.defaults().withPort(0), keys, state, TestKeyRings.throwawayCipher(),
                new InMemoryAuditTrail().trail());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.stop();
        }
    }

    @BeforeEach
    void stateAvailable() {
        state.failWith(null);
    }

    private static CameraAnalytics window(String camera, AnalyticsStep step, Instant start, long frames, long faces, long described,
                                          long subjects, long unknown, long deadLetters) {
        return CameraAnalytics.newBuilder().setCameraId(camera).setStep(step).setStart(start).setFrames(frames).setFaces(faces)
                .setDescribed(described).setSubjects(subjects).setUnknown(unknown).setDeadLetters(deadLetters).build();
    }

    private static HttpResponse<byte[]> get(String path, IssuedKey key) throws Exception {
        return ApiRequests.send(server.port(), "GET", path, key, null, null);
    }

    private static List<String> row(JsonNode bucket) {
        List<String> values = new ArrayList<>();
        for (String field : List.of("start", "frames", "faces", "described", "subjects", "unknown", "deadLetters")) {
            values.add(bucket.get(field).asText());
        }
        return values;
    }

    @Test
    void everyMinuteOfTheRangeHasABucketWithTheClosedWindowsCounts() throws Exception {
        // from inside the first minute, to inside the fourth: whole minutes 10:00 to 10:03 (exclusive)
        HttpResponse<byte[]> answer = get("/api/v1/analytics/cameras/door?from=2026-03-02T10:00:30Z&to=2026-03-02T10:02:10Z&step=minute",
                analyst);
        assertThat(answer.statusCode()).isEqualTo(200);
        JsonNode body = ApiRequests.json(answer);
        assertThat(body.get("cameraId").asText()).isEqualTo("door");
        assertThat(body.get("step").asText()).isEqualTo("minute");
        List<List<String>> rows = new ArrayList<>();
        body.get("buckets").forEach(b -> rows.add(row(b)));
        assertThat(rows).containsExactly(
                List.of("2026-03-02T10:00:00Z", "4", "5", "4", "2", "1", "1"),
                List.of("2026-03-02T10:01:00Z", "0", "0", "0", "0", "0", "0"),
                List.of("2026-03-02T10:02:00Z", "2", "3", "2", "1", "1", "0"));
    }

    @Test
    void hoursForAnAdminToo() throws Exception {
        HttpResponse<byte[]> answer = get("/api/v1/analytics/cameras/door?from=2026-03-02T10:00:00Z&to=2026-03-02T12:00:00Z&step=hour",
                admin);
        assertThat(answer.statusCode()).isEqualTo(200);
        JsonNode buckets = ApiRequests.json(answer).get("buckets");
        assertThat(buckets).hasSize(2);
        assertThat(row(buckets.get(0))).containsExactly("2026-03-02T10:00:00Z", "7", "9", "7", "3", "2", "1");
        assertThat(row(buckets.get(1))).containsExactly("2026-03-02T11:00:00Z", "0", "0", "0", "0", "0", "0");
    }

    @Test
    void badParametersAreClearErrors() throws Exception {
        assertError(get("/api/v1/analytics/cameras/door?step=week", analyst), 400, "invalid_step");
        assertError(get("/api/v1/analytics/cameras/door?from=yesterday", analyst), 400, "invalid_time");
        assertError(get("/api/v1/analytics/cameras/door?from=2026-03-02T11:00:00Z&to=2026-03-02T10:00:00Z", analyst), 400,
                "invalid_range");
        assertError(get("/api/v1/analytics/cameras/door?from=2026-03-01T00:00:00Z&to=2026-03-02T00:01:00Z", analyst), 400,
                "range_too_large");
        assertError(get("/api/v1/analytics/cameras/bad%20id", analyst), 400, "invalid_camera_id");
    }

    @Test
    void stateThatCannotBeReadIs503() throws Exception {
        state.failWith(new StateUnavailableException(StateUnavailableException.Reason.UNREACHABLE, "down"));
        assertThat(get("/api/v1/analytics/cameras/door", analyst).statusCode()).isEqualTo(503);
    }

    private static void assertError(HttpResponse<byte[]> answer, int status, String error) throws Exception {
        assertThat(answer.statusCode()).as(new String(answer.body())).isEqualTo(status);
        assertThat(ApiRequests.json(answer).get("error").asText()).isEqualTo(error);
    }
}
