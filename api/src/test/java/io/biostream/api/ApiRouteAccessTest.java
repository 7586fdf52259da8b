package io.biostream.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.biostream.api.audit.InMemoryAuditTrail;
import io.biostream.api.auth.Access;
import io.biostream.api.auth.ApiKeyStore;
import io.biostream.api.auth.IssuedKey;
import io.biostream.api.auth.Permission;
import io.biostream.api.auth.RateLimit;
import io.biostream.api.auth.Role;
import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.operators.crypto.TestKeyRings;
import io.javalin.http.HandlerType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every route of the route table against every kind of caller, over real HTTP: no key, a key
 * that is not valid, and one key per role. A caller the route does not allow gets 401 or 403 with
 * the JSON error body; a caller it allows gets past access control (whatever the handler then
 * answers, it is not 401 or 403). Routes are read from the running server's table, so a route
 * added later is checked without touching this test, and the table is compared with what Javalin
 * actually registered, so a route cannot bypass the table.
 */
class ApiRouteAccessTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static final Map<Role, IssuedKey> KEYS = new EnumMap<>(Role.class);
    private static String invalidKey;
    private static ApiServer server;

    @BeforeAll
    static void start() throws Exception {
        ApiKeyStore keys = new ApiKeyStore();
        for (Role role : Role.values()) {
            // Every permission too: a refusal seen here is the role's, not a missing permission's.
            KEYS.put(role, keys.generate(role.wireName() + " only", Set.of(role), Set.of(Permission.values())));
        }
        invalidKey = new ApiKeyStore().generate("another store", Set.of(Role.values()), Set.of()).plaintext();
        // Without the identity services their routes answer 503, which is past access control.
        server = ApiServer.start(ApiConfig.defaults().withPort(0).withRateLimit(RateLimit.unlimited()), keys,
                new InMemoryCameraState(), TestKeyRings.throwawayCipher(), new InMemoryAuditTrail().trail());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.stop();
        }
    }

    @Test
    void theTableIsEveryEndpointJavalinServes() {
        List<String> table = server.routes().stream().map(Route::name).toList();
        assertThat(server.registeredEndpoints()).containsExactlyInAnyOrderElementsOf(table);
        assertThat(server.registeredWebSockets()).as("WebSocket routes need a row in the route table").isEmpty();
        assertThat(table).as("the table knows the key routes").contains(
                "POST /api/v1/keys", "GET /api/v1/keys", "DELETE /api/v1/keys/{id}");
        assertThat(server.routes()).filteredOn(Route::isPublic).extracting(Route::name).containsExactly("GET /health");
    }

    @Test
    void aRouteWithoutRolesCannotBeDeclared() {
        assertThatThrownBy(() -> new RouteTable().get("/api/v1/x", ctx -> { }))
                .hasMessageContaining("needs a role or Access.PUBLIC");
        assertThatThrownBy(() -> new RouteTable().get("/api/v1/x", ctx -> { }, Access.PUBLIC, Role.ADMIN))
                .hasMessageContaining("public or role-bound");
        RouteTable twice = new RouteTable().get("/api/v1/x", ctx -> { }, Role.ADMIN);
        assertThatThrownBy(() -> twice.get("/api/v1/x", ctx -> { }, Role.ANALYST)).hasMessageContaining("twice");
    }

    @TestFactory
    Stream<DynamicTest> everyRouteAgainstEveryCaller() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Route route : server.routes()) {
            tests.add(DynamicTest.dynamicTest(route.name() + " without a key",
                    () -> expect(route, null, route.isPublic())));
            tests.add(DynamicTest.dynamicTest(route.name() + " with an invalid key",
                    () -> expect(route, invalidKey, route.isPublic())));
            for (Role role : Role.values()) {
                tests.add(DynamicTest.dynamicTest(route.name() + " as " + role.wireName(),
                        () -> expect(route, KEYS.get(role).plaintext(), route.isPublic() || route.allows(role))));
            }
        }
        assertThat(tests).hasSize(server.routes().size() * (2 + Role.values().length));
        return tests.stream();
    }

    private static void expect(Route route, String key, boolean allowed) throws Exception {
        HttpResponse<String> response = send(route, key);
        String seen = response.statusCode() + " " + response.body();
        if (allowed) {
            assertThat(response.statusCode()).as(seen).isNotIn(401, 403);
            return;
        }
        boolean authenticated = key != null && !key.equals(invalidKey);
        assertThat(response.statusCode()).as(seen).isEqualTo(authenticated ? 403 : 401);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/json"));
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.get("error").asText()).isEqualTo(authenticated ? "forbidden" : "unauthorized");
        assertThat(body.get("message").asText()).isNotBlank();
    }

    /** The route's method on its path with each {param} filled in, and an empty JSON object as body. */
    private static HttpResponse<String> send(Route route, String key) throws Exception {
        String path = route.path().replaceAll("\\{[^}]+}", "p1");
        HttpRequest.BodyPublisher body = route.method() == HandlerType.POST || route.method() == HandlerType.PUT
                ? HttpRequest.BodyPublishers.ofString("{}") : HttpRequest.BodyPublishers.noBody();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .method(route.method().name(), body);
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
