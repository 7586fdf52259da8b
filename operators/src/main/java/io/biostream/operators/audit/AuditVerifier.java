package io.biostream.operators.audit;

import com.google.crypto.tink.PublicKeyVerify;
import io.biostream.schemas.AuditEvent;
import io.biostream.schemas.AuditOutcome;
import io.biostream.schemas.WireFormat;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * Recomputes a trail: given its events in log order and the trail's public keys, checks each
 * event's hash, its sequence (0, 1, 2, ...), its link to the event before, its signature where it
 * has one, and that no checkpoint is missing where the cadence requires one. Stops at the first
 * bad event. Pure: no I/O.
 *
 * <p>Checks per event, in this order: decodes; well-formed; hash matches content; sequence is the
 * expected one (a later one is a gap, unless the next event carries the expected one: then the
 * two are out of order); previousHash is the previous event's hash; signature verifies, or none
 * is due.
 */
public final class AuditVerifier {
    private static final HexFormat HEX = HexFormat.of();

    private final PublicKeyVerify keys;
    private final int checkpointInterval;

    /**
     * @param keys               the trail's public keyset (any of its keys may have signed)
     * @param checkpointInterval the largest interval the trail was ever written with
     */
    public AuditVerifier(PublicKeyVerify keys, int checkpointInterval) {
        this.keys = Objects.requireNonNull(keys, "keys");
        if (checkpointInterval < 1) {
            throw new IllegalArgumentException("checkpoint interval must be at least 1: " + checkpointInterval);
        }
        this.checkpointInterval = checkpointInterval;
    }

    public AuditVerification verify(List<AuditEvent> events) {
        Run run = start();
        for (AuditEvent event : events) {
            if (!run.add(event)) {
                break;
            }
        }
        return run.finish();
    }

    /** Verifies stored values (single-object Avro), so that bytes that no longer decode are reported too. */
    public AuditVerification verifyEncoded(List<byte[]> values) {
        Run run = start();
        for (byte[] value : values) {
            if (!run.addEncoded(value)) {
                break;
            }
        }
        return run.finish();
    }

    /** An incremental verification, fed one event at a time (constant memory for long trails). */
    public Run start() {
        return new Run();
    }

    /** Verification of one trail in progress. Not thread-safe. */
    public final class Run {
        private long position;
        private long expectedSequence;
        private byte[] previousHash = new byte[AuditCanonicalForm.HASH_BYTES];
        private Long lastSigned;
        private Candidate pending;
        private Long offset;
        private AuditVerification failure;

        private Run() {}

        /** Adds the next event; false once a bad event was found (the rest need not be read). */
        public boolean add(AuditEvent event) {
            return offer(new Candidate(Objects.requireNonNull(event, "event"), null, null));
        }

        /** Adds the next stored value; one that does not decode is a bad event. */
        public boolean addEncoded(byte[] value) {
            return offer(decoded(value, null));
        }

        /** Adds the next record read from the audit topic; a failure then names its offset. */
        public boolean addStored(StoredAuditEvent stored) {
            return offer(decoded(stored.value(), stored.offset()));
        }

        private Candidate decoded(byte[] value, Long offset) {
            try {
                return new Candidate(WireFormat.decode(AuditEvent.class, value), null, offset);
            } catch (IOException | RuntimeException e) {
                return new Candidate(null, String.valueOf(e.getMessage()), offset);
            }
        }

        public AuditVerification finish() {
            if (failure == null && pending != null) {
                check(pending, null);
                pending = null;
            }
            return failure != null ? failure : AuditVerification.passed(position, lastSigned);
        }

        /** Each event is judged when the next one is known: a swap is told from a gap by looking one ahead. */
        private boolean offer(Candidate next) {
            if (failure != null) {
                return false;
            }
            if (pending != null) {
                check(pending, next);
            }
            pending = next;
            return failure == null;
        }

        private void check(Candidate candidate, Candidate next) {
            offset = candidate.offset;
            if (candidate.event == null) {
                fail(null, AuditProblem.UNDECODABLE, "the stored value is not an AuditEvent: " + candidate.decodeError);
                return;
            }
            AuditEvent event = candidate.event;
            long sequence = event.getSequence();
            byte[] recorded = AuditCanonicalForm.bytesOf(event.getHash());
            byte[] linked = AuditCanonicalForm.bytesOf(event.getPreviousHash());
            if (recorded.length != AuditCanonicalForm.HASH_BYTES || linked.length != AuditCanonicalForm.HASH_BYTES) {
                fail(sequence, AuditProblem.MALFORMED, "hash and previousHash must be 32 bytes, are "
                        + recorded.length + " and " + linked.length);
                return;
            }
            if (event.getOutcome() == AuditOutcome.UNKNOWN) {
                fail(sequence, AuditProblem.MALFORMED, "outcome unknown to this reader (written with a newer schema?)");
                return;
            }
            byte[] computed = AuditCanonicalForm.hash(event);
            if (!Arrays.equals(computed, recorded)) {
                fail(sequence, AuditProblem.HASH_MISMATCH, "content hashes to " + HEX.formatHex(computed)
                        + ", recorded " + HEX.formatHex(recorded));
                return;
            }
            if (sequence != expectedSequence) {
                boolean swapped = sequence > expectedSequence && next != null && next.event != null
                        && next.event.getSequence() == expectedSequence;
                if (sequence < expectedSequence || swapped) {
                    fail(sequence, AuditProblem.OUT_OF_ORDER, "expected sequence " + expectedSequence + ", found "
                            + sequence + (swapped ? " with " + expectedSequence + " after it" : ""));
                } else {
                    fail(sequence, AuditProblem.SEQUENCE_GAP, "expected sequence " + expectedSequence + ", found "
                            + sequence + ": " + (sequence - expectedSequence) + " event(s) missing");
                }
                return;
            }
            if (!Arrays.equals(linked, previousHash)) {
                fail(sequence, AuditProblem.BROKEN_LINK, "previousHash " + HEX.formatHex(linked)
                        + " is not the hash of the event before, " + HEX.formatHex(previousHash));
                return;
            }
            byte[] signature = AuditCanonicalForm.bytesOf(event.getSignature());
            long lastSignedOrNone = lastSigned == null ? -1 : lastSigned;
            if (signature != null) {
                try {
                    keys.verify(signature, recorded);
                } catch (GeneralSecurityException e) {
                    fail(sequence, AuditProblem.BAD_SIGNATURE, "the signature (key " + event.getSigningKeyId()
                            + ") does not verify with the trail's public keys");
                    return;
                }
                lastSigned = sequence;
            } else if (event.getSigningKeyId() != null) {
                fail(sequence, AuditProblem.MISSING_SIGNATURE, "names signing key " + event.getSigningKeyId()
                        + " but carries no signature");
                return;
            } else if (AuditChain.signatureDue(sequence, lastSignedOrNone, checkpointInterval)) {
                fail(sequence, AuditProblem.MISSING_SIGNATURE, "a signed checkpoint is due at most every "
                        + checkpointInterval + " events; the last was " + (lastSigned == null ? "none" : lastSigned));
                return;
            }
            previousHash = recorded;
            expectedSequence++;
            position++;
        }

        private void fail(Long sequence, AuditProblem problem, String detail) {
            failure = AuditVerification.failed(position, offset, sequence, lastSigned, problem, detail);
        }
    }

    /** An event (or the reason it does not decode) and, when read from the topic, its offset. */
    private record Candidate(AuditEvent event, String decodeError, Long offset) {}
}
