package io.biostream.api.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biostream.operators.audit.AuditActions;
import io.biostream.operators.audit.AuditEntry;
import io.biostream.schemas.AuditOutcome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bearer JWTs verified with Tink against a JWK set written by a real ES256 issuer. */
class JwtVerifierTest {
    @TempDir
    static Path dir;

    private static TestTokenIssuer issuer;
    private static JwtVerifier verifier;

    @BeforeAll
    static void setUp() throws Exception {
        issuer = new TestTokenIssuer();
        verifier = JwtVerifier.open(issuer.writeJwks(dir.resolve("jwks.json")), Clock.systemUTC());
    }

    @Test
    void aValidTokenNamesTheSubjectAndItsRoles() throws Exception {
        ApiKey caller = verifier.verify(issuer.sign(issuer.claims("alice", "analyst", "auditor")
                .addJsonArrayClaim("permissions", "[\"descriptors\"]"))).orElseThrow();
        assertThat(caller.id()).isEqualTo("jwt:alice");
        assertThat(caller.roles()).containsExactlyInAnyOrder(Role.ANALYST, Role.AUDITOR);
        assertThat(caller.permissions()).containsExactly(Permission.DESCRIPTORS);
    }

    @Test
    void expiredWrongIssuerWrongAudienceAndMissingExpiryAreRefused() throws Exception {
        Instant past = Instant.now().minus(Duration.ofHours(2)).truncatedTo(ChronoUnit.SECONDS);
        assertThat(verifier.verify(issuer.sign(issuer.claims("alice", "analyst")
                .setIssuedAt(past).setExpiration(past.plus(Duration.ofMinutes(5)))))).as("expired").isEmpty();
        assertThat(verifier.verify(issuer.sign(issuer.claims("alice", "analyst").setIssuer("https://elsewhere"))))
                .as("wrong issuer").isEmpty();
        assertThat(verifier.verify(issuer.sign(issuer.claimsFor("another-service", "alice", "analyst"))))
                .as("wrong audience").isEmpty();
        assertThat(verifier.verify(issuer.sign(com.google.crypto.tink.jwt.RawJwt.newBuilder().setIssuer(TestTokenIssuer.ISSUER)
                .setAudience(TestTokenIssuer.AUDIENCE).setSubject("alice").addJsonArrayClaim("roles", "[\"analyst\"]")
                .withoutExpiration())))
                .as("no expiry").isEmpty();
    }

    @Test
    void aTokenSignedByAnotherKeyOrAlteredIsRefused() throws Exception {
        assertThat(verifier.verify(new TestTokenIssuer().token("alice", "admin"))).as("other signer").isEmpty();
        String token = issuer.token("alice", "analyst");
        String[] parts = token.split("\\.");
        String[] adminParts = issuer.token("alice", "admin").split("\\.");
        assertThat(verifier.verify(parts[0] + "." + adminParts[1] + "." + parts[2])).as("payload swapped").isEmpty();
        assertThat(verifier.verify(token.substring(0, token.length() - 2))).as("cut signature").isEmpty();
        assertThat(verifier.verify("not.a.jwt")).isEmpty();
    }

    /**
     * The caller id jwt:&lt;sub&gt; is the actor of every change it makes: a sub of 125-128 characters
     * used to pass here and then overflow the audit trail's 128-character actor, after the change.
     */
    @Test
    void aSubjectWhoseCallerIdWouldNotFitTheAuditActorIsRefused() throws Exception {
        String longest = "s".repeat(JwtVerifier.MAX_SUBJECT);
        ApiKey caller = verifier.verify(issuer.token(longest, "admin")).orElseThrow();
        assertThat(caller.id()).hasSize(AuditEntry.MAX_ACTOR);
        assertThat(AuditEntry.of(caller.id(), AuditActions.SUBJECT_ERASE, "s1", AuditOutcome.SUCCESS, null).actor())
                .isEqualTo(caller.id());
        for (int length = JwtVerifier.MAX_SUBJECT + 1; length <= 128; length++) {
            assertThat(verifier.verify(issuer.token("s".repeat(length), "admin"))).as("sub of %d characters", length).isEmpty();
        }
    }

    @Test
    void unknownRolesNoRolesOrNoSubjectAreRefused() throws Exception {
        assertThat(verifier.verify(issuer.token("alice", "analyst", "superuser"))).as("unknown role").isEmpty();
        assertThat(verifier.verify(issuer.token("alice"))).as("no roles").isEmpty();
        assertThat(verifier.verify(issuer.sign(issuer.claims("alice").addStringClaim("roles", "admin"))))
                .as("roles not an array").isEmpty();
        assertThat(verifier.verify(issuer.token(null, "admin"))).as("no subject").isEmpty();
        assertThat(verifier.verify(issuer.sign(issuer.claims("alice", "analyst")
                .addJsonArrayClaim("permissions", "[\"everything\"]")))).as("unknown permission").isEmpty();
    }

    @Test
    void settingsAndFilesAreChecked() throws Exception {
        assertThatThrownBy(() -> new JwtConfig(dir.resolve("jwks.json"), null, "aud")).hasMessageContaining(JwtConfig.ISSUER);
        assertThatThrownBy(() -> new JwtConfig(null, "iss", null)).hasMessageContaining(JwtConfig.JWKS_FILE);
        assertThatThrownBy(() -> JwtVerifier.open(new JwtConfig(dir.resolve("missing.json"), "i", "a"), Clock.systemUTC()))
                .isInstanceOf(IOException.class).hasMessageContaining("not found");
        Path garbage = Files.writeString(dir.resolve("garbage.json"), "{\"keys\": 3}");
        assertThatThrownBy(() -> JwtVerifier.open(new JwtConfig(garbage, "i", "a"), Clock.systemUTC()))
                .isInstanceOf(IOException.class).hasMessageContaining("not usable");
    }
}
