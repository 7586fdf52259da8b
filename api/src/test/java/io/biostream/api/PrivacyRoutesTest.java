package io.biostream.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.biostream.api.audit.InMemoryAuditTrail;
import io.biostream.api.auth.ApiKeyStore;
import io.biostream.api.auth.IssuedKey;
import io.biostream.api.auth.Role;
import io.biostream.api.identity.IdentityServices;
import io.biostream.api.identity.InMemoryControlLog;
import io.biostream.api.identity.InMemoryIdentityState;
import io.biostream.api.identity.SharedVision;
import io.biostream.api.state.StateUnavailableException;
import io.biostream.operators.audit.AuditActions;
import io.biostream.operators.audit.AuditEntry;
import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.operators.crypto.TestKeyRings;
import io.biostream.operators.identity.FacePhotos;
import io.biostream.operators.identity.IdentityEvents;
import io.biostream.operators.identity.IdentityLedger;
import io.biostream.operators.identity.IdentityConfig;
import io.biostream.operators.identity.MatchPolicy;
import io.biostream.operators.identity.MatchSettingsRules;
import io.biostream.operators.identity.PrivacyMode;
import io.biostream.operators.vision.VisionConfig;
import io.biostream.schemas.AuditEvent;
import io.biostream.schemas.AuditOutcome;
import io.biostream.schemas.Consent;
import io.biostream.schemas.ControlEvent;
import io.biostream.schemas.ControlType;
import io.biostream.schemas.EncryptedTemplate;
import io.biostream.schemas.MatchSettings;
import io.biostream.schemas.Sighting;
import io.biostream.schemas.Sightings;
import io.biostream.schemas.Subject;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The privacy routes over real HTTP on 127.0.0.1 with the real face pipeline, ledger, cipher and
 * audit chain: privacy mode and retention in the live settings, consent before enrollment, and the
 * subject export. The control topic is replaced by applying events to the ledger directly.
 */
class PrivacyRoutesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static IssuedKey admin;
    private static IssuedKey analyst;
    private static InMemoryAuditTrail audit;
    private static InMemoryControlLog control;
    private static InMemoryIdentityState state;
    private static IdentityServices identity;
    private static IdentityApiServer api;
    private static ApiServer server;

    @BeforeAll
    static void start() throws Exception {
        TemplateCipher cipher = TestKeyRings.throwawayCipher();
        ApiKeyStore keys = new ApiKeyStore();
        admin = keys.generate("privacy officer", EnumSet.of(Role.ADMIN), Set.of());
        analyst = keys.generate("investigator", EnumSet.of(Role.ANALYST), Set.of());
        audit = new InMemoryAuditTrail();
        control = new InMemoryControlLog(new IdentityLedger(IdentityConfig.DEFAULTS.defaultSettings(VisionConfig.DEFAULTS)));
        state = new InMemoryIdentityState();
        api = IdentityApiServer.start(ApiConfig.defaults().withPort(0), keys, cipher, audit.trail(), control, state);
        identity = api.identity;
        server = api.server;
    }

    @AfterAll
    static void stop() {
        if (api != null) {
            api.close();
        }
    }

    @Test
    void privacyModeAndRetentionAreSetGloballyAndPerCamera() throws Exception {
        JsonNode before = json(get("/api/v1/config", analyst));
        assertThat(before.get("privacyMode").asText()).isEqualTo("full");
        assertThat(before.get("retentionSeconds").asLong()).isEqualTo(2_592_000L);
        long version = before.get("version").asLong();

        Map<String, String> invalid = Map.of(
                "{\"privacyMode\": \"blur\"}", "privacyMode must be one of [full, watchlist-only, count-only]",
                "{\"privacyMode\": 1}", "privacyMode",
                "{\"retentionSeconds\": 0}", "retentionSeconds must be an integer from 1 to 94608000",
                "{\"retentionSeconds\": 94608001}", "retentionSeconds",
                "{\"retentionSeconds\": \"30d\"}", "retentionSeconds",
                "{\"retentionSeconds\": 1.5}", "retentionSeconds",
                "{\"cameras\": {\"door-1\": {\"privacyMode\": \"WATCHLIST_ONLY\"}}}", "cameras.door-1.privacyMode",
                "{\"cameras\": {\"door-1\": {\"retentionSeconds\": -1}}}", "cameras.door-1.retentionSeconds");
        for (Map.Entry<String, String> bad : invalid.entrySet()) {
            HttpResponse<byte[]> response = put("/api/v1/config", admin, bad.getKey());
            assertThat(response.statusCode()).as(bad.getKey()).isEqualTo(400);
            assertThat(json(response).get("message").asText()).as(bad.getKey()).contains(bad.getValue());
        }
        assertThat(json(get("/api/v1/config", analyst)).get("version").asLong()).isEqualTo(version);

        HttpResponse<byte[]> changed = put("/api/v1/config", admin, "{\"privacyMode\": \"watchlist-only\", \"retentionSeconds\": 86400,"
                + " \"cameras\": {\"lobby-1\": {\"privacyMode\": \"count-only\", \"retentionSeconds\": 3600}, \"gate-2\": {\"threshold\": 0.5}}}");
        JsonNode after = json(changed);
        assertThat(changed.statusCode()).as(after.toString()).isEqualTo(200);
        assertThat(after.get("privacyMode").asText()).isEqualTo("watchlist-only");
        assertThat(after.get("retentionSeconds").asLong()).isEqualTo(86_400L);
        assertThat(after.get("cameras").get("lobby-1").get("privacyMode").asText()).isEqualTo("count-only");
        assertThat(after.get("cameras").get("lobby-1").get("retentionSeconds").asLong()).isEqualTo(3600L);
        assertThat(after.get("cameras").get("gate-2").has("privacyMode")).as("no override: the deployment's value").isFalse();
        assertThat(json(get("/api/v1/config", analyst))).isEqualTo(after);

        // What the job receives resolves per camera.
        IdentityEvents.Keyed published = control.appended().get(control.appended().size() - 1);
        assertThat(published.event().getType()).isEqualTo(ControlType.SETTINGS_CHANGED);
        MatchSettings settings = published.event().getSettings();
        assertThat(MatchSettingsRules.problems(settings)).isEmpty();
        assertThat(MatchPolicy.forCamera(settings, "lobby-1").privacyMode()).isEqualTo(PrivacyMode.COUNT_ONLY);
        assertThat(MatchPolicy.forCamera(settings, "lobby-1").unenrolledRetention()).isEqualTo(Duration.ofHours(1));
        assertThat(MatchPolicy.forCamera(settings, "gate-2").privacyMode()).isEqualTo(PrivacyMode.WATCHLIST_ONLY);
        assertThat(MatchPolicy.forCamera(settings, "gate-2").unenrolledRetention()).isEqualTo(Duration.ofDays(1));

        // Fields a PUT leaves out keep their values.
        JsonNode thresholdOnly = json(put("/api/v1/config", admin, "{\"threshold\": 0.6}"));
        assertThat(thresholdOnly.get("privacyMode").asText()).isEqualTo("watchlist-only");
        assertThat(thresholdOnly.get("retentionSeconds").asLong()).isEqualTo(86_400L);
        assertThat(audit.events(0)).filteredOn(e -> e.getAction().equals(AuditActions.CONFIG_CHANGE)
                && e.getOutcome() == AuditOutcome.SUCCESS)
                .anySatisfy(e -> assertThat(e.getDetails()).containsEntry("privacyMode", "watchlist-only")
                        .containsEntry("retentionSeconds", "86400"));

        JsonNode restored = json(put("/api/v1/config", admin, "{\"privacyMode\": \"full\", \"retentionSeconds\": 2592000, \"cameras\": {}}"));
        assertThat(restored.get("privacyMode").asText()).isEqualTo("full");
    }

    @Test
    void enrollmentNeedsAConsentInForce() throws Exception {
        Instant now = Instant.now();
        register(subject("lapsed-c", new Consent("explicit-consent", "building access", now.minus(400, ChronoUnit.DAYS),
                now.minus(1, ChronoUnit.DAYS))));
        register(subject("blank-c", new Consent(" ", "", now, null)));
        byte[] photo = FacePhotos.bbt("raj", 1);
        int auditFrom = audit.size();

        HttpResponse<byte[]> lapsed = post("/api/v1/subjects/lapsed-c/images", admin, "image/png", photo);
        assertThat(lapsed.statusCode()).isEqualTo(409);
        assertThat(json(lapsed).get("error").asText()).isEqualTo("consent_expired");
        assertThat(json(lapsed).get("message").asText()).contains("lapsed-c").contains("expired");
        HttpResponse<byte[]> blank = post("/api/v1/subjects/blank-c/images", admin, "image/png", photo);
        assertThat(blank.statusCode()).isEqualTo(409);
        assertThat(json(blank).get("error").asText()).isEqualTo("consent_missing");

        assertThat(identity.commands().ledger().subject("lapsed-c").orElseThrow().templates()).isEmpty();
        assertThat(identity.commands().ledger().subject("blank-c").orElseThrow().templates()).isEmpty();
        assertThat(control.appended()).noneMatch(k -> k.event().getType() == ControlType.TEMPLATE_ENROLLED
                && List.of("lapsed-c", "blank-c").contains(k.event().getSubjectId()));
        assertThat(audit.events(auditFrom)).filteredOn(e -> e.getAction().equals(AuditActions.SUBJECT_ENROLL))
                .extracting(AuditEvent::getSubject, AuditEvent::getOutcome, e -> e.getDetails().get("error"))
                .containsExactly(org.assertj.core.groups.Tuple.tuple("lapsed-c", AuditOutcome.DENIED, "consent_expired"),
                        org.assertj.core.groups.Tuple.tuple("blank-c", AuditOutcome.DENIED, "consent_missing"));

        // The same photo is enrolled for a subject whose consent is in force.
        assertThat(post("/api/v1/subjects", admin, "application/json", subjectJson("willing-c")).statusCode()).isEqualTo(201);
        HttpResponse<byte[]> willing = post("/api/v1/subjects/willing-c/images", admin, "image/png", photo);
        assertThat(willing.statusCode()).as(new String(willing.body(), StandardCharsets.UTF_8)).isEqualTo(201);
        assertThat(post("/api/v1/subjects/nobody-c/images", admin, "image/png", photo).statusCode()).isEqualTo(404);
    }

    @Test
    void anExportHoldsEverythingAboutTheSubjectButNoBiometricDataAndIsAudited() throws Exception {
        assertThat(post("/api/v1/subjects", admin, "application/json", subjectJson("howard-x")).statusCode()).isEqualTo(201);
        Multipart photos = new Multipart().image("image", FacePhotos.bbt("howard", 14)).image("image", FacePhotos.bbt("howard", 15));
        HttpResponse<byte[]> enrolled = post("/api/v1/subjects/howard-x/images", admin, photos.contentType(), photos.body());
        assertThat(enrolled.statusCode()).as(new String(enrolled.body(), StandardCharsets.UTF_8)).isEqualTo(201);
        List<EncryptedTemplate> sealed = control.appended().stream()
                .filter(k -> k.event().getType() == ControlType.TEMPLATE_ENROLLED && k.key().equals("howard-x"))
                .map(k -> k.event().getTemplate()).toList();
        assertThat(sealed).hasSize(2);
        Instant seen = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        state.put(new Sightings("howard-x", List.of(new Sighting("door-1", 12L, "door-1/12/0", seen, 0.42f)), 3L));
        int auditFrom = audit.size();

        HttpResponse<byte[]> response = get("/api/v1/subjects/howard-x/export", admin);
        JsonNode export = json(response);
        assertThat(response.statusCode()).as(export.toString()).isEqualTo(200);
        System.out.println("subject export: " + export);
        assertThat(export.get("format").asText()).isEqualTo("biostream.subject-export/1");
        assertThat(Instant.parse(export.get("exportedAt").asText())).isBetween(seen.minusSeconds(60), Instant.now().plusSeconds(1));
        JsonNode subject = export.get("subject");
        assertThat(subject).isEqualTo(json(get("/api/v1/subjects/howard-x", admin)));
        assertThat(subject.get("consent").get("legalBasis").asText()).isEqualTo("explicit-consent");
        assertThat(subject.get("consent").get("purpose").asText()).isEqualTo("building access");
        JsonNode templates = export.get("templates");
        assertThat(templates).hasSize(2);
        for (int i = 0; i < 2; i++) {
            JsonNode t = templates.get(i);
            EncryptedTemplate held = sealed.get(i);
            assertThat(t.get("templateId").asText()).isEqualTo("enrollment/howard-x/" + i).isEqualTo(held.getFaceId());
            assertThat(t.get("model").asText()).isEqualTo(identity.vision().modelId());
            assertThat(t.get("keyId").asText()).isEqualTo(held.getKeyId()).isNotBlank();
            assertThat(t.get("algorithm").asText()).isEqualTo(held.getAlgorithm());
            assertThat(t.get("dimensions").asInt()).isEqualTo(128);
            assertThat(Instant.parse(t.get("createdAt").asText())).isEqualTo(held.getCreatedTime());
            assertThat(t.size()).as("only metadata: %s", t).isEqualTo(6);
        }
        assertThat(export.toString()).doesNotContainIgnoringCase("ciphertext").doesNotContainIgnoringCase("descriptor")
                .doesNotContain("associatedData");
        JsonNode sightings = export.get("sightings");
        assertThat(sightings.get("total").asLong()).isEqualTo(3);
        assertThat(sightings.get("sightings")).singleElement().satisfies(s -> {
            assertThat(s.get("faceId").asText()).isEqualTo("door-1/12/0");
            assertThat(Instant.parse(s.get("time").asText())).isEqualTo(seen);
        });
        assertThat(audit.events(auditFrom)).filteredOn(e -> e.getAction().equals(AuditActions.SUBJECT_EXPORT)).singleElement()
                .satisfies(e -> {
                    assertThat(e.getSubject()).isEqualTo("howard-x");
                    assertThat(e.getActor()).isEqualTo(admin.key().id());
                    assertThat(e.getOutcome()).isEqualTo(AuditOutcome.SUCCESS);
                    assertThat(e.getDetails()).containsEntry("templates", "2").containsEntry("sightings", "1");
                });

        // Only the admin exports; nothing is exported of an unknown or erased subject.
        assertThat(get("/api/v1/subjects/howard-x/export", analyst).statusCode()).isEqualTo(403);
        assertThat(send("GET", "/api/v1/subjects/howard-x/export", null, null, null).statusCode()).isEqualTo(401);
        HttpResponse<byte[]> unknown = get("/api/v1/subjects/nobody-x/export", admin);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(json(unknown).get("error").asText()).isEqualTo("subject_not_found");
        assertThat(get("/api/v1/subjects/bad%20id/export", admin).statusCode()).isEqualTo(400);
        assertThat(send("DELETE", "/api/v1/subjects/howard-x", admin, null, null).statusCode()).isEqualTo(200);
        assertThat(get("/api/v1/subjects/howard-x/export", admin).statusCode()).isEqualTo(404);
        assertThat(audit.events(auditFrom)).filteredOn(e -> e.getAction().equals(AuditActions.SUBJECT_EXPORT)).hasSize(1);
    }

    @Test
    void anExportIsCompleteOrNotGivenWhenTheJobsStateCannotBeRead() throws Exception {
        assertThat(post("/api/v1/subjects", admin, "application/json", subjectJson("ingrid-x")).statusCode()).isEqualTo(201);
        int auditFrom = audit.size();
        state.failWith(new StateUnavailableException(StateUnavailableException.Reason.UNREACHABLE,
                "the state store did not accept a connection"));
        HttpResponse<byte[]> refused;
        try {
            refused = get("/api/v1/subjects/ingrid-x/export", admin);
        } finally {
            state.failWith(null);
        }
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(json(refused).get("error").asText()).isEqualTo("state_unreachable");
        // No partial export: neither the record nor the consent left, and nothing was audited as exported.
        assertThat(new String(refused.body(), StandardCharsets.UTF_8)).doesNotContain("Subject ingrid-x")
                .doesNotContain("building access");
        assertThat(audit.events(auditFrom)).noneMatch(e -> e.getAction().equals(AuditActions.SUBJECT_EXPORT));

        HttpResponse<byte[]> given = get("/api/v1/subjects/ingrid-x/export", admin);
        assertThat(given.statusCode()).isEqualTo(200);
        assertThat(json(given).get("subject").get("displayName").asText()).isEqualTo("Subject ingrid-x");
    }

    private static Subject subject(String id, Consent consent) {
        return Subject.newBuilder().setSubjectId(id).setDisplayName("Subject " + id).setConsent(consent)
                .setCreatedTime(consent.getRecordedTime()).build();
    }

    /** Registers a subject as an older record (written in clear, before subjects were sealed): straight on the control log. */
    private static void register(Subject subject) {
        IdentityEvents.Keyed erased = new IdentityEvents(Clock.systemUTC()).subjectErased("test", subject.getSubjectId());
        IdentityEvents.Keyed upserted = new IdentityEvents.Keyed(subject.getSubjectId(), ControlEvent.newBuilder(erased.event())
                .setType(ControlType.SUBJECT_UPSERTED).setSubjectId(null).setSubject(subject).build());
        control.append(AuditEntry.of("test", AuditActions.SUBJECT_CREATE, subject.getSubjectId(), AuditOutcome.SUCCESS, null),
                List.of(upserted));
        assertThat(identity.commands().ledger().subject(subject.getSubjectId())).isPresent();
    }

    private static byte[] subjectJson(String id) {
        return ("{\"id\": \"" + id + "\", \"displayName\": \"Subject " + id + "\","
                + " \"consent\": {\"legalBasis\": \"explicit-consent\", \"purpose\": \"building access\","
                + " \"expiresAt\": \"2099-12-31T00:00:00Z\"}}").getBytes(StandardCharsets.UTF_8);
    }

    private static HttpResponse<byte[]> get(String path, IssuedKey key) throws Exception {
        return send("GET", path, key, null, null);
    }

    private static HttpResponse<byte[]> post(String path, IssuedKey key, String contentType, byte[] body) throws Exception {
        return send("POST", path, key, contentType, body);
    }

    private static HttpResponse<byte[]> put(String path, IssuedKey key, String body) throws Exception {
        return send("PUT", path, key, "application/json", body.getBytes(StandardCharsets.UTF_8));
    }

    private static HttpResponse<byte[]> send(String method, String path, IssuedKey key, String contentType, byte[] body)
            throws Exception {
        return ApiRequests.send(server.port(), method, path, key, contentType, body);
    }

    private static JsonNode json(HttpResponse<byte[]> response) throws IOException {
        return ApiRequests.json(response);
    }
}
