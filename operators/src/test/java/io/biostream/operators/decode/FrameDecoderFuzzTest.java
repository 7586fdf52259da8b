package io.biostream.operators.decode;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.biostream.operators.HeapAllocations;
import io.biostream.operators.config.CameraIds;
import io.biostream.operators.image.RgbImage;
import io.biostream.schemas.Frame;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile image bytes and frames against the decoder: each input is decoded within the limits or
 * refused with a FrameRejectedException carrying a reason, never another exception, a hang or heap
 * use beyond what the limits allow. Plain test runs replay the seeds under
 * {@code FrameDecoderFuzzTestInputs/}; {@code JAZZER_FUZZ=1} fuzzes (docs/fuzzing.md).
 */
class FrameDecoderFuzzTest {
    /** Small limits so that fuzzing explores refusals as well as full decodes, quickly. */
    static final DecodeLimits LIMITS = new DecodeLimits(1024 * 1024, 1024, 1024, 250_000);
    private static final List<String> CAMERA_IDS = List.of("cam-1", "", " ", "cam/1", "x".repeat(129), "a:b.c_d-e");
    private static final List<String> ENCODINGS = List.of("jpeg", "png", "jpg", "image/jpeg", "image/png", " PNG ", "gif", "");

    private final FrameDecoder decoder = new FrameDecoder(LIMITS);

    static {
        // Loads OpenCV, the codecs and the refusal path (classes, and their instrumentation when
        // fuzzing) outside the heap measurement.
        byte[] png = TestImages.gradient(16, 12, ".png");
        try {
            new FrameDecoder(LIMITS).decode(png);
            new FrameDecoder(LIMITS).decode(TestImages.gradient(16, 12, ".jpg"));
        } catch (FrameRejectedException e) {
            throw new IllegalStateException("a valid image was refused", e);
        }
        for (byte[] refused : new byte[][] {{}, {1}, java.util.Arrays.copyOf(png, png.length - 4), TestImages.corruptPngData(png)}) {
            try {
                new FrameDecoder(LIMITS).decode(refused);
                throw new IllegalStateException("a bad image was accepted");
            } catch (FrameRejectedException expected) {
                assertRefusedWithAReason(expected);
            }
        }
    }

    @FuzzTest(maxDuration = "60s")
    @Timeout(30) // per input: a decode that takes this long is a hang (Jazzer passes it to libFuzzer as -timeout)
    void imageBytesDecodeWithinTheLimitsOrAreRefusedWithAReason(byte[] bytes) {
        long allocatedBefore = HeapAllocations.ofCurrentThread();
        RgbImage image = null;
        FrameRejectedException refused = null;
        try {
            image = decoder.decode(bytes);
        } catch (FrameRejectedException e) {
            refused = e;
        }
        assertHeapWithinLimits(bytes.length, HeapAllocations.ofCurrentThread() - allocatedBefore);
        if (refused != null) {
            assertRefusedWithAReason(refused);
        } else {
            assertDecodedAsTheHeaderSays(bytes, image);
        }
    }

    @FuzzTest(maxDuration = "60s")
    @Timeout(30)
    void framesDecodeAsDeclaredOrAreRefusedWithAReason(FuzzedDataProvider data) {
        // Choices come from the end of the input (an all-zero tail picks a valid frame declaring the
        // image's own format and size), the image from the rest.
        String cameraId = data.pickValue(CAMERA_IDS);
        long sequence = data.consumeBoolean() ? data.consumeLong() : 7;
        int encodingChoice = data.consumeInt(0, ENCODINGS.size());
        boolean forgeSize = data.consumeBoolean();
        int forgedWidth = data.consumeInt();
        int forgedHeight = data.consumeInt();
        byte[] bytes = data.consumeRemainingAsBytes();
        ImageHeader header = headerOrNull(bytes);
        String encoding = encodingChoice > 0 ? ENCODINGS.get(encodingChoice - 1)
                : header == null ? "jpeg" : header.format().name().toLowerCase(java.util.Locale.ROOT);
        int width = forgeSize || header == null ? forgedWidth : header.width();
        int height = forgeSize || header == null ? forgedHeight : header.height();
        Frame frame = Frame.newBuilder().setCameraId(cameraId).setSequence(sequence).setCaptureTime(Instant.EPOCH)
                .setEncoding(encoding).setWidth(width).setHeight(height).setBytes(ByteBuffer.wrap(bytes)).build();

        long allocatedBefore = HeapAllocations.ofCurrentThread();
        RgbImage image = null;
        FrameRejectedException refused = null;
        try {
            image = decoder.decode(frame);
        } catch (FrameRejectedException e) {
            refused = e;
        }
        assertHeapWithinLimits(bytes.length, HeapAllocations.ofCurrentThread() - allocatedBefore);
        if (refused != null) {
            assertRefusedWithAReason(refused);
        } else {
            assertThat(CameraIds.isValid(cameraId)).as("accepted camera id '%s'", cameraId).isTrue();
            assertThat(sequence).as("accepted sequence").isNotNegative();
            assertThat(ImageHeader.ImageFormat.ofEncoding(encoding)).as("declared encoding '%s'", encoding)
                    .isEqualTo(ImageHeader.sniff(bytes));
            assertThat(image.width()).as("declared width").isEqualTo(width);
            assertThat(image.height()).as("declared height").isEqualTo(height);
            assertDecodedAsTheHeaderSays(bytes, image);
        }
    }

    private static ImageHeader headerOrNull(byte[] bytes) {
        try {
            return ImageHeader.read(bytes);
        } catch (FrameRejectedException e) {
            return null;
        }
    }

    private static void assertDecodedAsTheHeaderSays(byte[] bytes, RgbImage image) {
        assertThat(bytes.length).as("accepted size").isBetween(1, (int) LIMITS.maxFrameBytes());
        ImageHeader header = headerOrNull(bytes);
        assertThat(header).as("an accepted image has a readable header").isNotNull();
        assertThat(header.complete()).as("an accepted image is complete").isTrue();
        assertThat(image.width()).isEqualTo(header.width()).isBetween(1, LIMITS.maxWidth());
        assertThat(image.height()).isEqualTo(header.height()).isBetween(1, LIMITS.maxHeight());
        assertThat((long) image.width() * image.height()).isLessThanOrEqualTo(LIMITS.maxPixels());
    }

    static void assertRefusedWithAReason(FrameRejectedException refused) {
        assertThat(refused.reason()).as("dead-letter reason of '%s'", refused.getMessage()).isNotNull();
        assertThat(refused.getMessage()).as("refusal message").isNotBlank();
    }

    /**
     * What a decode may allocate on the heap: a few copies of the input, the RGB image the limits
     * allow (float32 and byte copies), and a constant; never a buffer sized by a forged length.
     */
    private static void assertHeapWithinLimits(int inputBytes, long allocated) {
        long budget = 8L * 1024 * 1024 + 16L * inputBytes + 32L * LIMITS.maxPixels();
        assertThat(allocated).as("heap bytes allocated for a %d-byte input", inputBytes).isLessThanOrEqualTo(budget);
    }
}
