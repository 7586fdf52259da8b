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
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * How biostream's records travel: Avro single-object encoding (marker C3 01, the writer schema's
 * 8-byte fingerprint, then Avro binary). Decoding accepts records written with the current schema
 * and with every released version under {@code avro-history/vN/}, resolved to the current classes;
 * anything else (garbage, another record type, an unknown version) is refused with an exception.
 */
public final class WireFormat {
    /** Record files in an order where each one's named types come first. */
    private static final List<String> FILES = List.of("Box", "AssociatedData", "Identification", "FaceResult",
            "EncryptedTemplate", "FrameResult", "Frame", "DeadLetter", "CameraLatest", "Subject", "CaptureSession",
            "MatchSettings", "ControlEvent", "SessionSummary", "Sightings", "AuditEvent", "WrappedDataKey");
    private static final int MAX_VERSIONS = 1000;

    private static final Map<Class<?>, BinaryMessageDecoder<?>> DECODERS = new ConcurrentHashMap<>();
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
        return decoder.decode(ByteBuffer.wrap(bytes));
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
