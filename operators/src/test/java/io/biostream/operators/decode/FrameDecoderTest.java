package io.biostream.operators.decode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biostream.operators.image.RgbImage;
import io.biostream.schemas.DeadLetterReason;
import io.biostream.schemas.Frame;
import java.nio.ByteBuffer;
import java.time.Duration;
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

    @Test
    void theDefaultPixelLimitIsSizedForCamerasAndRefusesA40MegapixelFrame() {
        FrameDecoder defaults = new FrameDecoder(DecodeLimits.DEFAULTS, new DecodeBudget(1L << 40, Duration.ZERO));
        byte[] bomb = TestImages.gradient(64, 48, ".png");
        writeInt(bomb, 16, 6324); // 40 MP in a 8192x8192 box: refused by the pixel count alone
        writeInt(bomb, 20, 6324);

        assertThat(DecodeLimits.DEFAULTS.maxPixels()).isEqualTo(12_000_000L);
        assertThatThrownBy(() -> defaults.decode(frame("png", 6324, 6324, bomb))).isInstanceOf(FrameRejectedException.class)
                .hasMessageContaining("6324x6324").hasMessageContaining("12000000 px")
                .extracting(e -> ((FrameRejectedException) e).reason()).isEqualTo(DeadLetterReason.DIMENSIONS_TOO_LARGE);
    }

    @Test
    void sizeArithmeticAtTheCeilingIsRefusedNotOverflowed() {
        // 30000 x 30000 x 3 overflows an int; the ceiling keeps every configured limit below it.
        assertThatThrownBy(() -> RgbImage.fromRgbBytes(30_000, 30_000, new byte[0]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not fit");
        assertThatThrownBy(() -> new DecodeLimits(1000, 65_535, 65_535, 1L << 32))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ceiling");
        assertThat(RgbImage.values(26_754, 26_754)).isPositive(); // just under the ceiling: fits
        assertThat(DecodeBudget.peakBytes(65_535, 65_535)).isEqualTo(65_535L * 65_535 * DecodeBudget.BYTES_PER_PIXEL);
    }

    @Test
    void anImageNeedingMoreThanTheWholeBudgetIsRefusedAtOnce() {
        DecodeBudget small = new DecodeBudget(DecodeBudget.peakBytes(64, 48) - 1, Duration.ofSeconds(30));
        FrameDecoder tight = new FrameDecoder(new DecodeLimits(200_000, 1000, 1000, 500_000), small);

        assertThatThrownBy(() -> tight.decode(frame("png", 64, 48, TestImages.gradient(64, 48, ".png"))))
                .isInstanceOf(DecodeBudget.DecodeBudgetException.class).hasMessageContaining("more than the whole decode budget")
                .satisfies(e -> assertThat(((DecodeBudget.DecodeBudgetException) e).busy()).isFalse())
                .extracting(e -> ((FrameRejectedException) e).reason()).isEqualTo(DeadLetterReason.DIMENSIONS_TOO_LARGE);
        assertThat(small.inUse()).isZero();
    }

    @Test
    void aDecodeWaitsForTheBudgetAndIsRefusedAsBusyWhenItStaysTaken() throws Exception {
        DecodeBudget room = new DecodeBudget(DecodeBudget.peakBytes(64, 48) * 3 / 2, Duration.ofMillis(200));
        FrameDecoder shared = new FrameDecoder(new DecodeLimits(200_000, 1000, 1000, 500_000), room);
        byte[] png = TestImages.gradient(64, 48, ".png");

        try (FrameDecoder.DecodedImage held = shared.open(frame("png", 64, 48, png))) {
            assertThat(room.inUse()).isEqualTo(DecodeBudget.peakBytes(64, 48));
            assertThatThrownBy(() -> shared.decode(png)).isInstanceOf(DecodeBudget.DecodeBudgetException.class)
                    .hasMessageContaining("stayed busy")
                    .satisfies(e -> assertThat(((DecodeBudget.DecodeBudgetException) e).busy()).isTrue())
                    .extracting(e -> ((FrameRejectedException) e).reason()).isEqualTo(DeadLetterReason.PROCESSING_ERROR);
            assertThat(held.image().width()).isEqualTo(64);
        }
        assertThat(room.inUse()).isZero();
        assertThat(shared.decode(png).width()).isEqualTo(64);

        // A decode that waits gets the budget as soon as the holder gives it back.
        DecodeBudget patient = new DecodeBudget(DecodeBudget.peakBytes(64, 48), Duration.ofSeconds(60));
        FrameDecoder waiting = new FrameDecoder(new DecodeLimits(200_000, 1000, 1000, 500_000), patient);
        FrameDecoder.DecodedImage first = waiting.open(png);
        java.util.concurrent.CompletableFuture<RgbImage> second = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return waiting.decode(png);
            } catch (FrameRejectedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(100);
        assertThat(second).isNotDone();
        first.close();
        assertThat(second.get(30, java.util.concurrent.TimeUnit.SECONDS).width()).isEqualTo(64);
        assertThat(patient.inUse()).isZero();
    }

    @Test
    void aPortraitJpegWithExifOrientation6DecodesUprightAtItsOrientedSize() throws Exception {
        byte[] stored = TestImages.redLeftBlueRight(64, 32, false);
        for (boolean little : new boolean[] {true, false}) {
            byte[] rotated = TestImages.withExifOrientation(stored, 6, little);
            ImageHeader header = ImageHeader.read(rotated);
            assertThat(header.orientation()).isEqualTo(6);
            assertThat(header.orientedWidth()).isEqualTo(32);

            // The camera declares the stored size; the image comes out turned 90 degrees clockwise.
            RgbImage image = decoder.decode(frame("jpeg", 64, 32, rotated));

            assertThat(image.width()).isEqualTo(32);
            assertThat(image.height()).isEqualTo(64);
            assertThat(image.get(16, 8, 0)).as("top: the stored left half, red").isGreaterThan(200f);
            assertThat(image.get(16, 8, 2)).isLessThan(60f);
            assertThat(image.get(16, 56, 2)).as("bottom: the stored right half, blue").isGreaterThan(200f);
        }
        RgbImage plain = decoder.decode(frame("jpeg", 64, 32, stored));
        assertThat(plain.width()).isEqualTo(64);
        assertThat(ImageHeader.read(stored).orientation()).isEqualTo(1);
    }

    @Test
    void everyExifOrientationKeepsTheAreaAndSwapsTheSidesFrom5On() throws Exception {
        byte[] stored = TestImages.redLeftBlueRight(64, 32, false);
        for (int orientation = 1; orientation <= 8; orientation++) {
            RgbImage image = decoder.decode(TestImages.withExifOrientation(stored, orientation, true));
            assertThat(image.width()).as("orientation %d", orientation).isEqualTo(orientation >= 5 ? 32 : 64);
            assertThat(image.height()).as("orientation %d", orientation).isEqualTo(orientation >= 5 ? 64 : 32);
        }
    }

    @Test
    void progressiveJpegScansAreCountedAndTooManyAreRefusedBeforeDecoding() throws Exception {
        byte[] progressive = TestImages.redLeftBlueRight(64, 32, true);
        assertThat(ImageHeader.read(progressive).scans()).isGreaterThan(1);
        assertThat(ImageHeader.read(TestImages.redLeftBlueRight(64, 32, false)).scans()).isEqualTo(1);
        assertThat(decoder.decode(progressive).width()).isEqualTo(64);

        byte[] manyScans = TestImages.withScans(TestImages.redLeftBlueRight(64, 32, false), 101);
        assertThat(ImageHeader.read(manyScans).scans()).isEqualTo(101);
        assertThatThrownBy(() -> decoder.decode(frame("jpeg", 64, 32, manyScans))).isInstanceOf(FrameRejectedException.class)
                .hasMessageContaining("101 scans, limit 100")
                .extracting(e -> ((FrameRejectedException) e).reason()).isEqualTo(DeadLetterReason.CORRUPT_IMAGE);
        assertThat(decoder.decode(TestImages.withScans(TestImages.redLeftBlueRight(64, 32, false), 100)).height()).isEqualTo(32);
    }

    private static void writeInt(byte[] b, int at, int value) {
        b[at] = (byte) (value >>> 24);
        b[at + 1] = (byte) (value >>> 16);
        b[at + 2] = (byte) (value >>> 8);
        b[at + 3] = (byte) value;
    }
}
