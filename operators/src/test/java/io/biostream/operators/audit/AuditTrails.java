package io.biostream.operators.audit;

import com.google.crypto.tink.KeysetHandle;
import io.biostream.schemas.AuditEvent;
import io.biostream.schemas.AuditOutcome;
import io.biostream.schemas.WireFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Builds real signed trails for the tests. */
final class AuditTrails {
    static final int INTERVAL = 5;

    private AuditTrails() {}

    static AuditChain chain(KeysetHandle keys, ChainHead head) throws GeneralSecurityException {
        return new AuditChain(AuditSigningKeys.signer(keys), AuditSigningKeys.keyId(keys), INTERVAL,
                Clock.fixed(Instant.parse("2026-11-25T10:00:00.123456Z"), ZoneOffset.UTC), head);
    }

    /** Varied entries: each field differs between events, and some have no subject. */
    static AuditEntry entry(int i) {
        AuditOutcome outcome = AuditOutcome.values()[i % 3];
        String subject = i % 4 == 3 ? null : "cam-" + (i % 7);
        return AuditEntry.of("key" + (i % 3), i % 2 == 0 ? AuditActions.DESCRIPTORS_READ : AuditActions.REQUEST_DENIED,
                subject, outcome, Map.of("sequence", Long.toString(1000 + i), "faces", Integer.toString(i % 5)));
    }

    static List<AuditEvent> trail(KeysetHandle keys, int events) throws GeneralSecurityException {
        AuditChain chain = chain(keys, ChainHead.genesis());
        List<AuditEvent> out = new ArrayList<>();
        for (int i = 0; i < events; i++) {
            out.add(chain.append(entry(i)));
        }
        return out;
    }

    /** Independent copies through the wire format, so tampering with one touches nothing else. */
    static List<AuditEvent> copy(List<AuditEvent> events) {
        List<AuditEvent> out = new ArrayList<>();
        for (AuditEvent event : events) {
            out.add(copy(event));
        }
        return out;
    }

    static AuditEvent copy(AuditEvent event) {
        try {
            return WireFormat.decode(AuditEvent.class, WireFormat.encode(event));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
