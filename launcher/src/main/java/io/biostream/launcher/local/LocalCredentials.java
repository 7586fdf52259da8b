package io.biostream.launcher.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.biostream.api.auth.ApiKey;
import io.biostream.api.auth.ApiKeyStore;
import io.biostream.api.auth.IssuedKey;
import io.biostream.api.auth.Permission;
import io.biostream.api.auth.Role;
import io.biostream.operators.crypto.SecretFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Local mode's API keys, one per role, issued on the first start of a var directory and written
 * once, in plaintext, to {@code var/credentials.json} (mode 600):
 * {@code {"apiKey": <admin key>, "keys": {"admin": ..., "analyst": ..., "auditor": ..., "camera": ...}}}.
 * The admin key holds only the admin role; the analyst key also reads descriptors. The hashed
 * store is {@code var/api-keys.json}. A var directory from before one key per role (a
 * credentials file without {@code keys}) gets the new set, and its all-roles key is revoked.
 */
public final class LocalCredentials {
    public static final String FILE = "credentials.json";
    public static final String STORE = "api-keys.json";
    /** The name the all-roles key of earlier versions was issued under. */
    static final String LEGACY_KEY_NAME = "local-admin";
    /** The roles the single key of a var/ from before one key per role held. */
    private static final Set<Role> LEGACY_ROLES = EnumSet.of(Role.CAMERA, Role.ANALYST, Role.ADMIN, Role.AUDITOR);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<Role, String> keys;

    private LocalCredentials(Map<Role, String> keys) {
        this.keys = Map.copyOf(keys);
    }

    /** The plaintext key of {@code role}. */
    public String key(Role role) {
        return keys.get(role);
    }

    /** The file-backed key store of {@code var}, with a key per role issued when none has been yet. */
    public static Issued openStore(Path var) throws IOException {
        Path credentials = var.resolve(FILE);
        boolean firstStart = !Files.exists(var.resolve(STORE));
        ApiKeyStore store = ApiKeyStore.fileBacked(var.resolve(STORE));
        if (!firstStart && !(Files.exists(credentials) && !JSON.readTree(credentials.toFile()).has("keys"))) {
            // Keys issued before; credentials.json may have been deleted once stored elsewhere.
            return new Issued(store, Optional.empty());
        }
        for (ApiKey legacy : store.keys()) {
            if (legacy.name().equals(LEGACY_KEY_NAME) && legacy.roles().containsAll(LEGACY_ROLES)) {
                store.revoke(legacy.id());
            }
        }
        Map<Role, String> issued = new EnumMap<>(Role.class);
        for (Role role : Role.values()) {
            Set<Permission> permissions = role == Role.ANALYST ? EnumSet.of(Permission.DESCRIPTORS) : Set.of();
            IssuedKey key = store.generate("local " + role.wireName(), EnumSet.of(role), permissions);
            issued.put(role, key.plaintext());
        }
        LocalCredentials created = new LocalCredentials(issued);
        SecretFiles.writeOwnerOnly(credentials, created.toJson() + "\n");
        return new Issued(store, Optional.of(created));
    }

    /** Reads {@code var/credentials.json} (as tests and scripts do). */
    public static LocalCredentials read(Path var) throws IOException {
        JsonNode root = JSON.readTree(var.resolve(FILE).toFile());
        JsonNode keys = root.get("keys");
        if (keys == null || !keys.isObject()) {
            throw new IOException(var.resolve(FILE) + " has no \"keys\" object");
        }
        Map<Role, String> parsed = new EnumMap<>(Role.class);
        for (Role role : Role.values()) {
            JsonNode key = keys.get(role.wireName());
            if (key == null || !key.isTextual()) {
                throw new IOException(var.resolve(FILE) + " has no key for role " + role.wireName());
            }
            parsed.put(role, key.asText());
        }
        return new LocalCredentials(parsed);
    }

    String toJson() throws IOException {
        Map<String, String> byRole = new LinkedHashMap<>();
        for (Role role : Role.values()) {
            byRole.put(role.wireName(), keys.get(role));
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("apiKey", keys.get(Role.ADMIN));
        root.put("keys", byRole);
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    }

    /** Never the keys themselves. */
    @Override
    public String toString() {
        return "LocalCredentials[" + keys.keySet() + "]";
    }

    /** The store to serve, and the keys this start issued (present on a first start only). */
    public record Issued(ApiKeyStore store, Optional<LocalCredentials> credentials) {}
}
