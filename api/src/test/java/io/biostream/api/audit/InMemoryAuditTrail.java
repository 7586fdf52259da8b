package io.biostream.api.audit;

import com.google.crypto.tink.KeysetHandle;
import io.biostream.operators.audit.AuditChain;
import io.biostream.operators.audit.AuditEntry;
import io.biostream.operators.audit.AuditSigningKeys;
import io.biostream.operators.audit.AuditSink;
import io.biostream.operators.audit.AuditUnavailableException;
import io.biostream.operators.audit.AuditVerifier;
import io.biostream.operators.audit.ChainHead;
import io.biostream.operators.audit.StoredAuditEvent;
import io.biostream.schemas.AuditEvent;
import io.biostream.schemas.WireFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The route tests' audit trail: the real chain (hashes, Ed25519 checkpoints) over a list of stored
 * values instead of the topic, readable through the same interface as the Kafka reader, and open
 * to tampering and to outages.
 */
public final class InMemoryAuditTrail implements AuditSink, AuditReader {
    public static final int INTERVAL = 4;

    private final KeysetHandle keys;
    private final AuditChain chain;
    private final List<byte[]> stored = new ArrayList<>();
    private volatile AuditUnavailableException unavailable;

    public InMemoryAuditTrail() throws GeneralSecurityException {
        keys = AuditSigningKeys.generate();
        chain = new AuditChain(AuditSigningKeys.signer(keys), AuditSigningKeys.keyId(keys), INTERVAL,
                Clock.systemUTC(), ChainHead.genesis());
    }

    public AuditTrail trail() throws GeneralSecurityException {
        return new AuditTrail(this, this, new AuditVerifier(AuditSigningKeys.verifier(
                AuditSigningKeys.publicKeyset(keys)), INTERVAL));
    }

    @Override
    public synchronized AuditEvent record(AuditEntry entry) {
        if (unavailable != null) {
            throw unavailable;
        }
        AuditEvent event = chain.append(entry);
        stored.add(WireFormat.encode(event));
        return event;
    }

    @Override
    public synchronized List<StoredAuditEvent> read(long from, int limit) {
        throwIfUnavailable();
        List<StoredAuditEvent> page = new ArrayList<>();
        for (long i = from; i < stored.size() && page.size() < limit; i++) {
            page.add(new StoredAuditEvent(i, stored.get((int) i).clone()));
        }
        return page;
    }

    @Override
    public void readFrom(long from, Predicate<StoredAuditEvent> each) {
        List<StoredAuditEvent> all = read(from, Integer.MAX_VALUE);
        for (StoredAuditEvent event : all) {
            if (!each.test(event)) {
                return;
            }
        }
    }

    public synchronized int size() {
        return stored.size();
    }

    /** The decoded events from {@code from} on. */
    public synchronized List<AuditEvent> events(int from) {
        List<AuditEvent> out = new ArrayList<>();
        for (int i = from; i < stored.size(); i++) {
            try {
                out.add(WireFormat.decode(AuditEvent.class, stored.get(i)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return out;
    }

    /** Replaces the stored value at {@code position} (tampering with the store). */
    public synchronized void replace(int position, byte[] value) {
        stored.set(position, value.clone());
    }

    public synchronized byte[] storedAt(int position) {
        return stored.get(position).clone();
    }

    public void failWith(AuditUnavailableException e) {
        unavailable = e;
    }

    private void throwIfUnavailable() {
        if (unavailable != null) {
            throw unavailable;
        }
    }
}
