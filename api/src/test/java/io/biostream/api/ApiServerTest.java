package io.biostream.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.biostream.api.audit.InMemoryAuditTrail;
import io.biostream.api.auth.ApiKeyStore;
import io.biostream.api.auth.IssuedKey;
import io.biostream.api.auth.Permission;
import io.biostream.api.auth.Role;
import io.biostream.api.state.QueryableStateCameraReader;
import io.biostream.api.state.StateUnavailableException;
import io.biostream.operators.audit.AuditActions;
import io.biostream.operators.audit.AuditUnavailableException;
import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.operators.crypto.TestKeyRings;
import io.biostream.operators.state.StateSeal;
import io.biostream.schemas.AssociatedData;
import io.biostream.schemas.AuditEvent;
import io.biostream.schemas.AuditOutcome;
import io.biostream.schemas.CameraLatest;
import io.biostream.schemas.EncryptedTemplate;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.flink.api.common.JobID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Real HTTP against the running Javalin app on 127.0.0.1. */
class ApiServerTest {
    /** Decimal nodes, so floats read back exactly as the server wrote them. */
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final float[] FACE_0 = Results.descriptor(1);
    private static final float[] FACE_1 = Results.descriptor(2);

    private static TemplateCipher cipher;
    private static ApiKeyStore keys;
    private static IssuedKey analyst;
    private static IssuedKey analystWithDescriptors;
    private static IssuedKey cameraOnly;
    private static IssuedKey auditor;
    private static InMemoryAuditTrail audit;
    private static InMemoryCameraState state;
    private static ApiServer server;
    private static CameraLatest lobby;

    @org.junit.jupiter.api.io.TempDir
    static java.nio.file.Path keysDir;

    @BeforeAll
    static void start() throws Exception {
        cipher = new TemplateCipher(TestKeyRings.directory(keysDir));
        keys = new ApiKeyStore();
        analyst = keys.generate("dashboard", Set.of(Role.ANALYST), Set.of());
        analystWithDescriptors = keys.generate("investigator", Set.of(Role.ANALYST), Set.of(Permission.DESCRIPTORS));
        cameraOnly = keys.generate("door camera", Set.of(Role.CAMERA), Set.of());
        auditor = keys.generate("privacy office", Set.of(Role.AUDITOR), Set.of());
        audit = new InMemoryAuditTrail();
        state = new InMemoryCameraState();
        lobby = Results.latest(cipher, "lobby-1", 42, FACE_0, FACE_1);
        state.put(lobby);
        state.put(Results.latest(cipher, "gate-2", 7));
        server = ApiServer.start(ApiConfig.defaults().withPort(0).withMaxRequestBodyBytes(4096), keys, state, cipher,
                audit.trail());
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
        audit.failWith(null);
    }

    @Test
    void healthNeedsNoKeyAndReportsTheState() throws Exception {
        HttpResponse<String> ok = get("/health", null);
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(json(ok).get("status").asText()).isEqualTo("ok");
        assertThat(json(ok).get("state").asText()).isEqualTo("reachable");

        state.failWith(new StateUnavailableException(StateUnavailableException.Reason.UNREACHABLE, "down"));
        HttpResponse<String> degraded = get("/health", null);
        assertThat(degraded.statusCode()).isEqualTo(200);
        assertThat(json(degraded).get("state").asText()).isEqualTo("unreachable");
    }

    @Test
    void apiRoutesRefuseRequestsWithoutAKey() throws Exception {
        for (String path : List.of("/api/v1/cameras", "/api/v1/cameras/lobby-1/latest")) {
            HttpResponse<String> response = get(path, null);
            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
                    v -> assertThat(v).startsWith("Bearer"));
            assertThat(json(response).get("error").asText()).isEqualTo("unauthorized");
            assertThat(response.body()).doesNotContain("lobby-1/42");
        }
    }

    @Test
    void apiRoutesRefuseWrongKeys() throws Exception {
        String real = analyst.plaintext();
        char last = real.charAt(real.length() - 1);
        String oneCharOff = real.substring(0, real.length() - 1) + (last == 'A' ? 'B' : 'A');
        String revokedShape = new ApiKeyStore().generate("other store", Set.of(Role.ANALYST), Set.of()).plaintext();
        for (String wrong : List.of(oneCharOff, revokedShape, "not-a-key", real + "x")) {
            HttpResponse<String> response = get("/api/v1/cameras", "Bearer " + wrong);
            assertThat(response.statusCode()).as(wrong).isEqualTo(401);
            assertThat(response.headers().firstValue("WWW-Authenticate").orElseThrow()).contains("invalid_token");
            assertThat(json(response).get("error").asText()).isEqualTo("unauthorized");
        }
        HttpResponse<String> basic = get("/api/v1/cameras", "Basic " + Base64.getEncoder()
                .encodeToString(("x:" + real).getBytes(StandardCharsets.UTF_8)));
        assertThat(basic.statusCode()).isEqualTo(401);
    }

    @Test
    void aKeyWithoutTheRouteRoleIsForbidden() throws Exception {
        HttpResponse<String> response = get("/api/v1/cameras", bearer(cameraOnly));
        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(json(response).get("error").asText()).isEqualTo("forbidden");
    }

    @Test
    void listsTheCamerasSeenWithLastSeenTime() throws Exception {
        HttpResponse<String> response = get("/api/v1/cameras", bearer(analyst));
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
        JsonNode cameras = json(response).get("cameras");
        assertThat(cameras).hasSize(2);
        assertThat(cameras.get(0).get("cameraId").asText()).isEqualTo("gate-2");
        JsonNode lobbyJson = cameras.get(1);
        assertThat(lobbyJson.get("cameraId").asText()).isEqualTo("lobby-1");
        assertThat(lobbyJson.get("lastSequence").asLong()).isEqualTo(42);
        assertThat(Instant.parse(lobbyJson.get("lastSeen").asText()))
                .isEqualTo(lobby.getFrameResult().getProcessedTime());
    }

    @Test
    void latestResultCarriesFacesAndSealedTemplatesButNoDescriptorsForAPlainAnalyst() throws Exception {
        HttpResponse<String> response = get("/api/v1/cameras/lobby-1/latest", bearer(analyst));
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = json(response);
        assertThat(body.get("cameraId").asText()).isEqualTo("lobby-1");
        assertThat(body.get("sequence").asLong()).isEqualTo(42);
        assertThat(Instant.parse(body.get("captureTime").asText())).isEqualTo(lobby.getFrameResult().getCaptureTime());
        assertThat(Instant.parse(body.get("processedTime").asText())).isEqualTo(lobby.getFrameResult().getProcessedTime());
        assertThat(body.get("width").asInt()).isEqualTo(640);
        assertThat(body.get("height").asInt()).isEqualTo(480);
        assertThat(body.get("detector").asText()).isEqualTo("ssd-mobilenet-v1");

        JsonNode faces = body.get("faces");
        assertThat(faces).hasSize(3);
        JsonNode face = faces.get(1);
        assertThat(face.get("faceIndex").asInt()).isEqualTo(1);
        assertThat(face.get("faceId").asText()).isEqualTo("lobby-1/42/1");
        assertThat(face.get("box").get("x").floatValue()).isEqualTo(60f);
        assertThat(face.get("box").get("height").floatValue()).isEqualTo(48f);
        assertThat(face.get("score").floatValue()).isEqualTo(lobby.getFrameResult().getFaces().get(1).getScore());
        assertThat(face.get("status").asText()).isEqualTo("DESCRIBED");
        assertThat(face.has("descriptor")).isFalse();

        EncryptedTemplate sealed = lobby.getTemplates().get(1);
        JsonNode template = face.get("template");
        assertThat(template.get("keyId").asText()).isEqualTo(sealed.getKeyId()).startsWith("dk_");
        assertThat(template.get("algorithm").asText()).isEqualTo(TemplateCipher.ALGORITHM);
        assertThat(template.get("model").asText()).isEqualTo(Results.MODEL);
        assertThat(Base64.getDecoder().decode(template.get("ciphertext").asText()))
                .isEqualTo(bytes(sealed.getCiphertext()));
        assertThat(template.get("associatedData").get("cameraId").asText()).isEqualTo("lobby-1");
        assertThat(template.get("associatedData").get("sequence").asLong()).isEqualTo(42);
        assertThat(template.get("associatedData").get("faceIndex").asInt()).isEqualTo(1);

        JsonNode tooSmall = faces.get(2);
        assertThat(tooSmall.get("status").asText()).isEqualTo("TOO_SMALL");
        assertThat(tooSmall.get("template").isNull()).isTrue();
        assertThat(response.body()).doesNotContain(Float.toString(FACE_1[0]));
    }

    @Test
    void descriptorsAreDecryptedOnlyForAKeyWithThePermission() throws Exception {
        HttpResponse<String> response = get("/api/v1/cameras/lobby-1/latest", bearer(analystWithDescriptors));
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode faces = json(response).get("faces");
        assertThat(floats(faces.get(0).get("descriptor"))).isEqualTo(FACE_0);
        assertThat(floats(faces.get(1).get("descriptor"))).isEqualTo(FACE_1);
        assertThat(faces.get(2).has("descriptor")).isFalse();
    }

    @Test
    void aTemplateMovedOntoAnotherFrameDoesNotOpen() throws Exception {
        CameraLatest other = Results.latest(cipher, "yard-3", 5, Results.descriptor(9));
        // The yard frame lists the lobby's sealed template under its own face id.
        EncryptedTemplate moved = EncryptedTemplate.newBuilder(lobby.getTemplates().get(0)).setFaceId("yard-3/5/0").build();
        state.put(CameraLatest.newBuilder(other).setTemplates(List.of(moved)).build());
        try {
            HttpResponse<String> withPermission = get("/api/v1/cameras/yard-3/latest", bearer(analystWithDescriptors));
            assertThat(withPermission.statusCode()).isEqualTo(500);
            assertThat(json(withPermission).get("error").asText()).isEqualTo("template_unreadable");
            assertThat(withPermission.body()).doesNotContain("Exception").doesNotContain("\tat ");

            assertThat(get("/api/v1/cameras/yard-3/latest", bearer(analyst)).statusCode()).isEqualTo(200);
        } finally {
            state.remove("yard-3");
        }
    }

    @Test
    void aFaceWhoseDataKeyIsDestroyedIsDroppedFromTheAnswerAndTheOthersStay() throws Exception {
        float[] erased = Results.descriptor(21);
        float[] kept = Results.descriptor(22);
        CameraLatest frame = Results.latest(cipher, "hall-4", 9, erased, kept);
        // Face 0 is an enrolled subject's sighting: sealed under the subject's own key, as the job does.
        AssociatedData ad = frame.getTemplates().get(0).getAssociatedData();
        EncryptedTemplate subjects = cipher.seal("hall-4/9/0", erased, ad, Results.MODEL, cipher.keys().subjectKey("erased-e"));
        List<EncryptedTemplate> templates = new ArrayList<>(frame.getTemplates());
        templates.set(0, subjects);
        state.put(CameraLatest.newBuilder(frame).setTemplates(templates).build());
        try {
            JsonNode before = json(get("/api/v1/cameras/hall-4/latest", bearer(analyst)));
            assertThat(before.get("faces")).extracting(f -> f.get("faceId").asText())
                    .containsExactly("hall-4/9/0", "hall-4/9/1", "hall-4/9/2");
            assertThat(before.get("faces").get(0).get("template").get("keyId").asText()).isEqualTo(subjects.getKeyId());

            assertThat(cipher.keys().destroySubject("erased-e")).containsExactly(subjects.getKeyId());

            HttpResponse<String> plain = get("/api/v1/cameras/hall-4/latest", bearer(analyst));
            assertThat(plain.statusCode()).as(plain.body()).isEqualTo(200);
            assertThat(json(plain).get("faces")).extracting(f -> f.get("faceId").asText())
                    .containsExactly("hall-4/9/1", "hall-4/9/2");
            assertThat(plain.body()).doesNotContain(subjects.getKeyId()).doesNotContain("hall-4/9/0");

            HttpResponse<String> withDescriptors = get("/api/v1/cameras/hall-4/latest", bearer(analystWithDescriptors));
            assertThat(withDescriptors.statusCode()).as(withDescriptors.body()).isEqualTo(200);
            JsonNode faces = json(withDescriptors).get("faces");
            assertThat(faces).extracting(f -> f.get("faceId").asText()).containsExactly("hall-4/9/1", "hall-4/9/2");
            assertThat(floats(faces.get(0).get("descriptor"))).isEqualTo(kept);
        } finally {
            state.remove("hall-4");
        }
    }

    @Test
    void unknownCameraIs404WithAJsonError() throws Exception {
        HttpResponse<String> response = get("/api/v1/cameras/nobody-here/latest", bearer(analyst));
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(json(response).get("error").asText()).isEqualTo("camera_not_found");
        assertThat(json(response).get("message").asText()).contains("nobody-here");
    }

    @Test
    void malformedCameraIdIs400() throws Exception {
        HttpResponse<String> response = get("/api/v1/cameras/bad%20id%3Cscript%3E/latest", bearer(analyst));
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response).get("error").asText()).isEqualTo("invalid_camera_id");
    }

    @Test
    void identityRoutesAnswer503WhenTheServerRunsWithoutIdentityServices() throws Exception {
        HttpResponse<String> response = get("/api/v1/subjects", bearer(analyst));
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(json(response).get("error").asText()).isEqualTo("identity_unavailable");
        // Roles are still enforced first.
        assertThat(get("/api/v1/subjects", bearer(auditor)).statusCode()).isEqualTo(403);
    }

    @Test
    void unknownRouteIs404WithAJsonError() throws Exception {
        HttpResponse<String> response = get("/api/v1/nothing", bearer(analyst));
        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(json(response).get("error").asText()).isEqualTo("not_found");
    }

    @Test
    void oversizedBodyIs413() throws Exception {
        HttpRequest request = HttpRequest.newBuilder(uri("/api/v1/cameras"))
                .header("Authorization", bearer(analyst))
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[8192]))
                .build();
        HttpResponse<String> response = ApiRequests.send(HTTP, request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(json(response).get("error").asText()).isEqualTo("body_too_large");
    }

    @Test
    void unavailableStateIs503WithAClearBody() throws Exception {
        state.failWith(new StateUnavailableException(StateUnavailableException.Reason.NOT_READY,
                "the results job has not registered its state yet; retry shortly"));
        HttpResponse<String> response = get("/api/v1/cameras/lobby-1/latest", bearer(analyst));
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Retry-After")).isPresent();
        assertThat(json(response).get("error").asText()).isEqualTo("state_not_ready");
        assertThat(json(response).get("message").asText()).contains("not registered");
    }

    @Test
    void realQueryableStateReaderAgainstAClosedPortGives503AndHealthStaysUp() throws Exception {
        ApiConfig config = ApiConfig.defaults().withPort(0)
                .withStateProxy("127.0.0.1", closedPort())
                .withStateTimings(Duration.ofSeconds(5), Duration.ofSeconds(1));
        JobID job = new JobID();
        try (QueryableStateCameraReader reader = new QueryableStateCameraReader(config, () -> Optional.of(job), new StateSeal(cipher.keys()));
             ApiServer proxyless = ApiServer.start(config, keys, reader, cipher, new InMemoryAuditTrail().trail())) {
            HttpResponse<String> latest = get(proxyless, "/api/v1/cameras/lobby-1/latest", bearer(analyst));
            assertThat(latest.statusCode()).isEqualTo(503);
            assertThat(json(latest).get("error").asText()).isEqualTo("state_unreachable");
            assertThat(json(latest).get("message").asText()).contains("unreachable");

            HttpResponse<String> list = get(proxyless, "/api/v1/cameras", bearer(analyst));
            assertThat(list.statusCode()).isEqualTo(503);

            HttpResponse<String> health = get(proxyless, "/health", null);
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(json(health).get("status").asText()).isEqualTo("ok");
            assertThat(json(health).get("state").asText()).isEqualTo("unreachable");
        }
    }

    @Test
    void everyDescriptorReadIsAnAuditEventAndAPlainReadIsNot() throws Exception {
        int before = audit.size();
        assertThat(get("/api/v1/cameras/lobby-1/latest", bearer(analyst)).statusCode()).isEqualTo(200);
        assertThat(audit.events(before)).as("no biometric data read").noneMatch(
                e -> e.getAction().equals(AuditActions.DESCRIPTORS_READ) && e.getActor().equals(analyst.key().id()));

        assertThat(get("/api/v1/cameras/lobby-1/latest", bearer(analystWithDescriptors)).statusCode()).isEqualTo(200);
        AuditEvent read = audit.events(before).stream()
                .filter(e -> e.getActor().equals(analystWithDescriptors.key().id())).findFirst().orElseThrow();
        assertThat(read.getAction()).isEqualTo(AuditActions.DESCRIPTORS_READ);
        assertThat(read.getSubject()).isEqualTo("lobby-1");
        assertThat(read.getOutcome()).isEqualTo(AuditOutcome.SUCCESS);
        assertThat(read.getDetails()).containsEntry("frameSequence", "42").containsEntry("faces", "2");
        assertThat(read.getDetails().values()).noneMatch(v -> v.contains(Float.toString(FACE_0[0])));
    }

    @Test
    void noDescriptorsLeaveWhenTheReadCannotBeAudited() throws Exception {
        audit.failWith(new AuditUnavailableException("broker down"));
        HttpResponse<String> response = get("/api/v1/cameras/lobby-1/latest", bearer(analystWithDescriptors));
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(json(response).get("error").asText()).isEqualTo("audit_unavailable");
        assertThat(response.body()).doesNotContain(Float.toString(FACE_0[0])).doesNotContain("descriptor");
    }

    @Test
    void refusedRequestsAreAuditedAsDenied() throws Exception {
        int before = audit.size();
        assertThat(get("/api/v1/cameras", null).statusCode()).isEqualTo(401);
        assertThat(get("/api/v1/audit", bearer(analyst)).statusCode()).isEqualTo(403);

        List<AuditEvent> denied = audit.events(before).stream()
                .filter(e -> e.getAction().equals(AuditActions.REQUEST_DENIED)).toList();
        // Anonymous refusals are counted and recorded once a minute (DeniedRequestAuditTest), not one by one.
        assertThat(denied).noneMatch(e -> "401".equals(e.getDetails().get("status")));
        assertThat(denied).anySatisfy(e -> {
            assertThat(e.getActor()).isEqualTo(analyst.key().id());
            assertThat(e.getDetails()).containsEntry("status", "403").containsEntry("path", "/api/v1/audit");
        });
        assertThat(get("/health", null).statusCode()).isEqualTo(200);
    }

    @Test
    void onlyAuditorsReadTheTrail() throws Exception {
        for (IssuedKey other : List.of(analyst, analystWithDescriptors, cameraOnly)) {
            assertThat(get("/api/v1/audit", bearer(other)).statusCode()).isEqualTo(403);
            assertThat(get("/api/v1/audit/verify", bearer(other)).statusCode()).isEqualTo(403);
        }
        assertThat(get("/api/v1/audit/verify", null).statusCode()).isEqualTo(401);
    }

    @Test
    void auditorsPageThroughTheTrail() throws Exception {
        int before = audit.size();
        for (int i = 0; i < InMemoryAuditTrail.INTERVAL; i++) {
            assertThat(get("/api/v1/cameras/gate-2/latest", bearer(analystWithDescriptors)).statusCode()).isEqualTo(200);
        }
        int size = audit.size();
        assertThat(size).as("one event per descriptor read").isEqualTo(before + InMemoryAuditTrail.INTERVAL);

        JsonNode first = json(get("/api/v1/audit?limit=1", bearer(auditor)));
        assertThat(first.get("events")).hasSize(1);
        JsonNode event0 = first.get("events").get(0);
        assertThat(event0.get("position").asLong()).isZero();
        assertThat(event0.get("sequence").asLong()).isZero();
        assertThat(event0.get("previousHash").asText()).isEqualTo("0".repeat(64));
        assertThat(event0.get("hash").asText()).matches("[0-9a-f]{64}");
        assertThat(first.get("next").asLong()).isEqualTo(1);

        JsonNode rest = json(get("/api/v1/audit?from=1&limit=1000", bearer(auditor)));
        assertThat(rest.get("events").size()).as("every event from position 1; reading is not audited").isEqualTo(size - 1);
        assertThat(rest.get("events").get(0).get("previousHash").asText()).isEqualTo(event0.get("hash").asText());
        JsonNode signed = rest.get("events").get(InMemoryAuditTrail.INTERVAL - 2);
        assertThat(signed.get("sequence").asLong()).isEqualTo(InMemoryAuditTrail.INTERVAL - 1);
        assertThat(Base64.getDecoder().decode(signed.get("signature").asText())).hasSizeGreaterThan(64);
        assertThat(signed.get("signingKeyId").asText()).isNotBlank();

        JsonNode past = json(get("/api/v1/audit?from=100000", bearer(auditor)));
        assertThat(past.get("events")).isEmpty();
        for (String bad : List.of("limit=0", "limit=1001", "from=-1", "from=abc")) {
            HttpResponse<String> response = get("/api/v1/audit?" + bad, bearer(auditor));
            assertThat(response.statusCode()).as(bad).isEqualTo(400);
            assertThat(json(response).get("error").asText()).isEqualTo("invalid_paging");
        }
    }

    @Test
    void verifyRecomputesTheChainAndFindsATamperedEvent() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertThat(get("/api/v1/cameras/lobby-1/latest", bearer(analystWithDescriptors)).statusCode()).isEqualTo(200);
        }
        HttpResponse<String> response = get("/api/v1/audit/verify", bearer(auditor));
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode ok = json(response);
        assertThat(ok.get("ok").asBoolean()).as(response.body()).isTrue();
        assertThat(ok.get("events").asLong()).as("every stored event verified").isEqualTo(audit.size());

        int victim = audit.size() - 2;
        byte[] original = audit.storedAt(victim);
        AuditEvent stored = audit.events(victim).get(0);
        // One character of the actor, changed in the stored bytes: it still decodes, to other content.
        byte[] actor = stored.getActor().getBytes(StandardCharsets.UTF_8);
        int at = indexOf(original, actor);
        assertThat(at).isPositive();
        byte[] altered = original.clone();
        altered[at] = (byte) (altered[at] == 'a' ? 'b' : 'a');
        audit.replace(victim, altered);
        try {
            JsonNode bad = json(get("/api/v1/audit/verify?full=true", bearer(auditor)));
            assertThat(bad.get("ok").asBoolean()).isFalse();
            assertThat(bad.get("firstBadEvent").get("position").asLong()).isEqualTo(victim);
            assertThat(bad.get("events").asLong()).isEqualTo(victim);
            assertThat(bad.get("firstBadEvent").get("sequence").asLong()).isEqualTo(victim);
            assertThat(bad.get("reason").asText()).isEqualTo("hash_mismatch");
            assertThat(bad.get("detail").asText()).isNotBlank();
        } finally {
            audit.replace(victim, original);
        }
        assertThat(json(get("/api/v1/audit/verify?full=true", bearer(auditor))).get("ok").asBoolean()).isTrue();
    }

    /**
     * Finding 9: verify used to rescan the whole trail on every call. It now resumes after the last
     * signed checkpoint it verified, so an event altered before that checkpoint is found only by a
     * full re-verification (?full=true), which is still one call away.
     */
    @Test
    void verifyResumesAfterTheLastVerifiedCheckpointAndFullRescansEverything() throws Exception {
        for (int i = 0; i < 3 * InMemoryAuditTrail.INTERVAL; i++) {
            assertThat(get("/api/v1/cameras/lobby-1/latest", bearer(analystWithDescriptors)).statusCode()).isEqualTo(200);
        }
        JsonNode first = json(get("/api/v1/audit/verify", bearer(auditor)));
        assertThat(first.get("ok").asBoolean()).as(first.toString()).isTrue();
        assertThat(first.get("events").asLong()).isEqualTo(audit.size());
        long checkpoint = first.get("lastSignedSequence").asLong();
        assertThat(checkpoint).isGreaterThanOrEqualTo(2);

        int victim = (int) checkpoint - 2; // covered by the checkpoint verified just now
        byte[] original = audit.storedAt(victim);
        byte[] actor = audit.events(victim).get(0).getActor().getBytes(StandardCharsets.UTF_8);
        byte[] altered = original.clone();
        int at = indexOf(original, actor);
        altered[at] = (byte) (altered[at] == 'a' ? 'b' : 'a');
        audit.replace(victim, altered);
        try {
            assertThat(get("/api/v1/cameras/lobby-1/latest", bearer(analystWithDescriptors)).statusCode()).isEqualTo(200);
            JsonNode resumed = json(get("/api/v1/audit/verify", bearer(auditor)));
            assertThat(resumed.get("ok").asBoolean()).as("only what follows the checkpoint is read: %s", resumed).isTrue();
            assertThat(resumed.get("events").asLong()).as("counted over the whole trail").isEqualTo(audit.size());

            JsonNode full = json(get("/api/v1/audit/verify?full=true", bearer(auditor)));
            assertThat(full.get("ok").asBoolean()).isFalse();
            assertThat(full.get("firstBadEvent").get("position").asLong()).isEqualTo(victim);
            assertThat(full.get("reason").asText()).isEqualTo("hash_mismatch");
        } finally {
            audit.replace(victim, original);
        }
        assertThat(json(get("/api/v1/audit/verify?full=true", bearer(auditor))).get("ok").asBoolean()).isTrue();
        HttpResponse<String> badFlag = get("/api/v1/audit/verify?full=yes", bearer(auditor));
        assertThat(badFlag.statusCode()).isEqualTo(400);
        assertThat(json(badFlag).get("error").asText()).isEqualTo("invalid_full");
    }

    @Test
    void anUnreadableTrailIs503() throws Exception {
        audit.failWith(new AuditUnavailableException("broker down"));
        HttpResponse<String> response = get("/api/v1/audit/verify", bearer(auditor));
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(json(response).get("error").asText()).isEqualTo("audit_unavailable");
    }

    @Test
    void theLogHoldsNoKeysAndNoDescriptors() throws Exception {
        assertThat(get("/api/v1/cameras/lobby-1/latest", bearer(analystWithDescriptors)).statusCode()).isEqualTo(200);
        assertThat(get("/api/v1/cameras", "Bearer " + analyst.plaintext() + "x").statusCode()).isEqualTo(401);
        Path log = Path.of(System.getProperty("biostream.api.test.log", "target/api-test.log"));
        String text = Files.readString(log, StandardCharsets.UTF_8);
        // The log is written: the access line and the descriptor-read audit line are there ...
        assertThat(text).contains("GET /api/v1/cameras/lobby-1/latest 200")
                .contains("descriptors read: key=" + analystWithDescriptors.key().id());
        // ... but no key, no secret part of a key, and no descriptor value.
        for (IssuedKey key : List.of(analyst, analystWithDescriptors, cameraOnly)) {
            assertThat(text).doesNotContain(key.plaintext()).doesNotContain(secretPart(key));
        }
        for (float[] descriptor : List.of(FACE_0, FACE_1)) {
            for (int i = 0; i < 4; i++) {
                assertThat(text).doesNotContain(Float.toString(descriptor[i]));
            }
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static String secretPart(IssuedKey key) {
        return key.plaintext().substring("bsk_".length() + 16 + 1);
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static String bearer(IssuedKey key) {
        return "Bearer " + key.plaintext();
    }

    private static HttpResponse<String> get(String path, String authorization) throws Exception {
        return get(server, path, authorization);
    }

    private static HttpResponse<String> get(ApiServer target, String path, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + target.port() + path))
                .timeout(Duration.ofSeconds(30))
                .GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return ApiRequests.send(HTTP, request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    private static JsonNode json(HttpResponse<String> response) throws IOException {
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                v -> assertThat(v).startsWith("application/json"));
        return JSON.readTree(response.body());
    }

    private static float[] floats(JsonNode array) {
        List<Float> values = new ArrayList<>();
        array.forEach(v -> values.add(v.floatValue()));
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] out = new byte[copy.remaining()];
        copy.get(out);
        return out;
    }
}
