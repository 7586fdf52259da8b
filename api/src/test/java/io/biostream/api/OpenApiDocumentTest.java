package io.biostream.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.biostream.api.audit.InMemoryAuditTrail;
import io.biostream.api.auth.Access;
import io.biostream.api.auth.ApiKeyStore;
import io.biostream.api.auth.RateLimit;
import io.biostream.api.auth.Role;
import io.biostream.operators.crypto.TestKeyRings;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.SpecVersion;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document (api/src/main/resources/openapi/biostream-api.yaml), parsed with
 * swagger-parser, against the running server's route table: every route is there with its
 * method, path and roles ({@code x-biostream-roles}), its security, and its refusals (401, 403,
 * 429 for a role-bound route; none of them for a public one), each error answer with the error
 * body of {@link ApiError.Body}. The live WebSocket routes and messages are described too.
 */
class OpenApiDocumentTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ERROR_SCHEMA = "#/components/schemas/Error";
    /** The live WebSocket's routes: documented before they join the route table, checked by the table once they do. */
    private static final Set<String> LIVE_ROUTES = Set.of("POST /api/v1/live/tickets", "GET /api/v1/live");

    private static OpenAPI api;
    private static ApiServer server;

    @BeforeAll
    static void parseAndStart() throws Exception {
        SwaggerParseResult parsed = new OpenAPIV3Parser().readContents(resource(), null, new ParseOptions());
        assertThat(parsed.getMessages()).as("swagger-parser's messages on the document").isEmpty();
        api = parsed.getOpenAPI();
        server = ApiServer.start(ApiConfig.defaults().withPort(0).withRateLimit(RateLimit.unlimited()), new ApiKeyStore(),
                new InMemoryCameraState(), TestKeyRings.throwawayCipher(), new InMemoryAuditTrail().trail());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.stop();
        }
    }

    @Test
    void isAnOpenApi31DocumentWithBothBearerSchemes() {
        assertThat(api.getOpenapi()).isEqualTo("3.1.0");
        assertThat(api.getSpecVersion()).isEqualTo(SpecVersion.V31);
        Map<String, SecurityScheme> schemes = api.getComponents().getSecuritySchemes();
        assertThat(schemes).containsOnlyKeys("apiKey", "jwt");
        assertThat(schemes.values()).allSatisfy(s -> {
            assertThat(s.getType()).isEqualTo(SecurityScheme.Type.HTTP);
            assertThat(s.getScheme()).isEqualTo("bearer");
        });
        assertThat(schemes.get("jwt").getBearerFormat()).isEqualTo("JWT");
    }

    @Test
    void everyRouteOfTheTableIsDocumentedWithItsRoles() {
        Map<String, Set<String>> table = new TreeMap<>();
        for (Route route : server.routes()) {
            table.put(route.name(), route.access().stream()
                    .map(r -> r == Access.PUBLIC ? "public" : ((Role) r).wireName()).collect(Collectors.toCollection(TreeSet::new)));
        }
        Map<String, Set<String>> documented = new TreeMap<>();
        operations().forEach((name, operation) -> documented.put(name, roles(operation)));
        assertThat(documented).as("documented operations (x-biostream-roles) against the route table")
                .containsAllEntriesOf(table);
        assertThat(documented.keySet()).as("documented operations that are not in the route table")
                .allSatisfy(name -> assertThat(table.containsKey(name) || LIVE_ROUTES.contains(name)).as(name).isTrue());
    }

    @Test
    void roleBoundRoutesNeedABearerAndDeclareTheirRefusals() {
        operations().forEach((name, operation) -> {
            Set<String> roles = roles(operation);
            Set<String> statuses = operation.getResponses().keySet();
            assertThat(statuses).as("%s answers", name).contains("413", "500");
            if (roles.equals(Set.of("public"))) {
                assertThat(operation.getSecurity()).as("%s is public: no security", name).isEmpty();
                assertThat(statuses).as("%s is public", name).doesNotContain("403", "429");
                return;
            }
            assertThat(roles).as("%s roles", name).isNotEmpty().allSatisfy(r -> Role.parse(r));
            assertThat(operation.getSecurity()).as("%s security", name).extracting(SecurityRequirement::keySet)
                    .containsExactlyInAnyOrder(Set.of("apiKey"), Set.of("jwt"));
            assertThat(statuses).as("%s refusals", name).contains("401", "403", "429");
            assertThat(response(operation, "401").getHeaders()).as("%s 401 headers", name).containsKey("WWW-Authenticate");
            assertThat(response(operation, "429").getHeaders()).as("%s 429 headers", name).containsKey("Retry-After");
        });
    }

    @Test
    void everyErrorAnswerHasTheErrorBody() {
        operations().forEach((name, operation) -> operation.getResponses().forEach((status, declared) -> {
            ApiResponse answer = response(operation, status);
            if (Integer.parseInt(status) < 400 || (name.equals("POST /api/v1/subjects/{id}/images") && status.equals("422"))) {
                return; // the enrollment's 422 carries the per-photo outcomes, like its 201
            }
            MediaType json = answer.getContent().get("application/json");
            assertThat(json).as("%s %s JSON body", name, status).isNotNull();
            assertThat(json.getSchema().get$ref()).as("%s %s body", name, status).isEqualTo(ERROR_SCHEMA);
        }));
    }

    @Test
    void theErrorSchemaIsApiErrorsBody() {
        Schema<?> error = api.getComponents().getSchemas().get("Error");
        List<String> fields = Arrays.stream(ApiError.Body.class.getRecordComponents()).map(RecordComponent::getName).toList();
        assertThat(error.getProperties()).containsOnlyKeys(fields.toArray(String[]::new));
        assertThat(error.getRequired()).containsExactlyInAnyOrderElementsOf(fields);
        Object additional = error.getAdditionalProperties(); // 3.1: a boolean schema
        assertThat(additional instanceof Schema<?> schema ? schema.getBooleanSchemaValue() : additional).isEqualTo(false);
    }

    @Test
    void theLiveMessagesAreSchemasTellingTheirType() {
        Map<String, Schema> schemas = api.getComponents().getSchemas();
        assertThat(messageTypes(schemas, "LiveClientMessage")).containsOnlyKeys("subscribe", "unsubscribe");
        assertThat(messageTypes(schemas, "LiveServerMessage"))
                .containsOnlyKeys("result", "camera", "job", "alert", "video", "heartbeat", "error");
        Operation live = api.getPaths().get("/api/v1/live").getGet();
        assertThat(live.getExtensions().get("x-biostream-websocket")).isInstanceOf(Map.class);
    }

    /** Each member of a oneOf message schema: its {@code type} value -> schema name; the discriminator maps the same. */
    private static Map<String, String> messageTypes(Map<String, Schema> schemas, String union) {
        Schema<?> message = schemas.get(union);
        assertThat(message).as(union).isNotNull();
        Map<String, String> types = new TreeMap<>();
        for (Schema<?> member : message.getOneOf()) {
            String name = member.get$ref().substring(member.get$ref().lastIndexOf('/') + 1);
            Schema<?> schema = schemas.get(name);
            assertThat(schema).as(member.get$ref()).isNotNull();
            assertThat(schema.getRequired()).as("%s required", name).contains("type");
            Object type = ((Schema<?>) schema.getProperties().get("type")).getConst();
            assertThat(type).as("%s type const", name).isInstanceOf(String.class);
            types.put((String) type, "#/components/schemas/" + name);
        }
        assertThat(message.getDiscriminator().getPropertyName()).isEqualTo("type");
        assertThat(message.getDiscriminator().getMapping()).as("%s discriminator", union).isEqualTo(types);
        return types;
    }

    @Test
    void theServerServesTheDocumentAsJsonWithoutAKey() throws Exception {
        HttpResponse<byte[]> response = ApiRequests.send(server.port(), "GET", "/api/v1/openapi.json", null, null, null);
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode served = ApiRequests.json(response);
        assertThat(served).isEqualTo(OpenApiHandler.document());
        assertThat(JSON.readTree(JSON.writeValueAsBytes(served)).get("openapi").asText()).isEqualTo("3.1.0");
    }

    @Test
    void anAnswerThatDoesNotMatchTheDocumentIsRefused() {
        Map<String, List<String>> json = Map.of("Content-Type", List.of("application/json"));
        byte[] health = "{\"status\":\"ok\",\"state\":\"reachable\"}".getBytes(StandardCharsets.UTF_8);
        assertThat(OpenApiConformance.problems("GET", "/health", 200, json, health)).isEmpty();
        // a field renamed, an undeclared status, a wrong type, a 401 without its challenge header
        assertThat(OpenApiConformance.problems("GET", "/health", 200, json,
                "{\"status\":\"ok\",\"stat\":\"reachable\"}".getBytes(StandardCharsets.UTF_8))).isNotEmpty();
        assertThat(OpenApiConformance.problems("GET", "/health", 404, json, health)).isNotEmpty();
        assertThat(OpenApiConformance.problems("GET", "/api/v1/audit", 200, json,
                "{\"from\":0,\"next\":\"1\",\"events\":[]}".getBytes(StandardCharsets.UTF_8))).isNotEmpty();
        assertThat(OpenApiConformance.problems("GET", "/api/v1/audit", 200, json,
                "{\"from\":0,\"next\":null,\"events\":[]}".getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThat(OpenApiConformance.problems("GET", "/api/v1/cameras", 401, json,
                "{\"error\":\"unauthorized\",\"message\":\"m\"}".getBytes(StandardCharsets.UTF_8))).isNotEmpty();
        // outside the document: only the error body is checked
        assertThat(OpenApiConformance.problems("GET", "/api/v1/nothing", 404, json,
                "{\"error\":\"not_found\",\"message\":\"no such route\"}".getBytes(StandardCharsets.UTF_8))).isEmpty();
        assertThat(OpenApiConformance.problems("GET", "/api/v1/nothing", 404, json,
                "{\"error\":\"not_found\"}".getBytes(StandardCharsets.UTF_8))).isNotEmpty();
    }

    /** "METHOD /path" -> operation, for every operation of the document. */
    private static Map<String, Operation> operations() {
        Map<String, Operation> operations = new TreeMap<>();
        for (Map.Entry<String, PathItem> path : api.getPaths().entrySet()) {
            path.getValue().readOperationsMap().forEach((method, operation) ->
                    operations.put(method.name() + " " + path.getKey(), operation));
        }
        return operations;
    }

    private static Set<String> roles(Operation operation) {
        Object roles = operation.getExtensions() == null ? null : operation.getExtensions().get("x-biostream-roles");
        assertThat(roles).as("x-biostream-roles of %s", operation.getOperationId()).isInstanceOf(List.class);
        return ((List<?>) roles).stream().map(Object::toString).collect(Collectors.toCollection(TreeSet::new));
    }

    /** The operation's answer for a status, its {@code $ref} to components/responses followed. */
    private static ApiResponse response(Operation operation, String status) {
        ApiResponse answer = operation.getResponses().get(status);
        assertThat(answer).as("%s answer %s", operation.getOperationId(), status).isNotNull();
        if (answer.get$ref() != null) {
            String name = answer.get$ref().substring(answer.get$ref().lastIndexOf('/') + 1);
            answer = api.getComponents().getResponses().get(name);
            assertThat(answer).as("%s answer %s", operation.getOperationId(), status).isNotNull();
        }
        return answer;
    }

    private static String resource() throws IOException {
        try (InputStream in = OpenApiHandler.class.getResourceAsStream(OpenApiHandler.RESOURCE)) {
            assertThat(in).as(OpenApiHandler.RESOURCE).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
