package io.biostream.operators.crypto;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.TinkProtoKeysetFormat;
import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import io.biostream.schemas.DataKeyScope;
import io.biostream.schemas.WrappedDataKey;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The template data keys: an enrolled subject's own key, and per camera and period keys for the
 * faces of people not enrolled, each wrapped under the {@link KeyEncryptionKey} and kept in a
 * {@link DataKeyStore}. Destroying a subject's keys erases every template of that subject wherever
 * its ciphertext lies (crypto-shredding); a period key expires when the camera's retention is over
 * (the retention in force now, when it is shorter than the one the key was made with) and then
 * counts as destroyed at once, before {@link #destroyExpired} writes its tombstone.
 *
 * <p>Every field of a stored record but the wrapped bytes is associated data of the KEK's AEAD
 * ({@link #associatedData}): a record whose owner, scope, times or id were edited does not unwrap
 * and is never used (a WARN and {@link #refusedRecords}); neither is one wrapped before the fields
 * were bound (binding 1) until a KEK rotation re-wraps it. A destruction is a record of its own,
 * authenticated the same way, that no later record of the key undoes. Unwrapped keys live in this
 * process's memory only. Thread-safe.
 */
public final class TemplateKeyRing implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TemplateKeyRing.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** The binding of the records this ring writes: every field but {@code wrapped} is associated data. */
    static final int BINDING = 2;
    private static final int LEGACY_BINDING = 1;
    private static final int MAX_REMEMBERED_UNUSABLE = 10_000;

    static {
        try {
            AeadConfig.register();
        } catch (GeneralSecurityException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** A live data key: its id (what templates name) and the AEAD that seals and opens under it. */
    public record DataKey(String keyId, Aead aead) {}

    /** An unwrapped key with the very record it was unwrapped from: a changed record is checked again. */
    private record Unwrapped(WrappedDataKey record, Aead aead) {}

    private final DataKeyStore store;
    private final KeyEncryptionKey kek;
    private final Clock clock;
    private final Map<String, Unwrapped> unwrapped = new ConcurrentHashMap<>();
    /** Records found unusable, by key id: not tried (nor logged) again while the store holds the same record. */
    private final Map<String, WrappedDataKey> unusable = new ConcurrentHashMap<>();
    private final AtomicLong refused = new AtomicLong();
    /** "subject id" or "camera id|period start" -> key id; checked against the store on every use. */
    private final Map<String, String> byOwner = new ConcurrentHashMap<>();
    /** The retention in force for a camera's faces of people not enrolled, or null when not known. */
    private volatile Function<String, Duration> retention = camera -> null;

    public TemplateKeyRing(DataKeyStore store, KeyEncryptionKey kek, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.kek = Objects.requireNonNull(kek, "kek");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public KeyEncryptionKey kek() {
        return kek;
    }

    /**
     * Where the retention in force for a camera comes from (the match settings of the moment): a
     * period key expires at the earlier of its stored expiry and its period's end plus this
     * retention, so a shortened retention shortens the life of templates sealed before.
     */
    public void useRetention(Function<String, Duration> retentionOfCamera) {
        this.retention = Objects.requireNonNull(retentionOfCamera, "retentionOfCamera");
    }

    /** Whether the data keys stored so far have been read: false while a store opened during an outage catches up. */
    public boolean ready() {
        return store.ready();
    }

    /** How many stored records were refused: by the store (shape, replays) and here (they do not authenticate). */
    public long refusedRecords() {
        return refused.get() + store.refusedRecords();
    }

    /** The subject's key, created (and stored durably) when the subject has none. */
    public synchronized DataKey subjectKey(String subjectId) throws GeneralSecurityException {
        Optional<DataKey> existing = existingSubjectKey(subjectId);
        if (existing.isPresent()) {
            return existing.get();
        }
        return create(DataKeyScope.SUBJECT, subjectId, null, null, null, subjectId);
    }

    /** The subject's key if it has one (none once erased): no key is created. */
    public Optional<DataKey> existingSubjectKey(String subjectId) throws GeneralSecurityException {
        return existing(subjectId, DataKeyScope.SUBJECT, subjectId, null);
    }

    /**
     * The key for faces of people not enrolled that {@code cameraId} sees at {@code at}: one per
     * camera and period, created when absent, expiring when the period plus the retention is over.
     */
    public synchronized DataKey periodKey(String cameraId, Instant at, Duration period, Duration retention)
            throws GeneralSecurityException {
        long length = period.toMillis();
        Instant start = Instant.ofEpochMilli(Math.floorDiv(at.toEpochMilli(), length) * length);
        String owner = cameraId + "|" + start.toEpochMilli();
        Optional<DataKey> existing = existing(owner, DataKeyScope.PERIOD, cameraId, start);
        if (existing.isPresent()) {
            return existing.get();
        }
        Instant end = start.plus(period);
        return create(DataKeyScope.PERIOD, cameraId, start, end, end.plus(retention), owner);
    }

    /**
     * The AEAD of a live key: empty when the key is destroyed, expired or unknown.
     *
     * @throws DataKeyUnusableException   when its record does not authenticate (see the class comment)
     * @throws DataKeyUnavailableException when the store cannot tell now
     */
    public Optional<Aead> aead(String keyId) throws GeneralSecurityException {
        Optional<WrappedDataKey> stored;
        try {
            stored = store.get(keyId);
        } catch (KeyStoreUnavailableException e) {
            throw new DataKeyUnavailableException(keyId, e);
        }
        if (stored.isEmpty() || expired(stored.get())) {
            unwrapped.remove(keyId);
            return Optional.empty();
        }
        Unwrapped cached = unwrapped.get(keyId);
        if (cached != null && cached.record().equals(stored.get())) {
            return Optional.of(cached.aead());
        }
        Aead aead = unwrap(stored.get());
        unwrapped.put(keyId, new Unwrapped(stored.get(), aead));
        return Optional.of(aead);
    }

    /**
     * Whether the key is live now: neither destroyed nor expired, and its record authenticates.
     *
     * @throws KeyStoreUnavailableException when the store cannot tell now
     */
    public boolean isLive(String keyId) {
        try {
            return aead(keyId).isPresent();
        } catch (DataKeyUnavailableException e) {
            throw (KeyStoreUnavailableException) e.getCause();
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** What the store says of a key (for exports and audits): never the key material. */
    public Optional<WrappedDataKey> describe(String keyId) {
        return store.get(keyId);
    }

    /**
     * When the key was destroyed, if the store holds a destruction record of it that authenticates
     * under the KEK. A destruction record that does not (forged) still keeps the key destroyed, but
     * is counted and logged here.
     */
    public Optional<Instant> destroyedTime(String keyId) {
        Optional<WrappedDataKey> destruction = store.destruction(keyId);
        if (destruction.isEmpty()) {
            return Optional.empty();
        }
        WrappedDataKey record = destruction.get();
        try {
            if (record.getBinding() != BINDING || record.getDestroyedTime() == null) {
                throw new GeneralSecurityException("binding " + record.getBinding());
            }
            kek.unwrap(bytes(record.getWrapped()), associatedData(record));
            return Optional.of(record.getDestroyedTime());
        } catch (GeneralSecurityException e) {
            markUnusable(record, "its destruction record does not authenticate under the KEK (forged?); the key stays destroyed");
            return Optional.empty();
        }
    }

    /**
     * Destroys every key of the subject: those whose record names the subject, and those this
     * process verified as the subject's whose record has been edited since (re-owned); returns their ids.
     */
    public synchronized List<String> destroySubject(String subjectId) {
        Map<String, WrappedDataKey> keys = new LinkedHashMap<>();
        for (WrappedDataKey key : store.owned(DataKeyScope.SUBJECT, subjectId)) {
            keys.put(key.getKeyId(), key);
        }
        for (Unwrapped verified : unwrapped.values()) {
            WrappedDataKey key = verified.record();
            if (key.getScope() == DataKeyScope.SUBJECT && key.getOwner().equals(subjectId)) {
                keys.putIfAbsent(key.getKeyId(), key);
            }
        }
        List<String> destroyed = new ArrayList<>();
        for (WrappedDataKey key : keys.values()) {
            destroy(key, true);
            destroyed.add(key.getKeyId());
        }
        byOwner.remove(subjectId);
        return destroyed;
    }

    /**
     * Destroys the keys whose retention is over; returns how many. A key past its stored expiry
     * gets a tombstone only (a replay of it is expired as well, the expiry being authenticated); one
     * cut short by a shortened retention also gets a destruction record.
     */
    public int destroyExpired() {
        int n = 0;
        Instant now = clock.instant();
        for (WrappedDataKey key : store.all()) {
            if (expired(key)) {
                boolean pastStoredExpiry = key.getExpiresTime() != null && !now.isBefore(key.getExpiresTime());
                destroy(key, !pastStoredExpiry);
                n++;
            }
        }
        if (n > 0) {
            LOG.info("destroyed {} expired data keys", n);
        }
        return n;
    }

    /**
     * Rotates the key-encryption key: a local keyset gets a new primary key, every data key is
     * re-wrapped under it, then the old keys are deleted; with a KMS the KMS rotates its key
     * versions and this re-wraps under the current one. Templates are not touched. Records wrapped
     * before their fields were bound (binding 1) are re-wrapped with every field bound (binding 2):
     * the migration of a deployment that stored keys before.
     *
     * @return how many data keys were re-wrapped
     */
    public synchronized int rotateKek() throws GeneralSecurityException, java.io.IOException {
        LocalKeysetKms local = kek.client() instanceof LocalKeysetKms l ? l : null;
        if (local != null) {
            local.addPrimary(kek.uri());
            kek.reload();
        }
        int rewrapped = 0;
        for (WrappedDataKey key : store.all()) {
            byte[] plain;
            try {
                plain = kek.unwrap(bytes(key.getWrapped()), key.getBinding() == LEGACY_BINDING
                        ? legacyAssociatedData(key.getKeyId()) : associatedData(key));
            } catch (GeneralSecurityException e) {
                LOG.error("data key {} does not unwrap and is left as it is: {}", key.getKeyId(), e.toString());
                continue;
            }
            try {
                WrappedDataKey again = sealed(WrappedDataKey.newBuilder(key).setKek(kek.reference()).setBinding(BINDING), plain);
                if (store.get(key.getKeyId()).isPresent()) { // not destroyed meanwhile
                    store.put(again);
                    rewrapped++;
                }
            } finally {
                Arrays.fill(plain, (byte) 0);
            }
        }
        if (local != null) {
            local.retireAllButPrimary(kek.uri());
            kek.reload();
        }
        LOG.info("key-encryption key rotated: {} data keys re-wrapped under {}", rewrapped, kek.reference());
        return rewrapped;
    }

    private Optional<DataKey> existing(String cacheKey, DataKeyScope scope, String owner, Instant periodStart)
            throws GeneralSecurityException {
        String cached = byOwner.get(cacheKey);
        if (cached != null) {
            try {
                Optional<Aead> aead = aead(cached);
                if (aead.isPresent()) {
                    return Optional.of(new DataKey(cached, aead.get()));
                }
            } catch (DataKeyUnusableException e) {
                // its record was replaced by one that does not authenticate: look for another
            }
            byOwner.remove(cacheKey);
        }
        // Several processes may have created one at once: all agree on the oldest usable one.
        List<WrappedDataKey> candidates;
        try {
            candidates = store.owned(scope, owner).stream()
                    .filter(k -> Objects.equals(k.getPeriodStart(), periodStart) && !expired(k))
                    .sorted(Comparator.comparing(WrappedDataKey::getCreatedTime).thenComparing(WrappedDataKey::getKeyId))
                    .toList();
        } catch (KeyStoreUnavailableException e) {
            throw new DataKeyUnavailableException(owner, e);
        }
        for (WrappedDataKey candidate : candidates) {
            if (candidate.equals(unusable.get(candidate.getKeyId()))) {
                continue;
            }
            try {
                Optional<Aead> aead = aead(candidate.getKeyId());
                if (aead.isPresent()) {
                    byOwner.put(cacheKey, candidate.getKeyId());
                    return Optional.of(new DataKey(candidate.getKeyId(), aead.get()));
                }
            } catch (DataKeyUnusableException e) {
                // skipped (logged and counted once in unwrap): an unusable record never wins as the oldest
            }
        }
        return Optional.empty();
    }

    private DataKey create(DataKeyScope scope, String owner, Instant periodStart, Instant periodEnd, Instant expires,
                           String cacheKey) throws GeneralSecurityException {
        String keyId = "dk_" + HexFormat.of().formatHex(random(16));
        KeysetHandle keyset = KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM);
        byte[] plain = TinkProtoKeysetFormat.serializeKeyset(keyset, InsecureSecretKeyAccess.get());
        WrappedDataKey key;
        try {
            key = sealed(WrappedDataKey.newBuilder()
                    .setKeyId(keyId)
                    .setScope(scope)
                    .setOwner(owner)
                    .setPeriodStart(periodStart)
                    .setPeriodEnd(periodEnd)
                    .setCreatedTime(clock.instant())
                    .setExpiresTime(expires)
                    .setKek(kek.reference())
                    .setBinding(BINDING), plain);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
        store.put(key);
        Aead aead = keyset.getPrimitive(RegistryConfiguration.get(), Aead.class);
        unwrapped.put(keyId, new Unwrapped(key, aead));
        byOwner.put(cacheKey, keyId);
        return new DataKey(keyId, aead);
    }

    /** The record with {@code plain} wrapped under the KEK, every other field bound as associated data. */
    private WrappedDataKey sealed(WrappedDataKey.Builder record, byte[] plain) throws GeneralSecurityException {
        record.setWrapped(ByteBuffer.allocate(0));
        byte[] wrapped = kek.wrap(plain, associatedData(record.build()));
        return record.setWrapped(ByteBuffer.wrap(wrapped)).build();
    }

    private Aead unwrap(WrappedDataKey key) throws GeneralSecurityException {
        if (key.equals(unusable.get(key.getKeyId()))) {
            throw new DataKeyUnusableException(key.getKeyId(), "found unusable before");
        }
        if (key.getBinding() != BINDING) {
            throw markUnusable(key, "wrapped with binding " + key.getBinding() + ", before its fields were bound to it:"
                    + " re-wrap it with a KEK rotation (POST /api/v1/crypto/kek/rotate)");
        }
        byte[] plain;
        try {
            plain = kek.unwrap(bytes(key.getWrapped()), associatedData(key));
        } catch (GeneralSecurityException e) {
            throw markUnusable(key, "it does not authenticate under the KEK: a field edited, its wrapped bytes"
                    + " corrupt or from another KEK (" + e.getMessage() + ")");
        }
        try {
            return TinkProtoKeysetFormat.parseKeyset(plain, InsecureSecretKeyAccess.get())
                    .getPrimitive(RegistryConfiguration.get(), Aead.class);
        } catch (GeneralSecurityException e) {
            throw markUnusable(key, "its keyset does not parse: " + e.getMessage());
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    private DataKeyUnusableException markUnusable(WrappedDataKey key, String why) {
        if (unusable.size() >= MAX_REMEMBERED_UNUSABLE) {
            unusable.clear();
        }
        if (!key.equals(unusable.put(key.getKeyId(), key))) {
            refused.incrementAndGet();
            LOG.warn("data key record {} (scope {}, owner {}) refused: {}", key.getKeyId(), key.getScope(), key.getOwner(), why);
        }
        return new DataKeyUnusableException(key.getKeyId(), why);
    }

    /**
     * Destroys the key; {@code recorded}: with a destruction record authenticated under the KEK
     * (when the KEK cannot be reached the record is written unauthenticated: it still destroys).
     */
    private void destroy(WrappedDataKey key, boolean recorded) {
        WrappedDataKey destruction = null;
        if (recorded) {
            WrappedDataKey.Builder record = WrappedDataKey.newBuilder(key)
                    .setDestroyedTime(clock.instant())
                    .setKek(kek.reference())
                    .setBinding(BINDING);
            try {
                destruction = sealed(record, new byte[0]);
            } catch (GeneralSecurityException e) {
                LOG.warn("the destruction record of data key {} is written without its KEK authentication: {}",
                        key.getKeyId(), e.toString());
                destruction = record.setWrapped(ByteBuffer.allocate(0)).build();
            }
        }
        store.destroy(key.getKeyId(), destruction);
        unwrapped.remove(key.getKeyId());
    }

    private boolean expired(WrappedDataKey key) {
        Instant expiry = expiry(key);
        return expiry != null && !clock.instant().isBefore(expiry);
    }

    /**
     * When the key expires: its stored expiry, or for a camera's period key the end of its period
     * (its creation for keys stored without one) plus the camera's retention in force, if earlier.
     */
    Instant expiry(WrappedDataKey key) {
        Instant stored = key.getExpiresTime();
        if (key.getScope() != DataKeyScope.PERIOD) {
            return stored;
        }
        Duration inForce;
        try {
            inForce = retention.apply(key.getOwner());
        } catch (RuntimeException e) {
            LOG.warn("the retention in force for camera {} is unknown; its keys keep their stored expiry: {}",
                    key.getOwner(), e.toString());
            inForce = null;
        }
        if (inForce == null) {
            return stored;
        }
        Instant end = key.getPeriodEnd() != null ? key.getPeriodEnd() : key.getCreatedTime();
        Instant byRetention = end.plus(inForce);
        return stored == null || byRetention.isBefore(stored) ? byRetention : stored;
    }

    /**
     * The associated data of a record's wrap (binding 2): every field but the wrapped bytes, each
     * length-prefixed or with a presence flag, so distinct records never encode alike. Binding the
     * owner and scope stops a re-owned key from escaping its owner's erasure; the times stop an
     * expiry from being dropped or moved; the key id stops a wrapped key from being copied under
     * another id; the destruction time makes a destruction record a MAC of what it destroys.
     */
    static byte[] associatedData(WrappedDataKey key) {
        try (ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                DataOutputStream out = new DataOutputStream(bytes)) {
            out.write("biostream-data-key-v2".getBytes(StandardCharsets.US_ASCII));
            out.writeInt(key.getBinding());
            writeString(out, key.getKeyId());
            writeString(out, key.getScope().name());
            writeString(out, key.getOwner());
            writeTime(out, key.getPeriodStart());
            writeTime(out, key.getPeriodEnd());
            writeTime(out, key.getCreatedTime());
            writeTime(out, key.getExpiresTime());
            writeTime(out, key.getDestroyedTime());
            writeString(out, key.getKek());
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void writeString(DataOutputStream out, String value) throws IOException {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static void writeTime(DataOutputStream out, Instant time) throws IOException {
        out.writeBoolean(time != null);
        out.writeLong(time == null ? 0L : time.toEpochMilli());
    }

    /** The associated data of binding 1: the key id only (records written before the fields were bound). */
    private static byte[] legacyAssociatedData(String keyId) {
        return ("biostream-data-key-v1|" + keyId).getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer view = buffer.duplicate();
        byte[] out = new byte[view.remaining()];
        view.get(out);
        return out;
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }

    @Override
    public void close() {
        unwrapped.clear();
        store.close();
    }
}
