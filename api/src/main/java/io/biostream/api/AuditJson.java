package io.biostream.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.biostream.operators.audit.AuditCanonicalForm;
import io.biostream.operators.audit.AuditVerification;
import io.biostream.operators.audit.StoredAuditEvent;
import io.biostream.schemas.AuditEvent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** JSON shapes of the audit routes. Hashes are hex, signatures base64. */
final class AuditJson {
    private static final HexFormat HEX = HexFormat.of();

    private AuditJson() {}

    record Page(long from, Long next, List<Event> events) {}

    /** One stored event; a record that does not decode has only its position and {@code undecodable}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Event(long position, Long sequence, Instant time, String actor, String action, String subject,
                 String outcome, Map<String, String> details, String previousHash, String hash, String signature,
                 String signingKeyId, String undecodable) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Verification(boolean ok, long events, Long lastSignedSequence, Long unsignedTail, BadEvent firstBadEvent,
                        String reason, String detail, List<Break> breaks) {}

    /** A signed break event: the writer's record of damage it wrote past, and what the verifier found there. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Break(long sequence, Long offset, String reason, String problem, String detail, Long problemOffset) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record BadEvent(long position, Long offset, Long sequence) {}

    static Page page(long from, List<StoredAuditEvent> stored) {
        Long next = stored.isEmpty() ? null : stored.get(stored.size() - 1).offset() + 1;
        return new Page(from, next, stored.stream().map(AuditJson::event).toList());
    }

    static Event event(StoredAuditEvent stored) {
        AuditEvent e;
        try {
            e = stored.decode();
        } catch (IOException ex) {
            return new Event(stored.offset(), null, null, null, null, null, null, null, null, null, null, null,
                    "the stored value is not an AuditEvent");
        }
        return new Event(stored.offset(), e.getSequence(), e.getTime(), e.getActor(), e.getAction(), e.getSubject(),
                e.getOutcome().name(), e.getDetails(), hex(e.getPreviousHash()), hex(e.getHash()),
                base64(e.getSignature()), e.getSigningKeyId(), null);
    }

    static Verification verification(AuditVerification v) {
        List<Break> breaks = v.breaks().stream().map(b -> new Break(b.sequence(), b.offset(), b.reason(),
                b.problem() == null ? null : b.problem().wireName(), b.detail(), b.problemOffset())).toList();
        if (v.ok()) {
            return new Verification(true, v.events(), v.lastSignedSequence(), v.unsignedTail(), null, null, null, breaks);
        }
        return new Verification(false, v.events(), v.lastSignedSequence(), null,
                new BadEvent(v.firstBadEvent(), v.firstBadOffset(), v.firstBadSequence()),
                v.problem().wireName(), v.detail(), breaks);
    }

    private static String hex(ByteBuffer bytes) {
        return HEX.formatHex(AuditCanonicalForm.bytesOf(bytes));
    }

    private static String base64(ByteBuffer bytes) {
        return bytes == null ? null : Base64.getEncoder().encodeToString(AuditCanonicalForm.bytesOf(bytes));
    }
}
