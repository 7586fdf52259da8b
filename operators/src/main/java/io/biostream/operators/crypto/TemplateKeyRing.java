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
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The template data keys: an enrolled subject's own key, and per camera and period keys for the
 * faces of people not enrolled, each wrapped under the {@link KeyEncryptionKey} and kept in a
 * {@link DataKeyStore}. Destroying a subject's keys erases every template of that subject wherever
 * its ciphertext lies (crypto-shredding); a period key expires when the camera's retention is over
 * and then counts as destroyed at once, before its tombstone is written by {@link #destroyExpired}.
 * Unwrapped keys live in this process's memory only. Thread-safe.
 */
public final class TemplateKeyRing implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TemplateKeyRing.class);
    private static final SecureRandom RANDOM = new SecureRandom();

    static {
        try {
            AeadConfig.register();
        } catch (GeneralSecurityException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** A live data key: its id (what templates name) and the AEAD that seals and opens under it. */
    public record DataKey(String keyId, Aead aead) {}

    private final DataKeyStore store;
    private final KeyEncryptionKey kek;
    private final Clock clock;
    private final Map<String, Aead> unwrapped = new ConcurrentHashMap<>();
    /** "subject id" or "camera id|period start" -> key id; checked against the store on every use. */
    private final Map<String, String> byOwner = new ConcurrentHashMap<>();

    public TemplateKeyRing(DataKeyStore store, KeyEncryptionKey kek, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.kek = Objects.requireNonNull(kek, "kek");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public KeyEncryptionKey kek() {
        return kek;
    }

    /** The subject's key, created (and stored durably) when the subject has none. */
    public synchronized DataKey subjectKey(String subjectId) throws GeneralSecurityException {
        Optional<DataKey> existing = existingSubjectKey(subjectId);
        if (existing.isPresent()) {
            return existing.get();
        }
        return create(DataKeyScope.SUBJECT, subjectId, null, null, subjectId);
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
        return create(DataKeyScope.PERIOD, cameraId, start, start.plus(period).plus(retention), owner);
    }

    /** The AEAD of a live key: empty when the key is destroyed, expired or unknown. */
    public Optional<Aead> aead(String keyId) throws GeneralSecurityException {
        Optional<WrappedDataKey> stored = store.get(keyId);
        if (stored.isEmpty() || expired(stored.get())) {
            unwrapped.remove(keyId);
            return Optional.empty();
        }
        Aead cached = unwrapped.get(keyId);
        if (cached != null) {
            return Optional.of(cached);
        }
        Aead aead = unwrap(stored.get());
        unwrapped.put(keyId, aead);
        return Optional.of(aead);
    }

    /** Whether the key is live now (neither destroyed nor expired). */
    public boolean isLive(String keyId) {
        Optional<WrappedDataKey> stored = store.get(keyId);
        return stored.isPresent() && !expired(stored.get());
    }

    /** What the store says of a key (for exports and audits): never the key material. */
    public Optional<WrappedDataKey> describe(String keyId) {
        return store.get(keyId);
    }

    /** Destroys every key of the subject; returns their ids. */
    public synchronized List<String> destroySubject(String subjectId) {
        List<String> destroyed = new ArrayList<>();
        for (WrappedDataKey key : store.all()) {
            if (key.getScope() == DataKeyScope.SUBJECT && key.getOwner().equals(subjectId)) {
                destroy(key.getKeyId());
                destroyed.add(key.getKeyId());
            }
        }
        byOwner.remove(subjectId);
        return destroyed;
    }

    /** Writes the tombstones of the keys whose retention is over; returns how many. */
    public int destroyExpired() {
        int n = 0;
        for (WrappedDataKey key : store.all()) {
            if (expired(key)) {
                destroy(key.getKeyId());
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
     * versions and this re-wraps under the current one. Templates are not touched.
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
                plain = kek.unwrap(bytes(key.getWrapped()), ad(key.getKeyId()));
            } catch (GeneralSecurityException e) {
                LOG.error("data key {} does not unwrap and is left as it is: {}", key.getKeyId(), e.toString());
                continue;
            }
            try {
                WrappedDataKey again = WrappedDataKey.newBuilder(key)
                        .setKek(kek.reference())
                        .setWrapped(ByteBuffer.wrap(kek.wrap(plain, ad(key.getKeyId()))))
                        .build();
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
            Optional<Aead> aead = aead(cached);
            if (aead.isPresent()) {
                return Optional.of(new DataKey(cached, aead.get()));
            }
            byOwner.remove(cacheKey);
        }
        // Several processes may have created one at once: all agree on the oldest.
        Optional<WrappedDataKey> found = store.all().stream()
                .filter(k -> k.getScope() == scope && k.getOwner().equals(owner)
                        && Objects.equals(k.getPeriodStart(), periodStart) && !expired(k))
                .min(Comparator.comparing(WrappedDataKey::getCreatedTime).thenComparing(WrappedDataKey::getKeyId));
        if (found.isEmpty()) {
            return Optional.empty();
        }
        Optional<Aead> aead = aead(found.get().getKeyId());
        if (aead.isEmpty()) {
            return Optional.empty();
        }
        byOwner.put(cacheKey, found.get().getKeyId());
        return Optional.of(new DataKey(found.get().getKeyId(), aead.get()));
    }

    private DataKey create(DataKeyScope scope, String owner, Instant periodStart, Instant expires, String cacheKey)
            throws GeneralSecurityException {
        String keyId = "dk_" + HexFormat.of().formatHex(random(16));
        KeysetHandle keyset = KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM);
        byte[] plain = TinkProtoKeysetFormat.serializeKeyset(keyset, InsecureSecretKeyAccess.get());
        byte[] wrapped;
        try {
            wrapped = kek.wrap(plain, ad(keyId));
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
        store.put(WrappedDataKey.newBuilder()
                .setKeyId(keyId)
                .setScope(scope)
                .setOwner(owner)
                .setPeriodStart(periodStart)
                .setCreatedTime(clock.instant())
                .setExpiresTime(expires)
                .setKek(kek.reference())
                .setWrapped(ByteBuffer.wrap(wrapped))
                .build());
        Aead aead = keyset.getPrimitive(RegistryConfiguration.get(), Aead.class);
        unwrapped.put(keyId, aead);
        byOwner.put(cacheKey, keyId);
        return new DataKey(keyId, aead);
    }

    private Aead unwrap(WrappedDataKey key) throws GeneralSecurityException {
        byte[] plain = kek.unwrap(bytes(key.getWrapped()), ad(key.getKeyId()));
        try {
            return TinkProtoKeysetFormat.parseKeyset(plain, InsecureSecretKeyAccess.get())
                    .getPrimitive(RegistryConfiguration.get(), Aead.class);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    private void destroy(String keyId) {
        store.destroy(keyId);
        unwrapped.remove(keyId);
    }

    private boolean expired(WrappedDataKey key) {
        return key.getExpiresTime() != null && !clock.instant().isBefore(key.getExpiresTime());
    }

    /** Binds a wrapped key to its id: a wrapped key copied under another id does not unwrap. */
    private static byte[] ad(String keyId) {
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
