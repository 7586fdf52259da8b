package io.biostream.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * GET /api/v1/openapi.json: the hand-written OpenAPI 3.1 document of this API
 * ({@value #RESOURCE}), kept as YAML in the jar and served as JSON. Read once at startup, so a
 * missing or broken document stops the server rather than answering 500 later.
 */
final class OpenApiHandler {
    static final String RESOURCE = "/openapi/biostream-api.yaml";

    private final byte[] json;

    OpenApiHandler() {
        this.json = toJson(document());
    }

    /** The document as parsed from the jar. */
    static JsonNode document() {
        try (InputStream in = OpenApiHandler.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the OpenAPI document " + RESOURCE + " is not on the classpath");
            }
            return new YAMLMapper().readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("the OpenAPI document " + RESOURCE + " does not parse", e);
        }
    }

    private static byte[] toJson(JsonNode document) {
        try {
            return new ObjectMapper().writeValueAsBytes(document);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void serve(Context ctx) {
        ctx.contentType("application/json").result(json);
    }
}
