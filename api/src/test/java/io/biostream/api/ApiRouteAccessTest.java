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
import io.biostream.operators.crypto.TestKeyRings;
import io.javalin.http.HandlerType;
import io.javalin.security.RouteRole;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Access to every route, with the expected answers taken from the documentation, not from the
 * code: the route table of docs/architecture.md ("| route | access |") and the roles table of
 * docs/security.md ("| route | camera | analyst | admin | auditor | monitor | no key |") must both name
 * exactly the server's routes with the same callers, and every documented route is sent every
 * kind of caller over real HTTP: no key, a key that is not valid, and one key per role. A caller
 * the documentation does not allow gets 401 or 403 with the JSON error body; a caller it allows
 * gets past access control (whatever the handler then answers, it is not 401 or 403). The route
 * table is also compared with what Javalin actually registered, so a route cannot bypass it.
 */
class ApiRouteAccessTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String PUBLIC = "public";

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
        List<String> http = server.routes().stream().filter(r -> !r.isWebSocket()).map(Route::name).toList();
        List<String> webSockets = server.routes().stream().filter(Route::isWebSocket).map(Route::name).toList();
        assertThat(server.registeredEndpoints()).containsExactlyInAnyOrderElementsOf(http);
        assertThat(server.registeredWebSockets()).as("WebSocket routes need a row in the route table")
                .containsExactlyInAnyOrderElementsOf(webSockets);
    }

    @Test
    void theArchitectureTableDocumentsEveryRouteWithItsRoles() throws IOException {
        assertThat(codeTable()).as("ApiServer.routes (left) against docs/architecture.md's route table (right)")
                .isEqualTo(architectureTable());
    }

    @Test
    void theSecurityTableDocumentsEveryRouteWithItsRoles() throws IOException {
        assertThat(codeTable()).as("ApiServer.routes (left) against docs/security.md's roles table (right)")
                .isEqualTo(securityTable());
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

    /** Each documented route, each caller, the documented answer. */
    @TestFactory
    Stream<DynamicTest> everyDocumentedRouteAgainstEveryCaller() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        for (Map.Entry<String, Set<String>> row : architectureTable().entrySet()) {
            String route = row.getKey();
            Set<String> callers = row.getValue();
            boolean isPublic = callers.contains(PUBLIC);
            tests.add(DynamicTest.dynamicTest(route + " without a key", () -> expect(route, null, isPublic)));
            tests.add(DynamicTest.dynamicTest(route + " with an invalid key", () -> expect(route, invalidKey, isPublic)));
            for (Role role : Role.values()) {
                tests.add(DynamicTest.dynamicTest(route + " as " + role.wireName(),
                        () -> expect(route, KEYS.get(role).plaintext(), isPublic || callers.contains(role.wireName()))));
            }
        }
        return tests.stream();
    }

    /** The server's routes: "METHOD /path" -> {"public"} or the wire names of its roles. */
    private static Map<String, Set<String>> codeTable() {
        Map<String, Set<String>> table = new TreeMap<>();
        for (Route route : server.routes()) {
            Set<String> callers = new TreeSet<>();
            for (RouteRole marker : route.access()) {
                callers.add(marker == Access.PUBLIC ? PUBLIC : ((Role) marker).wireName());
            }
            table.put(route.name(), callers);
        }
        return table;
    }

    /**
     * docs/architecture.md's route table. A row reads {@code | `METHOD /path?query` | public; ... |},
     * {@code | ... | role `x`; ... |} or {@code | ... | roles `x`, `y`; ... |}; a row in another
     * shape fails the test rather than being skipped.
     */
    static Map<String, Set<String>> architectureTable() throws IOException {
        Pattern row = Pattern.compile("^\\|\\s*`([A-Z]+) (/[^`?\\s]*)(\\?[^`]*)?`\\s*\\|\\s*([^;|]+?)\\s*[;|].*$");
        Pattern access = Pattern.compile("public|role `([a-z]+)`|roles `[a-z]+`(, `[a-z]+`)+");
        Map<String, Set<String>> table = new TreeMap<>();
        for (String line : tableRows(doc("docs/architecture.md"), "| route | access |")) {
            Matcher m = row.matcher(line);
            assertThat(m.matches()).as("docs/architecture.md route row in an unknown shape: %s", line).isTrue();
            String accessText = m.group(4);
            assertThat(accessText).as("access of %s", line).matches(access);
            Set<String> callers = new TreeSet<>();
            if (accessText.equals(PUBLIC)) {
                callers.add(PUBLIC);
            } else {
                Matcher roles = Pattern.compile("`([a-z]+)`").matcher(accessText);
                while (roles.find()) {
                    callers.add(Role.parse(roles.group(1)).wireName());
                }
            }
            String name = m.group(1) + " " + m.group(2);
            assertThat(table.put(name, callers)).as("%s documented twice", name).isNull();
        }
        return table;
    }

    /**
     * docs/security.md's roles table: one or more {@code `METHOD /path`} per row, then "yes" or
     * nothing per column. A public route is one every column allows, "no key" included.
     */
    static Map<String, Set<String>> securityTable() throws IOException {
        String header = "| route | camera | analyst | admin | auditor | monitor | no key |";
        List<String> columns = List.of("camera", "analyst", "admin", "auditor", "monitor", "no key");
        Pattern route = Pattern.compile("`([A-Z]+) (/[^`\\s]*)`");
        Map<String, Set<String>> table = new TreeMap<>();
        for (String line : tableRows(doc("docs/security.md"), header)) {
            String[] cells = line.split("\\|", -1);
            assertThat(cells).as("docs/security.md roles row with %d columns: %s", columns.size() + 1, line)
                    .hasSize(columns.size() + 3);
            Set<String> allowed = new TreeSet<>();
            for (int i = 0; i < columns.size(); i++) {
                String cell = cells[i + 2].trim();
                assertThat(cell).as("a cell of %s", line).isIn("yes", "");
                if (cell.equals("yes")) {
                    allowed.add(columns.get(i));
                }
            }
            Set<String> callers = new TreeSet<>();
            if (allowed.contains("no key")) {
                assertThat(allowed).as("a route open without a key is open to every role: %s", line).hasSize(columns.size());
                callers.add(PUBLIC);
            } else {
                callers.addAll(allowed);
            }
            Matcher m = route.matcher(cells[1]);
            int routes = 0;
            while (m.find()) {
                String name = m.group(1) + " " + m.group(2);
                assertThat(table.put(name, callers)).as("%s documented twice", name).isNull();
                routes++;
            }
            assertThat(routes).as("routes named in %s", line).isPositive();
        }
        return table;
    }

    /** The rows of the Markdown table whose header line is {@code header}, without the separator line. */
    private static List<String> tableRows(List<String> lines, String header) {
        int start = lines.indexOf(header);
        assertThat(start).as("table header '%s'", header).isNotNegative();
        assertThat(lines.get(start + 1)).as("separator under '%s'", header).startsWith("| ---");
        List<String> rows = new ArrayList<>();
        for (int i = start + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
            rows.add(lines.get(i));
        }
        return rows;
    }

    /** A file of the repository: the first directory up from the working directory that has it. */
    static List<String> doc(String relative) throws IOException {
        Path dir = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        for (int up = 0; dir != null && up < 4; up++, dir = dir.getParent()) {
            Path file = dir.resolve(relative);
            if (Files.isRegularFile(file) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return Files.readAllLines(file, StandardCharsets.UTF_8);
            }
        }
        throw new IOException(relative + " not found above " + System.getProperty("user.dir"));
    }

    private static void expect(String route, String key, boolean allowed) throws Exception {
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
    private static HttpResponse<String> send(String route, String key) throws Exception {
        String method = route.substring(0, route.indexOf(' '));
        String path = route.substring(route.indexOf(' ') + 1).replaceAll("\\{[^}]+}", "p1");
        HttpRequest.BodyPublisher body = method.equals(HandlerType.POST.name()) || method.equals(HandlerType.PUT.name())
                ? HttpRequest.BodyPublishers.ofString("{}") : HttpRequest.BodyPublishers.noBody();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .method(method, body);
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return ApiRequests.send(HTTP, request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
