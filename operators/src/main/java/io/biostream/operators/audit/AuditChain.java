package io.biostream.operators.audit;

import com.google.crypto.tink.PublicKeySign;
import io.biostream.schemas.AuditEvent;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;

/**
 * Turns audit entries into chained events: each gets the next sequence, the current time, the hash
 * of the event before it and its own hash ({@link AuditCanonicalForm}); every event that is
 * {@code checkpointInterval} events after the last signed one, and any event appended with
 * {@link #appendSigned}, is signed with Ed25519 over its hash. Pure: no I/O.
 *
 * <p>Thread-safe, but a trail must have exactly one chain writing it: two chains appending to the
 * same topic would fork it, and verification fails at the first event of the second.
 */
public final class AuditChain {
    /** Signed checkpoints every 10 events unless configured otherwise. */
    public static final int DEFAULT_CHECKPOINT_INTERVAL = 10;

    private final PublicKeySign signer;
    private final String signingKeyId;
    private final int checkpointInterval;
    private final Clock clock;

    private long nextSequence;
    private byte[] previousHash;
    private long lastSignedSequence;

    /**
     * @param signer             Ed25519 signer of the trail's signing keyset
     * @param signingKeyId       the id recorded with each signature (the keyset's primary key id)
     * @param checkpointInterval at most this many events from one signed event to the next (1 signs all)
     * @param clock              the events' time
     * @param head               where the chain continues (genesis for a new trail)
     */
    public AuditChain(PublicKeySign signer, String signingKeyId, int checkpointInterval, Clock clock, ChainHead head) {
        this.signer = Objects.requireNonNull(signer, "signer");
        this.signingKeyId = Objects.requireNonNull(signingKeyId, "signingKeyId");
        if (checkpointInterval < 1) {
            throw new IllegalArgumentException("checkpoint interval must be at least 1: " + checkpointInterval);
        }
        this.checkpointInterval = checkpointInterval;
        this.clock = Objects.requireNonNull(clock, "clock");
        reset(head);
    }

    /** Appends the entry, signed when a checkpoint is due. */
    public synchronized AuditEvent append(AuditEntry entry) {
        return append(entry, signatureDue(nextSequence, lastSignedSequence, checkpointInterval));
    }

    /** Appends the entry and signs it whether or not a checkpoint is due. */
    public synchronized AuditEvent appendSigned(AuditEntry entry) {
        return append(entry, true);
    }

    /** Where the next event goes. */
    public synchronized ChainHead head() {
        return new ChainHead(nextSequence, previousHash, lastSignedSequence);
    }

    /** Continues from another head, e.g. re-read from the topic after a failed write. */
    public synchronized void reset(ChainHead head) {
        Objects.requireNonNull(head, "head");
        this.nextSequence = head.nextSequence();
        this.previousHash = head.previousHash();
        this.lastSignedSequence = head.lastSignedSequence();
    }

    public int checkpointInterval() {
        return checkpointInterval;
    }

    /** The cadence rule the verifier applies too: signed when {@code interval} events after the last signed one. */
    public static boolean signatureDue(long sequence, long lastSignedSequence, int interval) {
        return sequence - lastSignedSequence >= interval;
    }

    private AuditEvent append(AuditEntry entry, boolean sign) {
        Objects.requireNonNull(entry, "entry");
        AuditEvent event = AuditEvent.newBuilder()
                .setSequence(nextSequence)
                .setTime(Instant.ofEpochMilli(clock.millis())) // the wire keeps milliseconds; hash what it keeps
                .setActor(entry.actor())
                .setAction(entry.action())
                .setSubject(entry.subject())
                .setOutcome(entry.outcome())
                .setDetails(entry.details())
                .setPreviousHash(ByteBuffer.wrap(previousHash.clone()))
                .setHash(ByteBuffer.allocate(0))
                .setSignature(null)
                .setSigningKeyId(sign ? signingKeyId : null)
                .build();
        byte[] hash = AuditCanonicalForm.hash(event);
        event.setHash(ByteBuffer.wrap(hash.clone()));
        if (sign) {
            try {
                event.setSignature(ByteBuffer.wrap(signer.sign(hash)));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("signing audit event " + nextSequence + " failed", e);
            }
            lastSignedSequence = nextSequence;
        }
        nextSequence++;
        previousHash = hash;
        return event;
    }
}
