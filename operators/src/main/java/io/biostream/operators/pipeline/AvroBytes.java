package io.biostream.operators.pipeline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.apache.avro.Schema;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Avro single-object encoding (magic C3 01, schema fingerprint, binary body): the format of every
 * value biostream writes to Kafka and to queryable state, so readers can tell Avro from garbage
 * and know which schema version wrote it. Read with the generated {@code X.fromByteBuffer}.
 */
public final class AvroBytes {
    private static final ConcurrentMap<Schema, BinaryMessageEncoder<SpecificRecordBase>> ENCODERS = new ConcurrentHashMap<>();

    private AvroBytes() {}

    public static byte[] encode(SpecificRecordBase record) {
        BinaryMessageEncoder<SpecificRecordBase> encoder = ENCODERS.computeIfAbsent(record.getSchema(),
                schema -> new BinaryMessageEncoder<>(record.getSpecificData(), schema));
        try {
            return toArray(encoder.encode(record));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] toArray(ByteBuffer buffer) {
        ByteBuffer view = buffer.duplicate();
        byte[] out = new byte[view.remaining()];
        view.get(out);
        return out;
    }
}
