package io.biostream.operators.decode;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.biostream.operators.HeapAllocations;
import io.biostream.schemas.DeadLetterReason;
import java.util.Arrays;
import org.junit.jupiter.api.Timeout;

/**
 * Hostile bytes against the header reader that guards every decode: a header consistent with the
 * bytes (format sniffed from the magic, positive size, completeness as the end markers say) or a
 * refusal as unsupported, truncated or corrupt; never another exception, a hang, or allocation
 * beyond a constant (the reader must not follow a forged chunk or segment length).
 */
class ImageHeaderFuzzTest {
    static {
        // Class loading and the first exception outside the heap measurement.
        for (byte[] bytes : new byte[][] {TestImages.gradient(4, 4, ".png"), TestImages.gradient(4, 4, ".jpg"), {1}}) {
            try {
                ImageHeader.read(bytes);
            } catch (FrameRejectedException expected) {
                // refused
            }
        }
    }

    @FuzzTest(maxDuration = "60s")
    @Timeout(30)
    void headersAreReadConsistentlyOrRefusedWithAReason(byte[] bytes) {
        long allocatedBefore = HeapAllocations.ofCurrentThread();
        ImageHeader header = null;
        FrameRejectedException refused = null;
        try {
            header = ImageHeader.read(bytes);
        } catch (FrameRejectedException e) {
            refused = e;
        }
        long allocated = HeapAllocations.ofCurrentThread() - allocatedBefore;
        assertThat(allocated).as("heap bytes allocated reading the header of %d bytes", bytes.length)
                .isLessThanOrEqualTo(1024 * 1024); // a constant; class loading on the first input included
        if (refused == null) {
            assertThat(header.format()).isEqualTo(ImageHeader.sniff(bytes)).isNotNull();
            assertThat(header.width()).isPositive();
            assertThat(header.height()).isPositive();
            if (header.format() == ImageHeader.ImageFormat.JPEG) {
                assertThat(header.width()).isLessThanOrEqualTo(0xFFFF);
                assertThat(header.height()).isLessThanOrEqualTo(0xFFFF);
                if (header.complete()) {
                    assertThat(endsWithEoiBeforeZeroPadding(bytes)).as("a complete JPEG ends with FFD9").isTrue();
                }
            } else if (header.complete()) {
                assertThat(indexOf(bytes, new byte[] {'I', 'E', 'N', 'D'})).as("a complete PNG has an IEND chunk").isPositive();
            }
        } else {
            assertThat(refused.reason()).isIn(DeadLetterReason.UNSUPPORTED_FORMAT, DeadLetterReason.TRUNCATED_IMAGE,
                    DeadLetterReason.CORRUPT_IMAGE);
            assertThat(refused.getMessage()).isNotBlank();
            if (ImageHeader.sniff(bytes) == null) {
                assertThat(refused.reason()).isEqualTo(DeadLetterReason.UNSUPPORTED_FORMAT);
            }
        }
    }

    private static boolean endsWithEoiBeforeZeroPadding(byte[] b) {
        int end = b.length;
        while (end > 0 && b[end - 1] == 0) {
            end--;
        }
        return end >= 2 && (b[end - 2] & 0xff) == 0xFF && (b[end - 1] & 0xff) == 0xD9;
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        return -1;
    }
}
