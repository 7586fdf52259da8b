package io.biostream.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.biostream.api.audit.InMemoryAuditTrail;
import io.biostream.api.auth.ApiKeyStore;
import io.biostream.api.auth.IssuedKey;
import io.biostream.api.auth.Permission;
import io.biostream.api.auth.RateLimit;
import io.biostream.api.auth.Role;
import io.biostream.operators.audit.AuditActions;
import io.biostream.operators.audit.AuditUnavailableException;
import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.operators.crypto.TestKeyRings;
import io.biostream.schemas.AuditEvent;
import io.biostream.schemas.AuditOutcome;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An admin issues, lists and revokes API keys over real HTTP; the file-backed store follows. */
class KeyRoutesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    static Path dir;

    private static Path storeFile;
    private static ApiKeyStore keys;
    private static IssuedKey admin;
    private static IssuedKey otherAdmin;
    private static IssuedKey analyst;
    private static InMemoryAuditTrail audit;
    private static ApiServer server;

    @BeforeAll
    static void start() throws Exception {
        storeFile = dir.resolve("var").resolve("api-keys.json");
        keys = ApiKeyStore.fileBacked(storeFile);
        admin = keys.generate("admin", Set.of(Role.ADMIN), Set.of());
        otherAdmin = keys.generate("second admin", Set.of(Role.ADMIN), Set.of());
        analyst = keys.generate("analyst", Set.of(Role.ANALYST), Set.of());
        audit = new InMemoryAuditTrail();
        server = ApiServer.start(ApiConfig.defaults().withPort(0).withRateLimit(RateLimit.unlimited()), keys,
                new InMemoryCameraState(), TestKeyRings.throwawayCipher(), audit.trail());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.stop();
        }
    }

    @Test
    void anIssuedKeyWorksAtOnceIsSavedHashedAndStopsWorkingWhenRevoked() throws Exception {
        int auditFrom = audit.size();
        HttpResponse<String> created = send("POST", "/api/v1/keys", admin.plaintext(),
                "{\"name\": \"night shift\", \"roles\": [\"analyst\"], \"permissions\": [\"descriptors\"]}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(created.headers().firstValue("Cache-Control")).hasValue("no-store");
        JsonNode body = JSON.readTree(created.body());
        String plaintext = body.get("key").asText();
        String id = body.get("id").asText();
        assertThat(plaintext).startsWith("bsk_" + id + "_");
        assertThat(body.get("name").asText()).isEqualTo("night shift");
        assertThat(body.get("roles")).extracting(JsonNode::asText).containsExactly("analyst");
        assertThat(body.get("permissions")).extracting(JsonNode::asText).containsExactly("descriptors");
        assertThat(send("GET", "/api/v1/cameras", plaintext, null).statusCode()).isEqualTo(200);

        // Saved at once, hashed, owner-only; a reload knows it.
        String stored = Files.readString(storeFile);
        assertThat(stored).contains(id).doesNotContain(plaintext.substring("bsk_".length() + 16 + 1));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(storeFile))).isEqualTo("rw-------");
        assertThat(ApiKeyStore.load(storeFile).authenticate(plaintext)).isPresent();
        try (var files = Files.list(storeFile.getParent())) {
            assertThat(files).as("no temporary file left behind").containsExactly(storeFile);
        }

        // Listed without secret or hash.
        HttpResponse<String> listed = send("GET", "/api/v1/keys", admin.plaintext(), null);
        assertThat(listed.statusCode()).isEqualTo(200);
        JsonNode list = JSON.readTree(listed.body()).get("keys");
        assertThat(list).extracting(k -> k.get("id").asText()).contains(admin.key().id(), id);
        assertThat(list).allSatisfy(k -> assertThat(k.fieldNames()).toIterable()
                .containsExactlyInAnyOrder("id", "name", "roles", "permissions", "created"));
        assertThat(listed.body()).doesNotContain(plaintext).doesNotContain("sha256").doesNotContain("salt");

        HttpResponse<String> revoked = send("DELETE", "/api/v1/keys/" + id, admin.plaintext(), null);
        assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(204);
        HttpResponse<String> refused = send("GET", "/api/v1/cameras", plaintext, null);
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(ApiKeyStore.load(storeFile).authenticate(plaintext)).as("revocation saved").isEmpty();
        assertThat(send("DELETE", "/api/v1/keys/" + id, admin.plaintext(), null).statusCode()).isEqualTo(404);

        List<AuditEvent> events = audit.events(auditFrom);
        AuditEvent create = events.stream().filter(e -> e.getAction().equals(AuditActions.API_KEY_CREATE)).findFirst().orElseThrow();
        assertThat(create.getActor()).isEqualTo(admin.key().id());
        assertThat(create.getOutcome()).isEqualTo(AuditOutcome.SUCCESS);
        assertThat(create.getDetails()).containsEntry("keyId", id).containsEntry("roles", "analyst")
                .containsEntry("permissions", "descriptors");
        AuditEvent revoke = events.stream().filter(e -> e.getAction().equals(AuditActions.API_KEY_REVOKE)).findFirst().orElseThrow();
        assertThat(revoke.getActor()).isEqualTo(admin.key().id());
        assertThat(revoke.getDetails()).containsEntry("keyId", id);
        assertThat(events).allSatisfy(e -> assertThat(e.toString()).doesNotContain(plaintext));
    }

    @Test
    void anAdminCannotRevokeTheKeyItIsUsingButAnotherAdminCan() throws Exception {
        IssuedKey spare = keys.generate("spare admin", Set.of(Role.ADMIN), Set.of());
        HttpResponse<String> own = send("DELETE", "/api/v1/keys/" + spare.key().id(), spare.plaintext(), null);
        assertThat(own.statusCode()).isEqualTo(409);
        assertThat(JSON.readTree(own.body()).get("error").asText()).isEqualTo("own_key");
        assertThat(keys.authenticate(spare.plaintext())).isPresent();
        assertThat(send("DELETE", "/api/v1/keys/" + spare.key().id(), otherAdmin.plaintext(), null).statusCode()).isEqualTo(204);
        assertThat(send("GET", "/api/v1/keys", spare.plaintext(), null).statusCode()).isEqualTo(401);
    }

    @Test
    void badRequestsAreRefusedWithTheFieldNamed() throws Exception {
        Map<String, String> cases = Map.of(
                "{\"roles\": [\"analyst\"]}", "name is required",
                "{\"name\": \"x\"}", "roles must name at least one role",
                "{\"name\": \"x\", \"roles\": []}", "roles must name at least one role",
                "{\"name\": \"x\", \"roles\": [\"root\"]}", "unknown name 'root'",
                "{\"name\": \"x\", \"roles\": \"admin\"}", "roles must be an array",
                "{\"name\": \"x\", \"roles\": [\"admin\"], \"permissions\": [\"everything\"]}", "unknown name 'everything'",
                "{\"name\": \"x\", \"roles\": [\"admin\"], \"scope\": \"all\"}", "unknown field 'scope'",
                "{\"name\": \"" + "n".repeat(101) + "\", \"roles\": [\"admin\"]}", "name must be 1 to 100",
                "[1, 2]", "must be a JSON object");
        int before = keys.keys().size();
        for (Map.Entry<String, String> c : cases.entrySet()) {
            HttpResponse<String> response = send("POST", "/api/v1/keys", admin.plaintext(), c.getKey());
            assertThat(response.statusCode()).as(c.getKey()).isEqualTo(400);
            assertThat(JSON.readTree(response.body()).get("message").asText()).as(c.getKey()).contains(c.getValue());
        }
        HttpResponse<String> badId = send("DELETE", "/api/v1/keys/not-a-key-id", admin.plaintext(), null);
        assertThat(badId.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(badId.body()).get("error").asText()).isEqualTo("invalid_key_id");
        assertThat(send("DELETE", "/api/v1/keys/0123456789abcdef", admin.plaintext(), null).statusCode()).isEqualTo(404);
        assertThat(keys.keys()).hasSize(before);
    }

    @Test
    void noKeyIsIssuedWhenTheAuditTrailCannotRecordIt() throws Exception {
        int before = keys.keys().size();
        audit.failWith(new AuditUnavailableException("audit topic down", null));
        try {
            HttpResponse<String> response = send("POST", "/api/v1/keys", admin.plaintext(),
                    "{\"name\": \"unaudited\", \"roles\": [\"admin\"]}");
            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(JSON.readTree(response.body()).get("error").asText()).isEqualTo("audit_unavailable");
            assertThat(response.body()).doesNotContain("bsk_");
        } finally {
            audit.failWith(null);
        }
        assertThat(keys.keys()).hasSize(before);
        assertThat(ApiKeyStore.load(storeFile).keys()).hasSize(before);
        assertThat(keys.keys()).noneMatch(k -> k.name().equals("unaudited"));
    }

    @Test
    void aRevocationStandsWhenItsAuditEventCannotBeWritten() throws Exception {
        // Failing closed: a key an admin wants gone must not come back because the trail is down.
        IssuedKey leaked = keys.generate("leaked", Set.of(Role.ANALYST), Set.of());
        assertThat(send("GET", "/api/v1/cameras", leaked.plaintext(), null).statusCode()).isEqualTo(200);
        int auditFrom = audit.size();
        audit.failWith(new AuditUnavailableException("audit topic down", null));
        HttpResponse<String> response;
        try {
            response = send("DELETE", "/api/v1/keys/" + leaked.key().id(), admin.plaintext(), null);
        } finally {
            audit.failWith(null);
        }
        assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
        assertThat(JSON.readTree(response.body()).get("error").asText()).isEqualTo("audit_unavailable");
        assertThat(keys.find(leaked.key().id())).isEmpty();
        assertThat(ApiKeyStore.load(storeFile).authenticate(leaked.plaintext())).as("revocation saved").isEmpty();
        assertThat(send("GET", "/api/v1/cameras", leaked.plaintext(), null).statusCode()).isEqualTo(401);
        assertThat(audit.events(auditFrom)).noneMatch(e -> e.getAction().equals(AuditActions.API_KEY_REVOKE));
    }

    @Test
    void aChangeTheKeyStoreCannotSaveIsUndoneAndAnswered503() throws Exception {
        Path file = dir.resolve("unsaved").resolve("api-keys.json");
        ApiKeyStore store = ApiKeyStore.fileBacked(file);
        IssuedKey registrar = store.generate("registrar", Set.of(Role.ADMIN), Set.of());
        IssuedKey victim = store.generate("victim", Set.of(Role.ANALYST), Set.of());
        InMemoryAuditTrail trail = new InMemoryAuditTrail();
        try (ApiServer unsaved = ApiServer.start(ApiConfig.defaults().withPort(0).withRateLimit(RateLimit.unlimited()),
                store, new InMemoryCameraState(), TestKeyRings.throwawayCipher(), trail.trail())) {
            // A non-empty directory where the file goes: the atomic move fails, also for root.
            Files.delete(file);
            Files.createDirectories(file.resolve("blocker"));

            HttpResponse<String> issue = send(unsaved, "POST", "/api/v1/keys", registrar.plaintext(),
                    "{\"name\": \"unsaved\", \"roles\": [\"admin\"]}");
            assertThat(issue.statusCode()).as(issue.body()).isEqualTo(503);
            assertThat(JSON.readTree(issue.body()).get("error").asText()).isEqualTo("key_store_unavailable");
            assertThat(issue.body()).doesNotContain("bsk_");
            assertThat(store.keys()).extracting(k -> k.id()).containsExactlyInAnyOrder(registrar.key().id(), victim.key().id());

            HttpResponse<String> revoke = send(unsaved, "DELETE", "/api/v1/keys/" + victim.key().id(), registrar.plaintext(), null);
            assertThat(revoke.statusCode()).as(revoke.body()).isEqualTo(503);
            assertThat(JSON.readTree(revoke.body()).get("error").asText()).isEqualTo("key_store_unavailable");
            // Undone: the caller was told nothing changed, and a restart would read the old file.
            assertThat(send(unsaved, "GET", "/api/v1/cameras", victim.plaintext(), null).statusCode()).isEqualTo(200);
            assertThat(trail.events(0)).noneMatch(e -> e.getAction().equals(AuditActions.API_KEY_CREATE)
                    || e.getAction().equals(AuditActions.API_KEY_REVOKE));

            // Once the file can be written again the same revocation goes through and is saved.
            Files.delete(file.resolve("blocker"));
            Files.delete(file);
            assertThat(send(unsaved, "DELETE", "/api/v1/keys/" + victim.key().id(), registrar.plaintext(), null)
                    .statusCode()).isEqualTo(204);
            assertThat(ApiKeyStore.load(file).keys()).extracting(k -> k.id()).containsExactly(registrar.key().id());
        }
    }

    @Test
    void onlyAdminsManageKeys() throws Exception {
        assertThat(send("GET", "/api/v1/keys", analyst.plaintext(), null).statusCode()).isEqualTo(403);
        assertThat(send("POST", "/api/v1/keys", analyst.plaintext(), "{\"name\": \"x\", \"roles\": [\"admin\"]}")
                .statusCode()).isEqualTo(403);
    }

    @Test
    void aKeyOverItsRateLimitGets429WithRetryAfterAndTheRefusalIsAudited() throws Exception {
        ApiKeyStore limitedKeys = new ApiKeyStore();
        IssuedKey busy = limitedKeys.generate("busy", Set.of(Role.ANALYST), Set.of());
        IssuedKey calm = limitedKeys.generate("calm", Set.of(Role.ANALYST), Set.of());
        InMemoryAuditTrail limitedAudit = new InMemoryAuditTrail();
        // One request per 100 s after a burst of 3: the fourth request in a row is refused.
        try (ApiServer limited = ApiServer.start(ApiConfig.defaults().withPort(0).withRateLimit(new RateLimit(0.01, 3)),
                limitedKeys, new InMemoryCameraState(), TestKeyRings.throwawayCipher(), limitedAudit.trail())) {
            for (int i = 0; i < 3; i++) {
                assertThat(send(limited, "GET", "/api/v1/cameras", busy.plaintext(), null).statusCode()).isEqualTo(200);
            }
            HttpResponse<String> refused = send(limited, "GET", "/api/v1/cameras", busy.plaintext(), null);
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(JSON.readTree(refused.body()).get("error").asText()).isEqualTo("rate_limited");
            assertThat(Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 100L);
            assertThat(send(limited, "GET", "/api/v1/cameras", calm.plaintext(), null).statusCode())
                    .as("another key is not held back").isEqualTo(200);
            assertThat(send(limited, "GET", "/health", null, null).statusCode()).isEqualTo(200);
            assertThat(limitedAudit.events(0)).as("counted, not recorded one by one")
                    .noneMatch(e -> e.getAction().equals(AuditActions.REQUEST_DENIED));
        }
        // Stopping the server records what was counted: one event with the caller's key id, never the key.
        AuditEvent denied = limitedAudit.events(0).stream()
                .filter(e -> e.getAction().equals(AuditActions.REQUEST_DENIED)).findFirst().orElseThrow();
        assertThat(denied.getOutcome()).isEqualTo(AuditOutcome.DENIED);
        assertThat(denied.getDetails()).containsEntry("refused", "1").containsEntry("r01", "count=1 status=429 "
                + "error=rate_limited caller=" + busy.key().id() + " method=GET path=/api/v1/cameras");
        assertThat(denied.getDetails().values()).noneMatch(v -> v.contains(busy.plaintext()));
    }

    @Test
    void aBodyOverTheLimitIs413BeforeAnyKeyIsIssued() throws Exception {
        String huge = "{\"name\": \"" + "x".repeat((int) ApiConfig.defaults().maxRequestBodyBytes()) + "\", \"roles\": [\"admin\"]}";
        int before = keys.keys().size();
        HttpResponse<String> response = send("POST", "/api/v1/keys", admin.plaintext(), huge);
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(JSON.readTree(response.body()).get("error").asText()).isEqualTo("body_too_large");
        assertThat(keys.keys()).hasSize(before);
    }

    private static HttpResponse<String> send(String method, String path, String key, String json) throws Exception {
        return send(server, method, path, key, json);
    }

    static HttpResponse<String> send(ApiServer to, String method, String path, String key, String json) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + to.port() + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return ApiRequests.send(HTTP, request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
