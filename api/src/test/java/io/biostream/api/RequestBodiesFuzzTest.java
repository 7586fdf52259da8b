package io.biostream.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.biostream.operators.config.CameraIds;
import io.biostream.operators.identity.ControlEvents;
import io.biostream.operators.identity.MatchSettingsRules;
import io.biostream.operators.identity.SubjectIds;
import io.biostream.operators.identity.TestControlEvents;
import io.biostream.schemas.CaptureSession;
import io.biostream.schemas.ControlEvent;
import io.biostream.schemas.ControlType;
import io.biostream.schemas.MatchSettings;
import io.biostream.schemas.Subject;
import io.javalin.http.Context;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile JSON bodies against the request parsing of the routes that take one (PUT /config,
 * POST /sessions, POST /subjects), called directly as their handlers call it: each body is
 * accepted as a value the job would also accept, or refused with a 4xx ApiError naming the
 * problem; any other exception would reach the client as a 500. Seeds:
 * {@code RequestBodiesFuzzTestInputs/}; docs/fuzzing.md.
 */
class RequestBodiesFuzzTest {
    private static final Instant NOW = Instant.parse("2026-12-05T00:00:00Z");
    private static final MatchSettings CURRENT = TestControlEvents.settings(0.6f, 5, 40, "ssd", Map.of(), 3);

    @FuzzTest(maxDuration = "60s")
    @Timeout(30)
    void settingsBodiesAreAppliedOrRefusedWith4xx(byte[] body) {
        MatchSettings merged = parsedOrRefused(body, json -> SettingsHandlers.merge(CURRENT, json));
        if (merged != null) {
            assertThat(MatchSettingsRules.problems(merged)).as("the job's rules for settings the API accepted").isEmpty();
            assertThat(merged.getVersion()).isEqualTo(CURRENT.getVersion());
        }
    }

    @FuzzTest(maxDuration = "60s")
    @Timeout(30)
    void sessionBodiesAreParsedOrRefusedWith4xx(byte[] body) {
        CaptureSession session = parsedOrRefused(body, json -> SessionHandlers.parse(json, NOW));
        if (session != null) {
            assertThat(session.getCameras()).isNotEmpty().hasSizeLessThanOrEqualTo(SessionHandlers.MAX_CAMERAS)
                    .allMatch(CameraIds::isValid).doesNotHaveDuplicates();
            assertThat(session.getEndTime() == null || session.getEndTime().isAfter(NOW)).isTrue();
            assertThat(ControlEvents.problem(TestControlEvents.sessionStarted(session))).isEmpty();
        }
    }

    @FuzzTest(maxDuration = "60s")
    @Timeout(30)
    void subjectBodiesAreParsedOrRefusedWith4xx(byte[] body) {
        Subject subject = parsedOrRefused(body, json -> SubjectHandlers.parseSubject(json, NOW));
        if (subject != null) {
            assertThat(SubjectIds.isValid(subject.getSubjectId())).isTrue();
            assertThat(subject.getDisplayName()).isNotBlank().doesNotContainPattern("\\p{Cntrl}");
            assertThat(subject.getConsent().getLegalBasis()).isNotBlank();
            assertThat(subject.getConsent().getPurpose()).isNotBlank();
            ControlEvent upsert = ControlEvent.newBuilder(TestControlEvents.erased(subject.getSubjectId()))
                    .setType(ControlType.SUBJECT_UPSERTED).setSubjectId(null).setSubject(subject).build();
            assertThat(ControlEvents.problem(upsert)).isEmpty();
        }
    }

    /** The route's parse of the body as JsonRequests reads it, or null after checking the refusal is a 4xx. */
    private static <T> T parsedOrRefused(byte[] body, Function<com.fasterxml.jackson.databind.node.ObjectNode, T> parse) {
        Context request = requestWithBody(new String(body, StandardCharsets.UTF_8));
        try {
            return parse.apply(JsonRequests.object(request));
        } catch (ApiError refused) {
            assertThat(refused.status()).as("status of %s", refused.getMessage()).isBetween(400, 499);
            assertThat(refused.code()).isNotBlank();
            assertThat(refused.getMessage()).isNotBlank();
            return null;
        }
    }

    /** A request whose only readable part is its body: the parsing must not need anything else. */
    private static Context requestWithBody(String body) {
        return (Context) Proxy.newProxyInstance(Context.class.getClassLoader(), new Class<?>[] {Context.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "body" -> body;
                    case "bodyAsBytes" -> body.getBytes(StandardCharsets.UTF_8);
                    case "toString" -> "request with a " + body.length() + "-character body";
                    default -> throw new UnsupportedOperationException("the parser read Context." + method.getName());
                });
    }
}
