package io.biostream.operators.audit;

import io.biostream.schemas.AuditEvent;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The bytes an audit event's hash covers, and the hash. Avro's binary encoding is not used for
 * this: it depends on the writer schema, and a reader on another schema version must be able to
 * recompute the same bytes from the decoded fields.
 *
 * <p>Canonical encoding, version 1. Integers are big-endian two's complement; {@code str} is an
 * int32 byte length followed by the UTF-8 bytes; {@code bin} is an int32 length followed by the
 * bytes; {@code opt} is one byte 0 (absent) or 1 followed by a {@code str}. In this order:
 * <ol>
 *   <li>the 18 ASCII bytes {@code biostream-audit-v1} (domain and version, no length prefix)</li>
 *   <li>int64 {@code sequence}</li>
 *   <li>int64 {@code time} in milliseconds since the epoch (UTC)</li>
 *   <li>str {@code actor}</li>
 *   <li>str {@code action}</li>
 *   <li>opt {@code subject}</li>
 *   <li>str {@code outcome}: the enum symbol's name ({@code SUCCESS}, {@code DENIED}, {@code FAILED})</li>
 *   <li>int32 number of {@code details} entries, then per entry, in ascending order of the key's
 *       UTF-8 bytes compared as unsigned bytes: str key, str value</li>
 *   <li>bin {@code previousHash}</li>
 *   <li>opt {@code signingKeyId}</li>
 * </ol>
 * {@code hash} = SHA-256 of these bytes. Every field but {@code hash} and {@code signature} is
 * covered; the signature (on checkpoint events) is Ed25519 over the 32 hash bytes. Because
 * {@code signingKeyId} is covered, stripping a checkpoint's signature is detected as well.
 */
public final class AuditCanonicalForm {
    public static final int HASH_BYTES = 32;
    static final byte[] DOMAIN = "biostream-audit-v1".getBytes(StandardCharsets.US_ASCII);

    private AuditCanonicalForm() {}

    /** The canonical bytes of {@code event} (its hash and signature are ignored). */
    public static byte[] bytes(AuditEvent event) {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(buffer)) {
            out.write(DOMAIN);
            out.writeLong(event.getSequence());
            out.writeLong(event.getTime().toEpochMilli());
            str(out, event.getActor());
            str(out, event.getAction());
            opt(out, event.getSubject());
            str(out, event.getOutcome().name());
            List<byte[][]> details = sortedDetails(event.getDetails());
            out.writeInt(details.size());
            for (byte[][] entry : details) {
                bin(out, entry[0]);
                bin(out, entry[1]);
            }
            bin(out, bytesOf(event.getPreviousHash()));
            opt(out, event.getSigningKeyId());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return buffer.toByteArray();
    }

    /** SHA-256 of {@link #bytes}. */
    public static byte[] hash(AuditEvent event) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes(event));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java runtime", e);
        }
    }

    /** The remaining bytes of an Avro bytes field, without moving its position. */
    public static byte[] bytesOf(ByteBuffer buffer) {
        if (buffer == null) {
            return null;
        }
        ByteBuffer copy = buffer.duplicate();
        byte[] out = new byte[copy.remaining()];
        copy.get(out);
        return out;
    }

    private static List<byte[][]> sortedDetails(Map<String, String> details) {
        List<byte[][]> entries = new ArrayList<>(details.size());
        details.forEach((k, v) -> entries.add(new byte[][] {utf8(k), utf8(v)}));
        entries.sort((a, b) -> Arrays.compareUnsigned(a[0], b[0]));
        return entries;
    }

    private static void str(DataOutputStream out, String text) throws IOException {
        bin(out, utf8(text));
    }

    private static void opt(DataOutputStream out, String text) throws IOException {
        if (text == null) {
            out.writeByte(0);
        } else {
            out.writeByte(1);
            str(out, text);
        }
    }

    private static void bin(DataOutputStream out, byte[] bytes) throws IOException {
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
