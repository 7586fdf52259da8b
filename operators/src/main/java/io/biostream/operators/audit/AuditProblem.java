package io.biostream.operators.audit;

import java.util.Locale;

/** Why verification stopped at an event. */
public enum AuditProblem {
    /** The stored bytes are not an AuditEvent (altered framing, another record type). */
    UNDECODABLE,
    /** A hash of the wrong length, or an outcome this reader does not know. */
    MALFORMED,
    /** The event's content does not hash to its recorded hash: a field was altered. */
    HASH_MISMATCH,
    /** A sequence number is skipped: events are missing before this one. */
    SEQUENCE_GAP,
    /** The event stands where another should: events were reordered or replayed. */
    OUT_OF_ORDER,
    /** The event does not link to the hash of the event before it: that one was replaced. */
    BROKEN_LINK,
    /** The signature does not verify with the trail's public keys. */
    BAD_SIGNATURE,
    /** A checkpoint is due (or the event names a signing key) but no signature is there. */
    MISSING_SIGNATURE;

    /** The name in JSON answers: {@code hash_mismatch}, ... */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
