package io.biostream.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.biostream.api.auth.AccessControl;
import io.biostream.api.auth.ApiKey;
import io.biostream.api.auth.ApiKeyStore;
import io.biostream.api.auth.IssuedKey;
import io.biostream.api.auth.Permission;
import io.biostream.api.auth.Role;
import io.biostream.operators.audit.AuditActions;
import io.biostream.operators.audit.AuditEntry;
import io.biostream.operators.audit.AuditSink;
import io.biostream.schemas.AuditOutcome;
import io.javalin.http.Context;
import java.io.UncheckedIOException;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes under /api/v1/keys: an admin issues, lists and revokes API keys. The plaintext of a new
 * key is in the 201 answer only; listings carry metadata, never hashes. Every issue and
 * revocation is an audit event. An admin cannot revoke the key it is calling with (409
 * {@code own_key}), so a mistake cannot leave the service without an admin key.
 */
final class KeyHandlers {
    private static final Logger LOG = LoggerFactory.getLogger(KeyHandlers.class);
    private static final Pattern KEY_ID = Pattern.compile("[0-9a-f]{16}");
    private static final Set<String> FIELDS = Set.of("name", "roles", "permissions");
    private static final int MAX_NAME = 100;

    private final ApiKeyStore keys;
    private final AuditSink audit;

    KeyHandlers(ApiKeyStore keys, AuditSink audit) {
        this.keys = keys;
        this.audit = audit;
    }

    /** POST /api/v1/keys {"name": ..., "roles": [...], "permissions": [...]} */
    void create(Context ctx) {
        ApiKey caller = AccessControl.caller(ctx);
        ObjectNode body = JsonRequests.object(ctx);
        JsonRequests.onlyFields(body, FIELDS, "");
        String name = JsonRequests.text(body, "name", "", true, MAX_NAME);
        Set<Role> roles = names(body, "roles", Role::parse, EnumSet.noneOf(Role.class));
        if (roles.isEmpty()) {
            throw JsonRequests.invalid("roles", "must name at least one role of " + wireNames(Role.values()));
        }
        Set<Permission> permissions = names(body, "permissions", Permission::parse, EnumSet.noneOf(Permission.class));
        IssuedKey issued = saved(() -> keys.generate(name, roles, permissions));
        try {
            audit.record(AuditEntry.of(caller.id(), AuditActions.API_KEY_CREATE, null, AuditOutcome.SUCCESS,
                    details(issued.key())));
        } catch (RuntimeException e) {
            // Nothing unaudited may be handed out: the new key goes before the refusal does.
            saved(() -> keys.revoke(issued.key().id()));
            throw e;
        }
        LOG.info("API key {} issued by key {}", issued.key().id(), caller.id());
        Map<String, Object> answer = new TreeMap<>(metadata(issued.key()));
        answer.put("key", issued.plaintext());
        ctx.status(201).json(answer);
    }

    /** GET /api/v1/keys */
    void list(Context ctx) {
        ctx.json(Map.of("keys", keys.keys().stream().map(KeyHandlers::metadata).toList()));
    }

    /**
     * DELETE /api/v1/keys/{id}. The key is revoked (and saved) before the audit event is written:
     * if the trail is down the caller gets 503 but the key stays revoked, failing closed.
     */
    void revoke(Context ctx) {
        ApiKey caller = AccessControl.caller(ctx);
        String id = ctx.pathParam("id");
        if (!KEY_ID.matcher(id).matches()) {
            throw ApiError.badRequest("invalid_key_id", "a key id is 16 lowercase hex digits");
        }
        if (id.equals(caller.id())) {
            throw new ApiError(409, "own_key", "an admin cannot revoke the key it is using; revoke it with another admin key");
        }
        ApiKey revoked = keys.find(id).orElseThrow(() -> ApiError.notFound("key_not_found", "no API key " + id));
        if (!saved(() -> keys.revoke(id))) {
            throw ApiError.notFound("key_not_found", "no API key " + id);
        }
        audit.record(AuditEntry.of(caller.id(), AuditActions.API_KEY_REVOKE, null, AuditOutcome.SUCCESS,
                details(revoked)));
        LOG.info("API key {} revoked by key {}", id, caller.id());
        ctx.status(204);
    }

    /** What is known of a key apart from its secret and hash. */
    static Map<String, Object> metadata(ApiKey key) {
        return Map.of("id", key.id(), "name", key.name(),
                "roles", key.roles().stream().map(Role::wireName).sorted().toList(),
                "permissions", key.permissions().stream().map(Permission::wireName).sorted().toList(),
                "created", key.created().toString());
    }

    private static Map<String, String> details(ApiKey key) {
        return Map.of("keyId", key.id(), "name", AuditEntry.clip(key.name(), MAX_NAME),
                "roles", String.join(",", key.roles().stream().map(Role::wireName).sorted().toList()),
                "permissions", String.join(",", key.permissions().stream().map(Permission::wireName).sorted().toList()));
    }

    /** An optional array of distinct names, each parsed; a bad one is a 400 naming it. */
    private static <T> Set<T> names(JsonNode body, String field, Function<String, T> parse, Set<T> into) {
        JsonNode array = body.get(field);
        if (array == null || array.isNull()) {
            return into;
        }
        if (!array.isArray() || array.size() > 16) {
            throw JsonRequests.invalid(field, "must be an array of at most 16 names");
        }
        for (JsonNode element : array) {
            if (!element.isTextual()) {
                throw JsonRequests.invalid(field, "must hold strings");
            }
            try {
                into.add(parse.apply(element.asText()));
            } catch (IllegalArgumentException e) {
                String known = e.getMessage().substring(Math.max(0, e.getMessage().indexOf("known:")));
                throw JsonRequests.invalid(field, "has an unknown name '" + JsonRequests.clip(element.asText()) + "'; " + known);
            }
        }
        return into;
    }

    private static String wireNames(Role[] roles) {
        return List.of(roles).stream().map(Role::wireName).toList().toString();
    }

    /** A store change whose file could not be written: the change was undone. */
    private static <T> T saved(java.util.function.Supplier<T> change) {
        try {
            return change.get();
        } catch (UncheckedIOException e) {
            LOG.error("API key store not saved: {}", e.getMessage());
            throw new ApiError(503, "key_store_unavailable", "the key store could not be saved; nothing was changed");
        }
    }
}
