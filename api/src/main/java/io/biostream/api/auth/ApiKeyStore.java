package io.biostream.api.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.biostream.operators.crypto.SecretFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * API keys, stored hashed. A key is {@code bsk_<id>_<secret>}: a 16-hex-digit id that finds the
 * entry and a 256-bit random secret. The store keeps SHA-256(salt || key) per entry; a salted
 * fast hash is enough because the keys are random 256-bit values, not passwords. There is no
 * default key: a new store is empty and refuses everyone.
 *
 * <p>A store opened on a file ({@link #load}, {@link #fileBacked}) writes every change
 * ({@link #generate}, {@link #revoke}) back to that file before the change takes effect for the
 * caller; a change that cannot be written is undone and reported as {@link UncheckedIOException}.
 */
public final class ApiKeyStore {
    static final String PREFIX = "bsk_";
    private static final int ID_BYTES = 8;
    private static final int SECRET_BYTES = 32;
    private static final int SALT_BYTES = 16;
    private static final int ID_CHARS = ID_BYTES * 2;
    private static final int SECRET_CHARS = 43; // base64url of 32 bytes, unpadded
    private static final int KEY_CHARS = PREFIX.length() + ID_CHARS + 1 + SECRET_CHARS;
    private static final int FORMAT_VERSION = 1;
    private static final int MAX_NAME = 100;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Base64.Encoder SECRET_ENCODING = Base64.getUrlEncoder().withoutPadding();
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private static final Entry UNKNOWN = new Entry(
            new ApiKey("0000000000000000", "unknown", Set.of(Role.ANALYST), Set.of(), Instant.EPOCH),
            new byte[SALT_BYTES], new byte[32]);

    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    /** Where changes are saved, or null for a store kept in memory only. */
    private final Path file;

    /** An empty store kept in memory: no key authenticates until one is generated. */
    public ApiKeyStore() {
        this(null);
    }

    private ApiKeyStore(Path file) {
        this.file = file;
    }

    /**
     * The store saved in {@code file}, or an empty one that will be saved there on its first
     * change; either way every later change is saved there.
     */
    public static ApiKeyStore fileBacked(Path file) throws IOException {
        return Files.exists(file) ? load(file) : new ApiKeyStore(file);
    }

    /** The file changes are saved to, if any. */
    public Optional<Path> file() {
        return Optional.ofNullable(file);
    }

    /**
     * Generates a key with the given roles and permissions. The returned plaintext is the only
     * copy; the store keeps its salted hash.
     */
    public synchronized IssuedKey generate(String name, Set<Role> roles, Set<Permission> permissions) {
        checkName(name);
        if (roles.isEmpty()) {
            throw new IllegalArgumentException("an API key needs at least one role");
        }
        String id;
        do {
            id = HexFormat.of().formatHex(random(ID_BYTES));
        } while (entries.containsKey(id));
        String plaintext = PREFIX + id + "_" + SECRET_ENCODING.encodeToString(random(SECRET_BYTES));
        byte[] salt = random(SALT_BYTES);
        ApiKey key = new ApiKey(id, name, roles, permissions, Instant.now().truncatedTo(ChronoUnit.SECONDS));
        entries.put(id, new Entry(key, salt, hash(salt, plaintext)));
        try {
            persist();
        } catch (UncheckedIOException e) {
            entries.remove(id);
            throw e;
        }
        return new IssuedKey(key, plaintext);
    }

    /** The key's metadata when {@code presented} is a key of this store, compared in constant time. */
    public Optional<ApiKey> authenticate(String presented) {
        if (presented == null || presented.length() != KEY_CHARS || !presented.startsWith(PREFIX)
                || presented.charAt(PREFIX.length() + ID_CHARS) != '_') {
            return Optional.empty();
        }
        Entry entry = entries.get(presented.substring(PREFIX.length(), PREFIX.length() + ID_CHARS));
        // Hash even for an unknown id, so a miss costs the same as a wrong secret.
        Entry compared = entry != null ? entry : UNKNOWN;
        boolean matches = MessageDigest.isEqual(compared.hash(), hash(compared.salt(), presented));
        return matches && entry != null ? Optional.of(entry.key()) : Optional.empty();
    }

    /**
     * Removes the key: it stops authenticating at once. On a file-backed store the removal is
     * saved first, so a key the caller was told is revoked stays revoked after a restart.
     *
     * @return false when no key has this id
     */
    public synchronized boolean revoke(String keyId) {
        Entry removed = entries.remove(keyId);
        if (removed == null) {
            return false;
        }
        try {
            persist();
        } catch (UncheckedIOException e) {
            entries.put(keyId, removed);
            throw e;
        }
        return true;
    }

    public Optional<ApiKey> find(String keyId) {
        return Optional.ofNullable(entries.get(keyId)).map(Entry::key);
    }

    public List<ApiKey> keys() {
        return entries.values().stream().map(Entry::key).sorted(Comparator.comparing(ApiKey::id)).toList();
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** Reads a store written by {@link #save(Path)}. */
    public static ApiKeyStore load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("API key store not found: " + file);
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        StoreFile stored;
        try {
            stored = JSON.readValue(text, StoreFile.class);
        } catch (JsonProcessingException e) {
            throw new IOException("API key store " + file + " is not valid JSON of the expected shape: "
                    + e.getOriginalMessage(), e);
        }
        if (stored == null || stored.keys() == null) {
            throw new IOException("API key store " + file + " has no keys list");
        }
        if (stored.version() != FORMAT_VERSION) {
            throw new IOException("API key store " + file + " has format version " + stored.version()
                    + "; this service reads version " + FORMAT_VERSION);
        }
        ApiKeyStore store = new ApiKeyStore(file);
        for (StoredKey k : stored.keys()) {
            Entry entry;
            try {
                entry = k.toEntry();
            } catch (RuntimeException e) {
                throw new IOException("API key store " + file + ": bad entry " + k.id() + ": " + e.getMessage(), e);
            }
            if (store.entries.putIfAbsent(entry.key().id(), entry) != null) {
                throw new IOException("API key store " + file + ": duplicate key id " + k.id());
            }
        }
        return store;
    }

    /**
     * Writes the hashed store, readable by its owner only. The new content goes to a temporary
     * file in the same directory that then replaces {@code target} atomically, so a reader (or a
     * crash) never sees half a store.
     */
    public synchronized void save(Path target) throws IOException {
        List<StoredKey> keys = entries.values().stream()
                .sorted(Comparator.comparing(e -> e.key().id()))
                .map(StoredKey::of)
                .toList();
        SecretFiles.writeOwnerOnly(target, JSON.writeValueAsString(new StoreFile(FORMAT_VERSION, keys)));
    }

    private void persist() {
        if (file == null) {
            return;
        }
        try {
            save(file);
        } catch (IOException e) {
            throw new UncheckedIOException("the API key store " + file + " could not be saved: " + e.getMessage(), e);
        }
    }

    private static void checkName(String name) {
        if (name == null || name.isBlank() || name.length() > MAX_NAME
                || name.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("an API key name must be 1 to " + MAX_NAME
                    + " printable characters");
        }
    }

    static byte[] hash(byte[] salt, String key) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(salt);
            return sha.digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }

    private static byte[] random(int bytes) {
        byte[] out = new byte[bytes];
        RANDOM.nextBytes(out);
        return out;
    }

    private record Entry(ApiKey key, byte[] salt, byte[] hash) {}

    private record StoreFile(int version, List<StoredKey> keys) {}

    private record StoredKey(String id, String name, List<String> roles, List<String> permissions,
                             String created, String salt, String sha256) {
        static StoredKey of(Entry e) {
            ApiKey k = e.key();
            return new StoredKey(k.id(), k.name(),
                    k.roles().stream().map(Role::wireName).sorted().toList(),
                    k.permissions().stream().map(Permission::wireName).sorted().toList(),
                    k.created().toString(),
                    Base64.getEncoder().encodeToString(e.salt()),
                    Base64.getEncoder().encodeToString(e.hash()));
        }

        Entry toEntry() {
            if (id == null || id.length() != ID_CHARS || !id.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
                throw new IllegalArgumentException("id must be " + ID_CHARS + " hex digits");
            }
            checkName(name);
            Set<Role> roleSet = roles == null ? Set.of()
                    : roles.stream().map(Role::parse).collect(Collectors.toUnmodifiableSet());
            if (roleSet.isEmpty()) {
                throw new IllegalArgumentException("no roles");
            }
            Set<Permission> permissionSet = permissions == null ? Set.of()
                    : permissions.stream().map(Permission::parse).collect(Collectors.toUnmodifiableSet());
            byte[] saltBytes = Base64.getDecoder().decode(salt);
            byte[] hashBytes = Base64.getDecoder().decode(sha256);
            if (saltBytes.length != SALT_BYTES || hashBytes.length != 32) {
                throw new IllegalArgumentException("salt must be " + SALT_BYTES + " bytes and sha256 32 bytes");
            }
            return new Entry(new ApiKey(id, name, roleSet, permissionSet, Instant.parse(created)),
                    saltBytes, hashBytes);
        }
    }
}
