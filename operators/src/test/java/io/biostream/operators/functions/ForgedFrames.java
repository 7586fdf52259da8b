package io.biostream.operators.functions;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import io.biostream.schemas.Frame;

/**
 * Avro single-object Frames whose declared lengths lie: each claims 2^31-9 bytes or entries (the
 * largest array a JVM allows) in a record of a few dozen bytes, as an attacker's producer would
 * write them to make the job allocate 2 GiB.
 */
public final class ForgedFrames {
    /** 2^31-9: the largest Java array length, and so the largest length Avro would try to allocate. */
    public static final long FORGED_LENGTH = Integer.MAX_VALUE - 8;

    private ForgedFrames() {}

    /** The cameraId string claims {@link #FORGED_LENGTH} bytes. */
    public static byte[] stringLength() {
        return frame(out -> {
            out.writeLong(FORGED_LENGTH);
            out.writeFixed("cam-forged".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        });
    }

    /** The image bytes field claims {@link #FORGED_LENGTH} bytes. */
    public static byte[] bytesLength() {
        return frame(out -> {
            head(out);
            out.writeLong(FORGED_LENGTH);
            out.writeFixed(new byte[] {(byte) 0x89, 'P', 'N', 'G'});
        });
    }

    /** The attributes map claims {@link #FORGED_LENGTH} entries. */
    public static byte[] mapCount() {
        return frame(out -> {
            head(out);
            out.writeBytes(new byte[] {1, 2, 3});
            out.writeLong(FORGED_LENGTH);
            out.writeString("k");
            out.writeString("v");
        });
    }

    public static List<byte[]> all() {
        return List.of(stringLength(), bytesLength(), mapCount());
    }

    private interface Fields {
        void write(BinaryEncoder out) throws IOException;
    }

    /** The fields before the image bytes, all well formed. */
    private static void head(BinaryEncoder out) throws IOException {
        out.writeString("cam-forged");
        out.writeLong(1);
        out.writeLong(1_000);
        out.writeIndex(0);
        out.writeString("png");
        out.writeInt(2);
        out.writeInt(2);
    }

    private static byte[] frame(Fields fields) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            bytes.write(0xC3);
            bytes.write(0x01);
            bytes.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(SchemaNormalization.parsingFingerprint64(Frame.getClassSchema())).array());
            BinaryEncoder out = EncoderFactory.get().directBinaryEncoder(bytes, null);
            fields.write(out);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
