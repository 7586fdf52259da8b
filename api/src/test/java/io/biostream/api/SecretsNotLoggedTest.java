package io.biostream.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.biostream.api.audit.InMemoryAuditTrail;
import io.biostream.api.auth.ApiKeyStore;
import io.biostream.api.auth.IssuedKey;
import io.biostream.api.auth.Permission;
import io.biostream.api.auth.Role;
import io.biostream.api.auth.TestTokenIssuer;
import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.operators.crypto.TestKeyRings;
import io.biostream.operators.testing.LiveSocket;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Captures every log line the API writes (biostream's own loggers at DEBUG) while valid and
 * invalid keys and JWTs are used, a key is issued and revoked, and descriptors are read; then
 * checks that no key, no secret part of one, no token and no descriptor value is in any line.
 */
class SecretsNotLoggedTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void noKeyTokenOrDescriptorReachesTheLog() throws Exception {
        TestTokenIssuer issuer = new TestTokenIssuer();
        TemplateCipher cipher = TestKeyRings.throwawayCipher();
        ApiKeyStore keys = new ApiKeyStore();
        IssuedKey admin = keys.generate("admin", Set.of(Role.ADMIN), Set.of());
        IssuedKey investigator = keys.generate("investigator", Set.of(Role.ANALYST), Set.of(Permission.DESCRIPTORS));
        float[] face = Results.descriptor(7);
        InMemoryCameraState state = new InMemoryCameraState();
        state.put(Results.latest(cipher, "lobby-1", 3, face));
        List<String> secrets = new ArrayList<>();

        StringWriter log = new StringWriter();
        WriterAppender capture = capture(log);
        try (ApiServer server = ApiServer.start(ApiConfig.defaults().withPort(0).withJwt(issuer.writeJwks(dir.resolve("jwks.json"))),
                keys, state, cipher, new InMemoryAuditTrail().trail())) {
            secrets.add(admin.plaintext());
            secrets.add(investigator.plaintext());
            String wrongSecret = investigator.plaintext().substring(0, investigator.plaintext().length() - 1)
                    + (investigator.plaintext().endsWith("A") ? "B" : "A");
            secrets.add(wrongSecret);
            String goodJwt = issuer.token("alice", "analyst");
            Instant past = Instant.now().minusSeconds(7200).truncatedTo(ChronoUnit.SECONDS);
            String expiredJwt = issuer.sign(issuer.claims("alice", "analyst").setIssuedAt(past).setExpiration(past.plusSeconds(60)));
            String foreignJwt = new TestTokenIssuer().token("mallory", "admin");
            secrets.add(goodJwt);
            secrets.add(expiredJwt);
            secrets.add(foreignJwt);

            assertThat(send(server, "GET", "/api/v1/cameras/lobby-1/latest", investigator.plaintext()).statusCode()).isEqualTo(200);
            assertThat(send(server, "GET", "/api/v1/cameras", wrongSecret).statusCode()).isEqualTo(401);
            assertThat(send(server, "GET", "/api/v1/audit", investigator.plaintext()).statusCode()).isEqualTo(403);
            assertThat(send(server, "GET", "/api/v1/cameras", goodJwt).statusCode()).isEqualTo(200);
            assertThat(send(server, "GET", "/api/v1/cameras", expiredJwt).statusCode()).isEqualTo(401);
            assertThat(send(server, "GET", "/api/v1/cameras", foreignJwt).statusCode()).isEqualTo(401);
            HttpResponse<String> created = KeyRoutesTest.send(server, "POST", "/api/v1/keys", admin.plaintext(),
                    "{\"name\": \"temp\", \"roles\": [\"camera\"]}");
            assertThat(created.statusCode()).isEqualTo(201);
            String issued = JSON.readTree(created.body()).get("key").asText();
            secrets.add(issued);
            String issuedId = JSON.readTree(created.body()).get("id").asText();
            assertThat(send(server, "DELETE", "/api/v1/keys/" + issuedId, admin.plaintext()).statusCode()).isEqualTo(204);
            assertThat(send(server, "GET", "/api/v1/cameras", issued).statusCode()).isEqualTo(401);
            assertThat(send(server, "GET", "/api/v1/cameras?key=" + issued, null).statusCode()).isEqualTo(401);

            // Live tickets travel in the WebSocket's query: neither a used one nor a refused one is logged.
            String ticket = LiveEndpointTest.ticket(server, investigator);
            secrets.add(ticket);
            try (LiveSocket live = LiveSocket.open(server.port(), ticket)) {
                live.subscribe("results");
            }
            String wrongTicket = ticket.substring(0, ticket.length() - 1) + (ticket.endsWith("A") ? "B" : "A");
            secrets.add(wrongTicket);
            try (LiveSocket refused = LiveSocket.open(server.port(), wrongTicket)) {
                assertThat(refused.closeCode(java.time.Duration.ofSeconds(20))).contains(LiveHub.CLOSE_TICKET);
            }
        } finally {
            release(capture);
        }

        String text = log.toString();
        assertThat(text).as("the capture saw the access log").contains("GET /api/v1/cameras 200")
                .contains("key=" + investigator.key().id()).contains("issued by key " + admin.key().id());
        List<String> fragments = new ArrayList<>();
        for (String secret : secrets) {
            fragments.add(secret);
            if (secret.startsWith("bsk_")) {
                // the secret part after "bsk_<16-hex id>_" (the id may be logged; the secret may itself hold '_')
                fragments.add(secret.substring("bsk_".length() + 16 + 1));
            } else if (secret.split("\\.").length == 3) {
                fragments.addAll(List.of(secret.split("\\.")).subList(1, 3)); // a JWT's payload and signature
            }
        }
        for (String line : text.split("\n")) {
            for (String fragment : fragments) {
                assertThat(line).as("a log line holds a secret").doesNotContain(fragment);
            }
            assertThat(line).doesNotContain(Float.toString(face[0])).doesNotContain(Float.toString(face[1]));
        }
        assertThat(text).doesNotContain(Base64.getEncoder().encodeToString(
                String.valueOf(face[0]).getBytes(StandardCharsets.UTF_8)));
    }

    private static HttpResponse<String> send(ApiServer server, String method, String path, String bearer) throws Exception {
        return KeyRoutesTest.send(server, method, path, bearer, null);
    }

    /** An appender on the root logger taking every event; biostream's loggers at DEBUG meanwhile. */
    private static WriterAppender capture(StringWriter out) {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Configuration config = context.getConfiguration();
        WriterAppender appender = WriterAppender.newBuilder()
                .setName("secrets-capture")
                .setTarget(out)
                .setLayout(PatternLayout.newBuilder().withPattern("%p %c %m %ex%n").build())
                .build();
        appender.start();
        config.addAppender(appender);
        config.getRootLogger().addAppender(appender, Level.ALL, null);
        Configurator.setLevel("io.biostream", Level.DEBUG);
        context.updateLoggers();
        return appender;
    }

    private static void release(WriterAppender appender) {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Configurator.setLevel("io.biostream", Level.INFO);
        context.getConfiguration().getRootLogger().removeAppender(appender.getName());
        appender.stop();
        context.updateLoggers();
    }
}
