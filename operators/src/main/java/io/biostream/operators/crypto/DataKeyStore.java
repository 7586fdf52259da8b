package io.biostream.operators.crypto;

import io.biostream.schemas.DataKeyScope;
import io.biostream.schemas.WrappedDataKey;
import java.util.Collection;
import java.util.Optional;

/**
 * The durable home of wrapped data keys, shared by the job and the API. A key's record is stored
 * under its key id; its destruction as a destruction record (a {@link WrappedDataKey} with
 * {@code destroyedTime} set) under {@link #destructionKey}, which a later record of the key never
 * undoes: once destroyed, an id stays destroyed, also after a restart that reads the store again.
 * The store checks the shape of what it holds (record key = key id); the authenticity of a record
 * (its KEK-bound associated data) is the {@link TemplateKeyRing}'s to check.
 */
public interface DataKeyStore extends AutoCloseable {
    /** Prefix of the record key of a destruction record: {@code destroyed:<key id>}. */
    String DESTROYED = "destroyed:";

    static String destructionKey(String keyId) {
        return DESTROYED + keyId;
    }

    /** Stores the key durably before returning; a key whose id is destroyed is not stored. */
    void put(WrappedDataKey key);

    /**
     * Destroys the key durably before returning: writes {@code destruction} (when not null) so that
     * the id stays destroyed, then removes the key's own record (its wrapped bytes leave the store).
     * A null destruction only removes the record (a key past its authenticated expiry: a replay of
     * it is expired too).
     */
    void destroy(String keyId, WrappedDataKey destruction);

    /**
     * The live key record if the store holds one. A key not seen yet may have been written by
     * another process just now: implementations catch up with the durable store before answering no.
     *
     * @throws KeyStoreUnavailableException when the store cannot tell (not read yet, or unreachable)
     */
    Optional<WrappedDataKey> get(String keyId);

    /** The destruction record of the key as stored (not authenticated here), if any. */
    Optional<WrappedDataKey> destruction(String keyId);

    /**
     * The live key records of one owner, as last seen (no catch-up), found through an index.
     *
     * @throws KeyStoreUnavailableException when the store has not been read yet
     */
    Collection<WrappedDataKey> owned(DataKeyScope scope, String owner);

    /**
     * Every live key record held now, as last seen (no catch-up).
     *
     * @throws KeyStoreUnavailableException when the store has not been read yet
     */
    Collection<WrappedDataKey> all();

    /** Whether the keys stored so far have been read (a store that opened during an outage has not, yet). */
    default boolean ready() {
        return true;
    }

    /** How many stored records were refused (undecodable, record key not their key id, replayed after destruction). */
    long refusedRecords();

    @Override
    void close();
}
