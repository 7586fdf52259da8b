package io.biostream.operators.crypto;

import io.biostream.schemas.WrappedDataKey;
import java.util.Collection;
import java.util.Optional;

/**
 * The durable home of wrapped data keys, shared by the job and the API. Destroying a key removes
 * it for good: every template sealed under it becomes unreadable (crypto-shredding).
 */
public interface DataKeyStore extends AutoCloseable {
    /** Stores the key durably before returning. */
    void put(WrappedDataKey key);

    /** Destroys the key durably before returning; destroying an absent key does nothing. */
    void destroy(String keyId);

    /**
     * The key if the store holds it. A key not seen yet may have been written by another process
     * just now: implementations catch up with the durable store before answering no.
     */
    Optional<WrappedDataKey> get(String keyId);

    /** Every key held now, as last seen (no catch-up). */
    Collection<WrappedDataKey> all();

    @Override
    void close();
}
