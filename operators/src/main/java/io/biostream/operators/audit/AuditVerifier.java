package io.biostream.operators.audit;

import com.google.crypto.tink.PublicKeyVerify;
import io.biostream.schemas.AuditEvent;
import io.biostream.schemas.AuditOutcome;
import io.biostream.schemas.WireFormat;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
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
        return new Run(0, 0, new byte[AuditCanonicalForm.HASH_BYTES], null);
    }

    /**
     * A verification that continues after a signed checkpoint verified earlier (by this verifier,
     * or recorded by the trail's writer): fed the events after it, it checks them as if the whole
     * trail before had been read again.
     */
    public Run resume(AuditCheckpoint after) {
        Objects.requireNonNull(after, "after");
        return new Run(after.events(), after.sequence() + 1, after.hash(), after.sequence());
    }

    /** Verification of one trail in progress. Not thread-safe. */
    public final class Run {
        private long position;
        private long expectedSequence;
        private byte[] previousHash;
        private Long lastSigned;
        private AuditCheckpoint lastCheckpoint;
        private AuditCheckpoint lastVerified;
        private Candidate pending;
        private Long offset;
        /** The first bad event since the last good one; cleared by a signed break event after it. */
        private AuditVerification failure;
        private final List<AuditBreak> breaks = new ArrayList<>();

        private Run(long position, long expectedSequence, byte[] previousHash, Long lastSigned) {
            this.position = position;
            this.expectedSequence = expectedSequence;
            this.previousHash = previousHash.clone();
            this.lastSigned = lastSigned;
        }

        /**
         * Adds the next event. A bad event does not end the run: a signed break event the writer
         * appended after it can still account for it, so keep feeding events to the end.
         */
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

        /** The newest signed checkpoint verified so far (null if none), from which a later run can resume. */
        public AuditCheckpoint lastCheckpoint() {
            return lastCheckpoint;
        }

        /** The newest event verified so far (null if none), signed or not. */
        public AuditCheckpoint lastVerified() {
            return lastVerified;
        }

        /** The signed break events met so far, each with what it accounts for. */
        public List<AuditBreak> breaks() {
            return List.copyOf(breaks);
        }

        /** The highest sequence any decodable event carried so far (-1 if none): a writer continues above it. */
        public long highestSequence() {
            return highestSequence;
        }

        private long highestSequence = -1;

        private Candidate decoded(byte[] value, Long offset) {
            try {
                return new Candidate(WireFormat.decode(AuditEvent.class, value), null, offset);
            } catch (IOException | RuntimeException e) {
                return new Candidate(null, String.valueOf(e.getMessage()), offset);
            }
        }

        public AuditVerification finish() {
            if (pending != null) {
                judge(pending, null);
                pending = null;
            }
            return failure != null ? failure.withBreaks(breaks) : AuditVerification.passed(position, lastSigned, breaks);
        }

        /** Each event is judged when the next one is known: a swap is told from a gap by looking one ahead. */
        private boolean offer(Candidate next) {
            if (pending != null) {
                judge(pending, next);
            }
            pending = next;
            return true;
        }

        private void judge(Candidate candidate, Candidate next) {
            if (candidate.event != null) {
                highestSequence = Math.max(highestSequence, candidate.event.getSequence());
            }
            if (isBreak(candidate)) {
                acceptBreak(candidate);
            } else if (failure == null) {
                check(candidate, next);
            }
        }

        /**
         * A signed break event, with a sequence above every good one before it: the writer's signed
         * statement that the trail before it, after the event it links to, is not its own (events
         * appended by someone else, a record that does not decode, a cut). Only the holder of the
         * signing key can write one, and an old one replayed has a lower sequence.
         */
        private boolean isBreak(Candidate candidate) {
            AuditEvent event = candidate.event;
            if (event == null || !AuditActions.BREAK.equals(event.getAction()) || event.getSignature() == null
                    || event.getSequence() < expectedSequence || event.getOutcome() == AuditOutcome.UNKNOWN) {
                return false;
            }
            byte[] recorded = AuditCanonicalForm.bytesOf(event.getHash());
            if (recorded.length != AuditCanonicalForm.HASH_BYTES
                    || AuditCanonicalForm.bytesOf(event.getPreviousHash()).length != AuditCanonicalForm.HASH_BYTES
                    || !Arrays.equals(AuditCanonicalForm.hash(event), recorded)) {
                return false;
            }
            try {
                keys.verify(AuditCanonicalForm.bytesOf(event.getSignature()), recorded);
                return true;
            } catch (GeneralSecurityException e) {
                return false;
            }
        }

        private void acceptBreak(Candidate candidate) {
            AuditEvent event = candidate.event;
            breaks.add(new AuditBreak(event.getSequence(), candidate.offset, event.getDetails().get("reason"),
                    failure == null ? null : failure.problem(), failure == null ? null : failure.detail(),
                    failure == null ? null : failure.firstBadOffset()));
            failure = null;
            expectedSequence = event.getSequence();
            previousHash = AuditCanonicalForm.bytesOf(event.getPreviousHash());
            offset = candidate.offset;
            passed(event, AuditCanonicalForm.bytesOf(event.getHash()), true);
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
                passed(event, recorded, true);
                return;
            } else if (event.getSigningKeyId() != null) {
                fail(sequence, AuditProblem.MISSING_SIGNATURE, "names signing key " + event.getSigningKeyId()
                        + " but carries no signature");
                return;
            } else if (AuditChain.signatureDue(sequence, lastSignedOrNone, checkpointInterval)) {
                fail(sequence, AuditProblem.MISSING_SIGNATURE, "a signed checkpoint is due at most every "
                        + checkpointInterval + " events; the last was " + (lastSigned == null ? "none" : lastSigned));
                return;
            }
            passed(event, recorded, false);
        }

        private void passed(AuditEvent event, byte[] hash, boolean signed) {
            long sequence = event.getSequence();
            position++;
            lastVerified = new AuditCheckpoint(position, sequence, hash, offset);
            if (signed) {
                lastSigned = sequence;
                lastCheckpoint = lastVerified;
            }
            previousHash = hash;
            expectedSequence = sequence + 1;
        }

        private void fail(Long sequence, AuditProblem problem, String detail) {
            failure = AuditVerification.failed(position, offset, sequence, lastSigned, problem, detail);
        }
    }

    /** An event (or the reason it does not decode) and, when read from the topic, its offset. */
    private record Candidate(AuditEvent event, String decodeError, Long offset) {}
}
