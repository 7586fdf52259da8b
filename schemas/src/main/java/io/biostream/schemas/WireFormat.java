package io.biostream.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * How biostream's records travel: Avro single-object encoding (marker C3 01, the writer schema's
 * 8-byte fingerprint, then Avro binary). Decoding accepts records written with the current schema
 * and with every released version under {@code avro-history/vN/}, resolved to the current classes;
 * anything else (garbage, another record type, an unknown version) is refused with an exception.
 *
 * <p>Before Avro reads a record, every length and count in it (strings, bytes, fixed, array and
 * map blocks, union branches) is checked against the bytes the record has left: Avro allocates a
 * declared length before reading it, so a 40-byte record declaring a 2 GiB string would otherwise
 * cost 2 GiB of heap (see {@link LengthCheck}).
 */
public final class WireFormat {
    /** Record files in an order where each one's named types come first. */
    private static final List<String> FILES = List.of("Box", "AssociatedData", "Identification", "FaceResult",
            "EncryptedTemplate", "FrameResult", "Frame", "DeadLetter", "CameraLatest", "Subject", "CaptureSession",
            "MatchSettings", "ControlEvent", "SessionSummary", "Sightings", "AuditEvent", "WrappedDataKey");
    private static final int MAX_VERSIONS = 1000;

    private static final Map<Class<?>, BinaryMessageDecoder<?>> DECODERS = new ConcurrentHashMap<>();
    /** Per record type, its writer schemas (current and released) by parsing fingerprint. */
    private static final Map<Class<?>, Map<Long, Schema>> WRITERS = new ConcurrentHashMap<>();
    private static final Map<Schema, BinaryMessageEncoder<SpecificRecordBase>> ENCODERS = new ConcurrentHashMap<>();
    private static volatile List<Map<String, Schema>> history;

    private WireFormat() {}

    public static byte[] encode(SpecificRecordBase record) {
        BinaryMessageEncoder<SpecificRecordBase> encoder = ENCODERS.computeIfAbsent(record.getSchema(),
                schema -> new BinaryMessageEncoder<>(record.getSpecificData(), schema));
        try {
            ByteBuffer buffer = encoder.encode(record);
            byte[] out = new byte[buffer.remaining()];
            buffer.get(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Decodes a record of {@code type} written with the current or any released schema version. */
    public static <T extends SpecificRecordBase> T decode(Class<T> type, byte[] bytes) throws IOException {
        @SuppressWarnings("unchecked")
        BinaryMessageDecoder<T> decoder = (BinaryMessageDecoder<T>) DECODERS.computeIfAbsent(type, t -> decoderFor(type));
        checkLengths(type, bytes);
        return decoder.decode(ByteBuffer.wrap(bytes));
    }

    /**
     * Refuses a single-object record whose lengths or counts exceed what it holds, before Avro
     * allocates them. A record with a bad header or an unknown fingerprint is left to Avro's own
     * refusal (it allocates nothing for those).
     */
    private static void checkLengths(Class<? extends SpecificRecordBase> type, byte[] bytes) throws IOException {
        if (bytes.length < HEADER_BYTES || bytes[0] != (byte) 0xC3 || bytes[1] != 0x01) {
            return;
        }
        long fingerprint = ByteBuffer.wrap(bytes, 2, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        Schema writer = WRITERS.computeIfAbsent(type, WireFormat::writersOf).get(fingerprint);
        if (writer != null) {
            new LengthCheck(bytes, HEADER_BYTES).skip(writer, 0);
        }
    }

    private static final int HEADER_BYTES = 10;

    private static Map<Long, Schema> writersOf(Class<?> type) {
        Schema current = SpecificData.getForClass(type).getSchema(type);
        Map<Long, Schema> byFingerprint = new ConcurrentHashMap<>();
        byFingerprint.put(SchemaNormalization.parsingFingerprint64(current), current);
        for (Map<String, Schema> version : history()) {
            Schema old = version.get(current.getFullName());
            if (old != null) {
                byFingerprint.putIfAbsent(SchemaNormalization.parsingFingerprint64(old), old);
            }
        }
        return byFingerprint;
    }

    /**
     * Walks Avro binary data along its writer schema without building anything, refusing any
     * length or count larger than the bytes left in the record (a string or bytes value takes its
     * length; an array or map item of our schemas at least one byte).
     */
    static final class LengthCheck {
        private static final int MAX_DEPTH = 64;
        private final byte[] bytes;
        private int pos;

        LengthCheck(byte[] bytes, int start) {
            this.bytes = bytes;
            this.pos = start;
        }

        void skip(Schema schema, int depth) throws IOException {
            if (depth > MAX_DEPTH) {
                throw new IOException("record nests deeper than " + MAX_DEPTH + " levels");
            }
            switch (schema.getType()) {
                case NULL -> { }
                case BOOLEAN -> advance(1, "boolean");
                case INT, LONG, ENUM -> readLong();
                case FLOAT -> advance(4, "float");
                case DOUBLE -> advance(8, "double");
                case STRING, BYTES -> advance(length(schema.getType().getName()), schema.getType().getName());
                case FIXED -> advance(schema.getFixedSize(), "fixed " + schema.getFullName());
                case UNION -> {
                    long branch = readLong();
                    if (branch < 0 || branch >= schema.getTypes().size()) {
                        throw new IOException("union branch " + branch + " at byte " + pos + " of " + schema.getTypes().size());
                    }
                    skip(schema.getTypes().get((int) branch), depth + 1);
                }
                case RECORD -> {
                    for (Schema.Field field : schema.getFields()) {
                        skip(field.schema(), depth + 1);
                    }
                }
                case ARRAY -> {
                    for (long count = blockCount("array"); count > 0; count = blockCount("array")) {
                        for (long i = 0; i < count; i++) {
                            skip(schema.getElementType(), depth + 1);
                        }
                    }
                }
                case MAP -> {
                    for (long count = blockCount("map"); count > 0; count = blockCount("map")) {
                        for (long i = 0; i < count; i++) {
                            advance(length("map key"), "map key");
                            skip(schema.getValueType(), depth + 1);
                        }
                    }
                }
            }
        }

        /** An array or map block's item count (a negative count is followed by the block's size in bytes). */
        private long blockCount(String what) throws IOException {
            int at = pos;
            long count = readLong();
            if (count < 0) {
                if (count == Long.MIN_VALUE) {
                    throw new IOException(what + " count " + count + " at byte " + at);
                }
                count = -count;
                long size = readLong();
                if (size < 0 || size > left()) {
                    throw new IOException(what + " block of " + size + " bytes at byte " + at + " exceeds the " + left() + " bytes left");
                }
            }
            if (count > left()) {
                throw new IOException(what + " count " + count + " at byte " + at + " exceeds the " + left() + " bytes left");
            }
            return count;
        }

        private long length(String what) throws IOException {
            int at = pos;
            long length = readLong();
            if (length < 0 || length > left()) {
                throw new IOException(what + " length " + length + " at byte " + at + " exceeds the " + left() + " bytes left");
            }
            return length;
        }

        private void advance(long n, String what) throws IOException {
            if (n > left()) {
                throw new IOException(what + " at byte " + pos + " needs " + n + " bytes, " + left() + " left");
            }
            pos += (int) n;
        }

        private int left() {
            return bytes.length - pos;
        }

        /** A zig-zag varint of at most 10 bytes. */
        private long readLong() throws IOException {
            long raw = 0;
            for (int shift = 0; shift < 70; shift += 7) {
                if (pos >= bytes.length) {
                    throw new IOException("record ends inside a number at byte " + pos);
                }
                int b = bytes[pos++] & 0xff;
                raw |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    return (raw >>> 1) ^ -(raw & 1);
                }
            }
            throw new IOException("number longer than 10 bytes at byte " + pos);
        }
    }

    private static <T extends SpecificRecordBase> BinaryMessageDecoder<T> decoderFor(Class<T> type) {
        SpecificData model = SpecificData.getForClass(type);
        Schema current = model.getSchema(type);
        BinaryMessageDecoder<T> decoder = new BinaryMessageDecoder<>(model, current);
        for (Map<String, Schema> version : history()) {
            Schema old = version.get(current.getFullName());
            if (old != null && !old.equals(current)) {
                decoder.addSchema(old);
            }
        }
        return decoder;
    }

    /** Every released version's schemas by full name, v1 first. */
    private static List<Map<String, Schema>> history() {
        if (history == null) {
            List<Map<String, Schema>> versions = new ArrayList<>();
            for (int v = 1; v < MAX_VERSIONS; v++) {
                Map<String, Schema> version = loadVersion(v);
                if (version.isEmpty()) {
                    break;
                }
                versions.add(version);
            }
            history = List.copyOf(versions);
        }
        return history;
    }

    private static Map<String, Schema> loadVersion(int v) {
        Schema.Parser parser = new Schema.Parser();
        Map<String, Schema> byName = new ConcurrentHashMap<>();
        for (String file : FILES) {
            String resource = "avro-history/v" + v + "/" + file + ".avsc";
            try (InputStream in = WireFormat.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) {
                    continue; // a record type that did not exist in that version
                }
                Schema schema = parser.parse(in);
                byName.put(schema.getFullName(), schema);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + resource, e);
            }
        }
        return byName;
    }
}
