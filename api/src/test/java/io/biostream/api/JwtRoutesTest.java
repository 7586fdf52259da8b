package io.biostream.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.api.audit.InMemoryAuditTrail;
import io.biostream.api.auth.ApiKeyStore;
import io.biostream.api.auth.IssuedKey;
import io.biostream.api.auth.Role;
import io.biostream.api.auth.TestTokenIssuer;
import io.biostream.operators.audit.AuditActions;
import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.operators.crypto.TestKeyRings;
import io.biostream.schemas.AuditEvent;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bearer JWTs beside API keys, over real HTTP; the caller is audited as jwt:&lt;sub&gt;. */
class JwtRoutesTest {
    @TempDir
    static Path dir;

    private static TestTokenIssuer issuer;
    private static InMemoryAuditTrail audit;
    private static IssuedKey analystKey;
    private static ApiServer server;

    @BeforeAll
    static void start() throws Exception {
        issuer = new TestTokenIssuer();
        ApiKeyStore keys = new ApiKeyStore();
        analystKey = keys.generate("analyst", Set.of(Role.ANALYST), Set.of());
        audit = new InMemoryAuditTrail();
        server = ApiServer.start(ApiConfig.defaults().withPort(0).withJwt(issuer.writeJwks(dir.resolve("jwks.json"))),
                keys, new InMemoryCameraState(), TestKeyRings.throwawayCipher(), audit.trail());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.stop();
        }
    }

    @Test
    void aValidTokenIsAcceptedBesideApiKeys() throws Exception {
        assertThat(get("/api/v1/cameras", issuer.token("alice", "analyst")).statusCode()).isEqualTo(200);
        assertThat(get("/api/v1/audit/verify", issuer.token("carol", "auditor")).statusCode()).isEqualTo(200);
        assertThat(get("/api/v1/cameras", analystKey.plaintext()).statusCode()).isEqualTo(200);
    }

    @Test
    void aTokenWithoutTheRouteRoleIsForbiddenAndAuditedAsItsSubject() throws Exception {
        int from = audit.size();
        HttpResponse<String> response = get("/api/v1/audit", issuer.token("bob", "analyst"));
        assertThat(response.statusCode()).isEqualTo(403);
        AuditEvent denied = audit.events(from).stream()
                .filter(e -> e.getAction().equals(AuditActions.REQUEST_DENIED)).findFirst().orElseThrow();
        assertThat(denied.getActor()).isEqualTo("jwt:bob");
    }

    @Test
    void badTokensAre401() throws Exception {
        Instant past = Instant.now().minus(Duration.ofHours(1)).truncatedTo(ChronoUnit.SECONDS);
        for (String token : new String[] {
                issuer.sign(issuer.claims("alice", "analyst").setIssuedAt(past).setExpiration(past.plusSeconds(60))),
                issuer.sign(issuer.claims("alice", "analyst").setIssuer("https://elsewhere")),
                issuer.sign(issuer.claimsFor("elsewhere", "alice", "analyst")),
                new TestTokenIssuer().token("alice", "analyst"),
                issuer.token("alice", "root")}) {
            HttpResponse<String> response = get("/api/v1/cameras", token);
            assertThat(response.statusCode()).isEqualTo(401);
            assertThat(response.headers().firstValue("WWW-Authenticate").orElseThrow()).contains("invalid_token");
        }
    }

    @Test
    void withoutAJwkSetTokensAreNotAccepted() throws Exception {
        ApiKeyStore keys = new ApiKeyStore();
        try (ApiServer keysOnly = ApiServer.start(ApiConfig.defaults().withPort(0), keys, new InMemoryCameraState(),
                TestKeyRings.throwawayCipher(), new InMemoryAuditTrail().trail())) {
            assertThat(KeyRoutesTest.send(keysOnly, "GET", "/api/v1/cameras", issuer.token("alice", "analyst"), null)
                    .statusCode()).isEqualTo(401);
        }
    }

    private static HttpResponse<String> get(String path, String bearer) throws Exception {
        return KeyRoutesTest.send(server, "GET", path, bearer, null);
    }
}
