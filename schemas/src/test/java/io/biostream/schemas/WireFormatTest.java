package io.biostream.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.io.ByteArrayOutputStream;
import java.nio.ByteOrder;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageEncoder;
import org.junit.jupiter.api.Test;

/** Records of a released schema version (avro-history/v1) decode into today's classes. */
class WireFormatTest {

    private static Schema v1(String... files) throws IOException {
        Schema.Parser parser = new Schema.Parser();
        Schema last = null;
        for (String file : files) {
            try (InputStream in = WireFormatTest.class.getClassLoader().getResourceAsStream("avro-history/v1/" + file + ".avsc")) {
                last = parser.parse(in);
            }
        }
        return last;
    }

    @Test
    void aFrameResultWrittenWithVersion1DecodesWithTheNewFieldsAtTheirDefaults() throws Exception {
        Schema frameResultV1 = v1("Box", "AssociatedData", "FaceResult", "EncryptedTemplate", "FrameResult");
        Schema faceV1 = frameResultV1.getField("faces").schema().getElementType();
        GenericRecord box = new GenericData.Record(faceV1.getField("box").schema());
        box.put("x", 1f);
        box.put("y", 2f);
        box.put("width", 30f);
        box.put("height", 40f);
        GenericRecord face = new GenericData.Record(faceV1);
        face.put("faceIndex", 0);
        face.put("faceId", "cam/7/0");
        face.put("box", box);
        face.put("score", 0.9f);
        face.put("status", new GenericData.EnumSymbol(faceV1.getField("status").schema(), "DESCRIBED"));
        face.put("templateRef", "cam/7/0");
        GenericRecord result = new GenericData.Record(frameResultV1);
        result.put("cameraId", "cam");
        result.put("sequence", 7L);
        result.put("captureTime", 1000L);
        result.put("sessionId", null);
        result.put("processedTime", 2000L);
        result.put("width", 640);
        result.put("height", 480);
        result.put("detector", "haar");
        result.put("faces", List.of(face));
        ByteBuffer bytes = new BinaryMessageEncoder<GenericRecord>(GenericData.get(), frameResultV1).encode(result);
        byte[] encoded = new byte[bytes.remaining()];
        bytes.get(encoded);

        FrameResult decoded = WireFormat.decode(FrameResult.class, encoded);
        assertThat(decoded.getCameraId()).isEqualTo("cam");
        assertThat(decoded.getCaptureTime()).isEqualTo(Instant.ofEpochMilli(1000));
        assertThat(decoded.getFaces()).hasSize(1);
        assertThat(decoded.getFaces().get(0).getStatus()).isEqualTo(FaceStatus.DESCRIBED);
        assertThat(decoded.getFaces().get(0).getLandmarks()).isNull();
        assertThat(decoded.getFaces().get(0).getQuality()).isNull();
    }

    @Test
    void currentRecordsRoundTripAndOtherBytesAreRefused() throws Exception {
        Frame frame = Frame.newBuilder().setCameraId("c").setSequence(1).setCaptureTime(Instant.ofEpochMilli(5))
                .setEncoding("png").setWidth(1).setHeight(1).setBytes(ByteBuffer.wrap(new byte[] {1, 2})).build();
        byte[] bytes = WireFormat.encode(frame);
        assertThat(WireFormat.decode(Frame.class, bytes)).isEqualTo(frame);
        assertThatThrownBy(() -> WireFormat.decode(FrameResult.class, bytes)).isInstanceOf(Exception.class);
        assertThatThrownBy(() -> WireFormat.decode(Frame.class, "{\"cameraId\":\"c\"}".getBytes())).isInstanceOf(Exception.class);
    }

    /** Avro binary written field by field, so lengths and counts can lie. */
    private interface Fields {
        void write(BinaryEncoder out) throws IOException;
    }

    private static byte[] singleObject(Schema writer, Fields fields) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(0xC3);
        bytes.write(0x01);
        bytes.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(SchemaNormalization.parsingFingerprint64(writer)).array());
        BinaryEncoder out = EncoderFactory.get().directBinaryEncoder(bytes, null);
        fields.write(out);
        out.flush();
        return bytes.toByteArray();
    }

    /** A FrameResult up to its faces array, whose block count is written by {@code faces}. */
    private static byte[] frameResult(Fields faces) throws IOException {
        return singleObject(FrameResult.getClassSchema(), out -> {
            out.writeString("cam");
            out.writeLong(1);
            out.writeLong(1000);
            out.writeIndex(0);
            out.writeLong(2000);
            out.writeInt(640);
            out.writeInt(480);
            out.writeString("haar");
            faces.write(out);
            out.writeFixed(new byte[16]);
        });
    }

    @Test
    void anArrayCountLargerThanTheRecordIsRefusedBeforeAllocating() throws Exception {
        byte[] forged = frameResult(out -> out.writeLong(Integer.MAX_VALUE - 8));

        assertThatThrownBy(() -> WireFormat.decode(FrameResult.class, forged)).isInstanceOf(IOException.class)
                .hasMessageContaining("array count 2147483639").hasMessageContaining("exceeds the 16 bytes left");
    }

    @Test
    void aNegativeBlockCountWithAForgedBlockSizeIsRefused() throws Exception {
        byte[] forged = frameResult(out -> {
            out.writeLong(-1);
            out.writeLong(1L << 40);
        });
        byte[] minimal = frameResult(out -> out.writeLong(Long.MIN_VALUE));

        assertThatThrownBy(() -> WireFormat.decode(FrameResult.class, forged)).isInstanceOf(IOException.class)
                .hasMessageContaining("array block of 1099511627776 bytes");
        assertThatThrownBy(() -> WireFormat.decode(FrameResult.class, minimal)).isInstanceOf(IOException.class)
                .hasMessageContaining("array count " + Long.MIN_VALUE);
    }

    @Test
    void aNegativeStringLengthAnUnknownUnionBranchAndAnEndlessNumberAreRefused() throws Exception {
        byte[] negative = singleObject(Frame.getClassSchema(), out -> out.writeLong(-5));
        byte[] branch = singleObject(Frame.getClassSchema(), out -> {
            out.writeString("c");
            out.writeLong(1);
            out.writeLong(5);
            out.writeIndex(7);
        });
        byte[] endless = singleObject(Frame.getClassSchema(), out -> out.writeFixed(new byte[] {
                (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80,
                (byte) 0x80, (byte) 0x80, (byte) 0x80, 1}));

        assertThatThrownBy(() -> WireFormat.decode(Frame.class, negative)).isInstanceOf(IOException.class)
                .hasMessageContaining("string length -5");
        assertThatThrownBy(() -> WireFormat.decode(Frame.class, branch)).isInstanceOf(IOException.class)
                .hasMessageContaining("union branch 7");
        assertThatThrownBy(() -> WireFormat.decode(Frame.class, endless)).isInstanceOf(IOException.class)
                .hasMessageContaining("number longer than 10 bytes");
    }

    @Test
    void aRecordWithEveryLengthInBoundsStillDecodes() throws Exception {
        byte[] exact = frameResult(out -> {
            out.writeLong(0);
            out.writeInt(3);
        });

        FrameResult decoded = WireFormat.decode(FrameResult.class, exact);

        assertThat(decoded.getFaces()).isEmpty();
        assertThat(decoded.getDetector()).isEqualTo("haar");
        assertThat(decoded.getDroppedFaces()).isEqualTo(3);
    }
}
