package io.biostream.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.Set;

/**
 * Reading JSON request bodies with refusals that name the field: 400 {@code invalid_json} for a
 * body that is not a JSON object, {@code unknown_field} for a field the route does not read (a
 * typo must not be ignored silently), {@code invalid_field} for a wrong type or value.
 */
final class JsonRequests {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_FIELD_NAME = 64;

    private JsonRequests() {}

    static ObjectNode object(Context ctx) {
        JsonNode node;
        try {
            node = JSON.readTree(ctx.body());
        } catch (JsonProcessingException e) {
            throw ApiError.badRequest("invalid_json", "the body is not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw ApiError.badRequest("invalid_json", "the body must be a JSON object");
        }
        return (ObjectNode) node;
    }

    /** Refuses fields other than {@code allowed}; {@code where} names the object in messages ("" for the body). */
    static void onlyFields(JsonNode object, Set<String> allowed, String where) {
        for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw ApiError.badRequest("unknown_field", "unknown field '" + where + clip(name) + "'; known: " + allowed);
            }
        }
    }

    /** A string field: null when absent (or JSON null) and optional, else 1..max characters without control characters. */
    static String text(JsonNode object, String field, String where, boolean required, int max) {
        JsonNode value = object.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw invalid(where + field, "is required");
            }
            return null;
        }
        if (!value.isTextual()) {
            throw invalid(where + field, "must be a string");
        }
        String text = value.asText();
        if (text.isBlank() || text.length() > max || text.chars().anyMatch(Character::isISOControl)) {
            throw invalid(where + field, "must be 1 to " + max + " printable characters");
        }
        return text;
    }

    /** An ISO-8601 instant ({@code 2027-01-31T00:00:00Z}), or null when absent. */
    static Instant instant(JsonNode object, String field, String where) {
        String text = text(object, field, where, false, 64);
        if (text == null) {
            return null;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw invalid(where + field, "must be an ISO-8601 instant such as 2027-01-31T00:00:00Z");
        }
    }

    static ApiError invalid(String field, String problem) {
        return ApiError.badRequest("invalid_field", field + " " + problem);
    }

    static String clip(String name) {
        String printable = name.replaceAll("[^\\x20-\\x7e]", "?");
        return printable.length() <= MAX_FIELD_NAME ? printable : printable.substring(0, MAX_FIELD_NAME) + "...";
    }
}
