package io.biostream.api;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.ValidationReport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Checks real answers of the API against its OpenAPI document (the one {@link OpenApiHandler}
 * serves): the status must be declared for the route, the content type must be one it declares,
 * declared required headers must be there, and a JSON body must match the declared schema
 * (required fields, types, no undeclared fields). The API tests' HTTP helpers call
 * {@link #check(HttpRequest, HttpResponse)} on every answer they receive (the launcher's
 * integration tests too, through the api test jar), so any test that reaches a route also checks
 * its answers against the document.
 *
 * <p>swagger-request-validator 2.x reads OpenAPI 3.1 documents but drops the 3.1 schema keywords
 * (a {@code type} list, {@code const}), so its checks would silently weaken; the validator is given
 * the same document restated in OpenAPI 3.0 terms ({@code type: [T, "null"]} becomes
 * {@code type: T, nullable: true}, {@code const} a one-value {@code enum}, a numeric
 * {@code exclusiveMinimum} the 3.0 boolean form). No constraint is dropped.
 *
 * <p>An answer to a path or method the document does not name (the 404 of an unknown route, the
 * answer to a method a route does not have) is not described there; its body must still be the
 * error body every error answer has.
 */
public final class OpenApiConformance {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> UNDESCRIBED = Set.of("validation.request.path.missing",
            "validation.request.operation.notAllowed");

    private static volatile OpenApiInteractionValidator validator;

    private OpenApiConformance() {}

    /** Fails (AssertionError) when the answer to {@code request} does not conform to the document. */
    public static void check(HttpRequest request, HttpResponse<?> response) {
        Object body = response.body();
        byte[] bytes = body instanceof byte[] b ? b : body instanceof String s ? s.getBytes(StandardCharsets.UTF_8) : null;
        check(request.method(), request.uri().getRawPath(), response.statusCode(), response.headers().map(), bytes);
    }

    /** The same for an answer given as its parts; {@code body} null when the test did not read it. */
    static void check(String method, String path, int status, Map<String, List<String>> headers, byte[] body) {
        List<String> problems = problems(method, path, status, headers, body);
        if (!problems.isEmpty()) {
            throw new AssertionError("the answer " + status + " to " + method + " " + path
                    + " does not conform to the OpenAPI document (" + OpenApiHandler.RESOURCE + "):\n  "
                    + String.join("\n  ", problems)
                    + (body == null || !textual(headers) ? "" : "\nbody: " + new String(body, StandardCharsets.UTF_8)));
        }
    }

    private static boolean textual(Map<String, List<String>> headers) {
        return headers.entrySet().stream().anyMatch(h -> "Content-Type".equalsIgnoreCase(h.getKey())
                && h.getValue().stream().anyMatch(v -> v.startsWith("application/json") || v.startsWith("text/")));
    }

    /** What is wrong with the answer, empty when it conforms. */
    static List<String> problems(String method, String path, int status, Map<String, List<String>> headers, byte[] body) {
        SimpleResponse.Builder response = SimpleResponse.Builder.status(status);
        String contentType = null;
        for (Map.Entry<String, List<String>> header : headers.entrySet()) {
            if (header.getKey() == null || header.getKey().startsWith(":")) {
                continue;
            }
            response.withHeader(header.getKey(), header.getValue());
            if (header.getKey().equalsIgnoreCase("Content-Type") && !header.getValue().isEmpty()) {
                contentType = header.getValue().get(0);
            }
        }
        boolean textual = contentType != null && (contentType.startsWith("application/json") || contentType.startsWith("text/"));
        if (body != null && body.length > 0) {
            if (textual) {
                response.withBody(new String(body, StandardCharsets.UTF_8));
            } else {
                response.withBody(body);
            }
        }
        ValidationReport report = validator().validateResponse(path, Request.Method.valueOf(method), response.build());
        List<ValidationReport.Message> errors = report.getMessages().stream()
                .filter(m -> m.getLevel() == ValidationReport.Level.ERROR).toList();
        if (!errors.isEmpty() && errors.stream().allMatch(m -> UNDESCRIBED.contains(m.getKey()))) {
            return errorBodyProblems(status, contentType, body);
        }
        return errors.stream().map(m -> m.getKey() + ": " + m.getMessage()
                + (m.getAdditionalInfo().isEmpty() ? "" : " " + m.getAdditionalInfo())).collect(Collectors.toList());
    }

    /** An answer outside the document: an error status with the {error, message} body. */
    private static List<String> errorBodyProblems(int status, String contentType, byte[] body) {
        List<String> problems = new ArrayList<>();
        if (status < 400) {
            problems.add("a " + status + " answer on a route the document does not name");
            return problems;
        }
        if (contentType == null || !contentType.startsWith("application/json") || body == null) {
            problems.add("an error answer without a JSON body (Content-Type " + contentType + ")");
            return problems;
        }
        try {
            JsonNode error = JSON.readTree(body);
            List<String> fields = new ArrayList<>();
            error.fieldNames().forEachRemaining(fields::add);
            if (!error.isObject() || !Set.copyOf(fields).equals(Set.of("error", "message"))
                    || !error.get("error").isTextual() || !error.get("message").isTextual()) {
                problems.add("the error body is not {\"error\": code, \"message\": text}");
            }
        } catch (IOException e) {
            problems.add("the error body is not JSON: " + e.getMessage());
        }
        return problems;
    }

    private static OpenApiInteractionValidator validator() {
        OpenApiInteractionValidator v = validator;
        if (v == null) {
            synchronized (OpenApiConformance.class) {
                v = validator;
                if (v == null) {
                    v = OpenApiInteractionValidator.createForInlineApiSpecification(asOpenApi30(OpenApiHandler.document()).toString())
                            .build();
                    validator = v;
                }
            }
        }
        return v;
    }

    /** The document restated in OpenAPI 3.0 terms for the validator (see the class comment). */
    static JsonNode asOpenApi30(JsonNode document) {
        JsonNode copy = document.deepCopy();
        ((ObjectNode) copy).put("openapi", "3.0.3");
        restate(copy);
        return copy;
    }

    private static void restate(JsonNode node) {
        if (node instanceof ObjectNode object) {
            if (object.get("type") instanceof ArrayNode types) {
                List<String> named = new ArrayList<>();
                types.forEach(t -> named.add(t.asText()));
                boolean nullable = named.remove("null");
                if (named.size() != 1) {
                    throw new IllegalStateException("a type list other than [T, \"null\"] has no OpenAPI 3.0 form: " + types);
                }
                object.put("type", named.get(0));
                if (nullable) {
                    object.put("nullable", true);
                }
            }
            if (object.has("const") && !object.get("const").isContainerNode()) {
                JsonNode value = object.remove("const");
                object.set("enum", JsonNodeFactory.instance.arrayNode().add(value));
            }
            if (object.has("exclusiveMinimum") && object.get("exclusiveMinimum").isNumber()) {
                object.set("minimum", object.get("exclusiveMinimum"));
                object.put("exclusiveMinimum", true);
            }
            object.remove(List.of("contentEncoding", "contentMediaType"));
            for (Iterator<JsonNode> children = object.elements(); children.hasNext(); ) {
                restate(children.next());
            }
        } else if (node instanceof ArrayNode array) {
            array.forEach(OpenApiConformance::restate);
        }
    }
}
