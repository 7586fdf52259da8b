package io.biostream.operators.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biostream.operators.image.RgbImage;
import io.biostream.schemas.DeadLetterReason;
import io.biostream.schemas.Frame;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class FrameDecoderTest {
    private final FrameDecoder decoder = new FrameDecoder(new DecodeLimits(200_000, 1000, 1000, 500_000));

    private static Frame frame(String encoding, int width, int height, byte[] bytes) {
        return Frame.newBuilder().setCameraId("cam-1").setSequence(7).setCaptureTime(Instant.EPOCH)
                .setEncoding(encoding).setWidth(width).setHeight(height).setBytes(ByteBuffer.wrap(bytes)).build();
    }

    private DeadLetterReason reasonFor(Frame frame) {
        try {
            decoder.decode(frame);
        } catch (FrameRejectedException e) {
            return e.reason();
        }
        throw new AssertionError("frame was accepted");
    }

    @Test
    void decodesPngExactlyAsRgb() throws Exception {
        byte[] png = TestImages.gradient(64, 48, ".png");
        RgbImage image = decoder.decode(frame("png", 64, 48, png));
        assertThat(image.width()).isEqualTo(64);
        assertThat(image.height()).isEqualTo(48);
        // TestImages writes B = x ramp, G = y ramp, R = 128 (BGR order); RGB out means R first.
        assertThat(image.get(63, 0, 0)).isEqualTo(128f);
        assertThat(image.get(63, 0, 2)).isEqualTo(255f);
        assertThat(image.get(0, 47, 1)).isEqualTo(255f);
    }

    @Test
    void decodesJpeg() throws Exception {
        byte[] jpeg = TestImages.gradient(80, 60, ".jpg");
        RgbImage image = decoder.decode(frame("jpeg", 80, 60, jpeg));
        assertThat(image.width()).isEqualTo(80);
        assertThat(image.get(40, 30, 0)).isBetween(120f, 136f);
    }

    @Test
    void refusesEachKindOfBadImageWithItsOwnReason() {
        byte[] png = TestImages.gradient(64, 48, ".png");
        byte[] jpeg = TestImages.gradient(64, 48, ".jpg");
        assertThat(reasonFor(frame("png", 64, 48, new byte[0]))).isEqualTo(DeadLetterReason.EMPTY);
        assertThat(reasonFor(frame("png", 64, 48, new byte[200_001]))).isEqualTo(DeadLetterReason.OVERSIZED);
        assertThat(reasonFor(frame("gif", 64, 48, png))).isEqualTo(DeadLetterReason.UNSUPPORTED_FORMAT);
        assertThat(reasonFor(frame("png", 64, 48, "GIF89a...........".getBytes()))).isEqualTo(DeadLetterReason.UNSUPPORTED_FORMAT);
        assertThat(reasonFor(frame("jpeg", 64, 48, png))).isEqualTo(DeadLetterReason.INVALID_FIELD);
        assertThat(reasonFor(frame("png", 65, 48, png))).isEqualTo(DeadLetterReason.DIMENSION_MISMATCH);
        assertThat(reasonFor(frame("png", 64, 48, Arrays.copyOf(png, png.length / 2)))).isEqualTo(DeadLetterReason.TRUNCATED_IMAGE);
        assertThat(reasonFor(frame("jpeg", 64, 48, Arrays.copyOf(jpeg, jpeg.length - 40)))).isEqualTo(DeadLetterReason.TRUNCATED_IMAGE);
        assertThat(reasonFor(frame("png", 64, 48, TestImages.corruptPngData(png)))).isEqualTo(DeadLetterReason.CORRUPT_IMAGE);
    }

    @Test
    void refusesImagesWhoseHeaderDeclaresTooManyPixelsBeforeDecoding() {
        byte[] png = TestImages.gradient(64, 48, ".png");
        byte[] bomb = png.clone();
        writeInt(bomb, 16, 50_000); // IHDR width: a tiny file claiming a huge image
        writeInt(bomb, 20, 50_000);
        assertThat(reasonFor(frame("png", 50_000, 50_000, bomb))).isEqualTo(DeadLetterReason.DIMENSIONS_TOO_LARGE);
    }

    @Test
    void refusesInvalidFields() {
        byte[] png = TestImages.gradient(8, 8, ".png");
        Frame noCamera = frame("png", 8, 8, png);
        noCamera.setCameraId(" ");
        assertThat(reasonFor(noCamera)).isEqualTo(DeadLetterReason.INVALID_FIELD);
        Frame negative = frame("png", 8, 8, png);
        negative.setSequence(-1L);
        assertThat(reasonFor(negative)).isEqualTo(DeadLetterReason.INVALID_FIELD);
    }

    @Test
    void decodesBareBytesWithTheSameChecks() throws Exception {
        assertThat(decoder.decode(TestImages.gradient(10, 20, ".png")).height()).isEqualTo(20);
        assertThatThrownBy(() -> decoder.decode("not an image".getBytes()))
                .isInstanceOf(FrameRejectedException.class).hasMessageContaining("neither JPEG nor PNG");
    }

    private static void writeInt(byte[] b, int at, int value) {
        b[at] = (byte) (value >>> 24);
        b[at + 1] = (byte) (value >>> 16);
        b[at + 2] = (byte) (value >>> 8);
        b[at + 3] = (byte) value;
    }
}
