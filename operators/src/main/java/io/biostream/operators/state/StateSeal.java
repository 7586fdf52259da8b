package io.biostream.operators.state;

import io.biostream.operators.crypto.TemplateKeyRing;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import com.google.crypto.tink.Aead;

/**
 * Seals the values of the queryable states (camera-latest, subject-sightings, session-summary)
 * under a data key of the key hierarchy, so that neither a process that reaches Flink's
 * queryable-state proxy (which has no authentication: any local user in local mode) nor a copy of
 * a checkpoint or of RocksDB reads who was seen where. Only holders of the KEK (the job and the
 * API) open them.
 *
 * <p>Sealed value: {@code 'B' 'S' 1}, the key id's length (one byte) and the key id (ASCII), then
 * the AES-256-GCM ciphertext (Tink) of the clear value, with associated data naming the state and
 * its key, so a value moved to another key or state does not open. The key is a period key owned
 * by {@value #KEY_OWNER}: one a day, created by whichever subtask needs it first, expiring
 * {@link #KEY_LIFE} after its day (or earlier with the deployment's retention, by the key ring's
 * retention rule); a value is sealed again under the current key at each update. A value whose key
 * is gone opens as absent: it is older than any retention anyway.
 *
 * <p>Values written before sealing existed (Avro single-object encoding, marker {@code C3 01}) are
 * read as they are, so a job restored from an older checkpoint keeps its state; they are sealed at
 * their next update.
 */
public final class StateSeal {
    /** The owner of the state keys in the key store (not a camera id: camera ids cannot start with '~'). */
    public static final String KEY_OWNER = "~queryable-state";
    public static final Duration KEY_PERIOD = Duration.ofDays(1);
    public static final Duration KEY_LIFE = Duration.ofDays(400);
    private static final byte[] MAGIC = {'B', 'S', 1};
    private static final byte[] CONTEXT = "biostream.state.v1".getBytes(StandardCharsets.US_ASCII);

    private final TemplateKeyRing keys;
    private final Clock clock;

    public StateSeal(TemplateKeyRing keys, Clock clock) {
        this.keys = Objects.requireNonNull(keys, "keys");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    public StateSeal(TemplateKeyRing keys) {
        this(keys, Clock.systemUTC());
    }

    /** The clear value sealed under today's state key, bound to {@code state} and {@code key}. */
    public byte[] seal(String state, String key, byte[] clear) throws GeneralSecurityException {
        TemplateKeyRing.DataKey dataKey = keys.periodKey(KEY_OWNER, clock.instant(), KEY_PERIOD, KEY_LIFE);
        byte[] id = dataKey.keyId().getBytes(StandardCharsets.US_ASCII);
        if (id.length > 255) {
            throw new GeneralSecurityException("data key id longer than 255 bytes");
        }
        byte[] sealed = dataKey.aead().encrypt(clear, associatedData(state, key, id));
        return ByteBuffer.allocate(MAGIC.length + 1 + id.length + sealed.length)
                .put(MAGIC).put((byte) id.length).put(id).put(sealed).array();
    }

    /**
     * The clear value; empty when its key is gone (expired or destroyed).
     *
     * @throws GeneralSecurityException when the value does not open under its key (altered, or
     *                                  moved from another state or key)
     * @throws IllegalStateException    when the bytes are neither sealed nor a value from before sealing
     */
    public Optional<byte[]> open(String state, String key, byte[] stored) throws GeneralSecurityException {
        if (isLegacyClear(stored)) {
            return Optional.of(stored);
        }
        if (!isSealed(stored)) {
            throw new IllegalStateException("state " + state + " holds a value that is not sealed by this version ("
                    + stored.length + " bytes)");
        }
        int idLength = stored[MAGIC.length] & 0xff;
        int idStart = MAGIC.length + 1;
        if (stored.length < idStart + idLength) {
            throw new IllegalStateException("state " + state + " holds a truncated sealed value");
        }
        byte[] id = Arrays.copyOfRange(stored, idStart, idStart + idLength);
        Optional<Aead> aead = keys.aead(new String(id, StandardCharsets.US_ASCII));
        if (aead.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(aead.get().decrypt(Arrays.copyOfRange(stored, idStart + idLength, stored.length),
                associatedData(state, key, id)));
    }

    /** Whether {@code stored} is a sealed value (as opposed to a clear one from before sealing). */
    public static boolean isSealed(byte[] stored) {
        return stored != null && stored.length > MAGIC.length + 1
                && stored[0] == MAGIC[0] && stored[1] == MAGIC[1] && stored[2] == MAGIC[2];
    }

    private static boolean isLegacyClear(byte[] stored) {
        return stored != null && stored.length >= 2 && stored[0] == (byte) 0xC3 && stored[1] == (byte) 0x01;
    }

    private static byte[] associatedData(String state, String key, byte[] keyId) {
        byte[] s = state.getBytes(StandardCharsets.UTF_8);
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(CONTEXT.length + 1 + s.length + 1 + k.length + 1 + keyId.length)
                .put(CONTEXT).put((byte) 0).put(s).put((byte) 0).put(k).put((byte) 0).put(keyId).array();
    }
}
