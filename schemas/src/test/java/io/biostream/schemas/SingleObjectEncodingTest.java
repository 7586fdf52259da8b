package io.biostream.schemas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.message.BadHeaderException;
import org.apache.avro.message.MissingSchemaException;
import org.junit.jupiter.api.Test;

/**
 * The generated classes' single-object encoding (marker C3 01, schema fingerprint, body): what
 * biostream writes to Kafka and to queryable state, and how the job tells a Frame from anything else.
 */
class SingleObjectEncodingTest {

    @Test
    void frameRoundTrips() throws IOException {
        Frame frame = frame();

        Frame decoded = Frame.fromByteBuffer(frame.toByteBuffer());

        assertThat(decoded).isEqualTo(frame);
        assertThat(decoded.getAttributes()).containsEntry("site", "north-gate");
        assertThat(bytes(decoded.getBytes())).isEqualTo(bytes(frame.getBytes()));
    }

    @Test
    void cameraLatestRoundTrips() throws IOException {
        CameraLatest latest = cameraLatest();

        CameraLatest decoded = CameraLatest.fromByteBuffer(latest.toByteBuffer());

        assertThat(decoded).isEqualTo(latest);
        assertThat(decoded.getTemplates()).singleElement()
                .extracting(t -> t.getAssociatedData().getFaceIndex()).isEqualTo(0);
    }

    @Test
    void encodingStartsWithTheSingleObjectMarker() throws IOException {
        byte[] encoded = bytes(frame().toByteBuffer());

        assertThat(encoded[0] & 0xff).isEqualTo(0xC3);
        assertThat(encoded[1] & 0xff).isEqualTo(0x01);
    }

    @Test
    void randomBytesAreNotAFrame() {
        Random random = new Random(20261125L);
        for (int i = 0; i < 200; i++) {
            byte[] junk = new byte[1 + random.nextInt(512)];
            random.nextBytes(junk);
            assertThatThrownBy(() -> Frame.fromByteBuffer(ByteBuffer.wrap(junk)))
                    .as("random value %d (%d bytes)", i, junk.length)
                    .isInstanceOfAny(AvroRuntimeException.class, IOException.class);
        }
    }

    @Test
    void bytesWithoutTheMarkerAreRefusedAsABadHeader() {
        byte[] jpegStart = {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0, 0, 16, 'J', 'F', 'I', 'F'};
        byte[] json = "{\"cameraId\":\"cam-1\"}".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> Frame.fromByteBuffer(ByteBuffer.wrap(jpegStart))).isInstanceOf(BadHeaderException.class);
        assertThatThrownBy(() -> Frame.fromByteBuffer(ByteBuffer.wrap(json))).isInstanceOf(BadHeaderException.class);
    }

    @Test
    void anotherRecordTypeIsRefusedByItsFingerprint() throws IOException {
        ByteBuffer latest = cameraLatest().toByteBuffer();

        assertThatThrownBy(() -> Frame.fromByteBuffer(latest)).isInstanceOf(MissingSchemaException.class);
    }

    @Test
    void aTruncatedFrameIsRefused() throws IOException {
        byte[] encoded = bytes(frame().toByteBuffer());
        byte[] cut = Arrays.copyOf(encoded, encoded.length - 40);

        assertThatThrownBy(() -> Frame.fromByteBuffer(ByteBuffer.wrap(cut)))
                .isInstanceOfAny(AvroRuntimeException.class, IOException.class);
    }

    private static Frame frame() {
        byte[] image = new byte[300];
        new Random(7).nextBytes(image);
        return Frame.newBuilder()
                .setCameraId("cam-7")
                .setSequence(42L)
                .setCaptureTime(Instant.ofEpochMilli(1_764_000_000_123L))
                .setSessionId("session-1")
                .setEncoding("jpeg")
                .setWidth(640)
                .setHeight(480)
                .setBytes(ByteBuffer.wrap(image))
                .setAttributes(Map.of("site", "north-gate"))
                .build();
    }

    private static CameraLatest cameraLatest() {
        AssociatedData ad = new AssociatedData("cam-7", 42L, 0);
        EncryptedTemplate template = EncryptedTemplate.newBuilder()
                .setFaceId("cam-7/42/0")
                .setKeyId("123456789")
                .setCiphertext(ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}))
                .setAssociatedData(ad)
                .setModel("face-api-recognition-1.7.15")
                .setCreatedTime(Instant.ofEpochMilli(1_764_000_001_000L))
                .build();
        FaceResult described = FaceResult.newBuilder()
                .setFaceIndex(0)
                .setFaceId("cam-7/42/0")
                .setBox(new Box(10f, 20f, 64f, 64f))
                .setScore(1f)
                .setStatus(FaceStatus.DESCRIBED)
                .setTemplateRef("cam-7/42/0")
                .build();
        FaceResult small = FaceResult.newBuilder()
                .setFaceIndex(1)
                .setFaceId("cam-7/42/1")
                .setBox(new Box(300f, 20f, 12f, 12f))
                .setScore(1f)
                .setStatus(FaceStatus.TOO_SMALL)
                .build();
        FrameResult result = FrameResult.newBuilder()
                .setCameraId("cam-7")
                .setSequence(42L)
                .setCaptureTime(Instant.ofEpochMilli(1_764_000_000_123L))
                .setProcessedTime(Instant.ofEpochMilli(1_764_000_000_900L))
                .setWidth(640)
                .setHeight(480)
                .setDetector("haar")
                .setFaces(List.of(described, small))
                .build();
        return new CameraLatest(result, List.of(template));
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer view = buffer.duplicate();
        byte[] out = new byte[view.remaining()];
        view.get(out);
        return out;
    }
}
