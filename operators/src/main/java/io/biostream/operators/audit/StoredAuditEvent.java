package io.biostream.operators.audit;

import io.biostream.schemas.AuditEvent;
import io.biostream.schemas.WireFormat;
import java.io.IOException;

/** One record of the audit topic as stored: its offset and its value bytes (single-object Avro). */
public record StoredAuditEvent(long offset, byte[] value) {

    /** The event; throws when the value is not (or no longer) an AuditEvent. */
    public AuditEvent decode() throws IOException {
        if (value == null) {
            throw new IOException("record at offset " + offset + " has no value");
        }
        try {
            return WireFormat.decode(AuditEvent.class, value);
        } catch (RuntimeException e) {
            throw new IOException("record at offset " + offset + " is not an AuditEvent: " + e.getMessage(), e);
        }
    }
}
