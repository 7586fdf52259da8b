package io.biostream.operators.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.schemas.AuditEvent;
import io.biostream.schemas.AuditOutcome;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The canonical encoding, checked against an independent writing-out of its documented layout. */
class AuditCanonicalFormTest {

    private static AuditEvent event(Map<String, String> details, String subject, String signingKeyId) {
        byte[] previous = new byte[32];
        previous[31] = 7;
        return AuditEvent.newBuilder()
                .setSequence(258)
                .setTime(Instant.ofEpochMilli(1_764_064_800_123L))
                .setActor("0123456789abcdef")
                .setAction("biometric.descriptors.read")
                .setSubject(subject)
                .setOutcome(AuditOutcome.DENIED)
                .setDetails(details)
                .setPreviousHash(ByteBuffer.wrap(previous))
                .setHash(ByteBuffer.wrap(new byte[32]))
                .setSignature(null)
                .setSigningKeyId(signingKeyId)
                .build();
    }

    @Test
    void bytesFollowTheDocumentedLayout() throws Exception {
        Map<String, String> details = new LinkedHashMap<>();
        details.put("zeta", "1");
        details.put("Zeta", "é"); // 'Z' (0x5A) sorts before 'z' (0x7A)
        AuditEvent event = event(details, "lobby-1", "42");

        ByteBuffer expected = ByteBuffer.allocate(512);
        expected.put("biostream-audit-v1".getBytes(StandardCharsets.US_ASCII));
        expected.putLong(258);
        expected.putLong(1_764_064_800_123L);
        str(expected, "0123456789abcdef");
        str(expected, "biometric.descriptors.read");
        expected.put((byte) 1);
        str(expected, "lobby-1");
        str(expected, "DENIED");
        expected.putInt(2);
        str(expected, "Zeta");
        expected.putInt(2).put(new byte[] {(byte) 0xC3, (byte) 0xA9});
        str(expected, "zeta");
        str(expected, "1");
        expected.putInt(32);
        byte[] previous = new byte[32];
        previous[31] = 7;
        expected.put(previous);
        expected.put((byte) 1);
        str(expected, "42");
        byte[] layout = new byte[expected.position()];
        expected.flip().get(layout);

        assertThat(AuditCanonicalForm.bytes(event)).isEqualTo(layout);
        assertThat(AuditCanonicalForm.hash(event)).isEqualTo(MessageDigest.getInstance("SHA-256").digest(layout));
    }

    @Test
    void absentOptionalFieldsAreOneZeroByte() {
        byte[] withNone = AuditCanonicalForm.bytes(event(Map.of(), null, null));
        byte[] withSubject = AuditCanonicalForm.bytes(event(Map.of(), "s", null));
        assertThat(withSubject.length - withNone.length).isEqualTo(4 + 1);
        assertThat(withNone[withNone.length - 1]).isZero();
    }

    @Test
    void theHashIgnoresDetailOrderButNotHashOrSignatureFields() {
        Map<String, String> ab = new LinkedHashMap<>();
        ab.put("a", "1");
        ab.put("b", "2");
        Map<String, String> ba = new LinkedHashMap<>();
        ba.put("b", "2");
        ba.put("a", "1");
        AuditEvent one = event(ab, null, null);
        AuditEvent two = event(ba, null, null);
        two.setHash(ByteBuffer.wrap(new byte[] {1, 2, 3}));
        two.setSignature(ByteBuffer.wrap(new byte[] {9}));
        assertThat(AuditCanonicalForm.hash(one)).isEqualTo(AuditCanonicalForm.hash(two)).hasSize(32);
    }

    @Test
    void lengthPrefixesKeepNeighbouringFieldsApart() {
        AuditEvent a = event(Map.of(), null, null);
        AuditEvent b = event(Map.of(), null, null);
        a.setActor("ab");
        a.setAction("c.d");
        b.setActor("abc");
        b.setAction(".d");
        assertThat(AuditCanonicalForm.hash(a)).isNotEqualTo(AuditCanonicalForm.hash(b));
    }

    private static void str(ByteBuffer out, String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        out.putInt(utf8.length).put(utf8);
    }
}
