package io.biostream.operators.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biostream.operators.image.RgbImage;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DetectorInputTest {

    private static RgbImage random(int width, int height, long seed) {
        Random random = new Random(seed);
        float[] data = new float[width * height * 3];
        for (int i = 0; i < data.length; i++) {
            data[i] = random.nextInt(256);
        }
        return new RgbImage(width, height, data);
    }

    @Test
    void geometryRoundsTheReshapedSizeLikeFaceApi() {
        assertThat(DetectorInputGeometry.of(1920, 1280, 512)).isEqualTo(new DetectorInputGeometry(1920, 1280, 512, 512, 341));
        assertThat(DetectorInputGeometry.of(1920, 1280, 416)).isEqualTo(new DetectorInputGeometry(1920, 1280, 416, 416, 277));
        assertThat(DetectorInputGeometry.of(1280, 1920, 416).reshapedWidth()).isEqualTo(277);
        // 1000x333 at 512: 170.496 rounds to 170; 1000x335 at 512: 171.52 rounds to 172.
        assertThat(DetectorInputGeometry.of(1000, 333, 512).reshapedHeight()).isEqualTo(170);
        assertThat(DetectorInputGeometry.of(1000, 335, 512).reshapedHeight()).isEqualTo(172);
        assertThat(DetectorInputGeometry.of(300, 300, 416).reshapedSide()).isEqualTo(416);
        assertThatThrownBy(() -> DetectorInputGeometry.of(0, 10, 416)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void imageOfTheInputWidthIsPaddedBelowWithZerosAndNotResampled() {
        RgbImage image = random(4, 2, 1);
        float[] input = DetectorInput.squareResized(image, 4);
        assertThat(Arrays.copyOfRange(input, 0, 24)).containsExactly(image.data());
        assertThat(Arrays.copyOfRange(input, 24, 48)).containsOnly(0f);
    }

    @Test
    void portraitImagesArePaddedAtTheRight() {
        RgbImage image = random(2, 4, 2);
        float[] input = DetectorInput.squareResized(image, 4);
        for (int y = 0; y < 4; y++) {
            assertThat(Arrays.copyOfRange(input, y * 12, y * 12 + 6))
                    .containsExactly(Arrays.copyOfRange(image.data(), y * 6, y * 6 + 6));
            assertThat(Arrays.copyOfRange(input, y * 12 + 6, y * 12 + 12)).containsOnly(0f);
        }
    }

    /**
     * Same mapping as ImageOps' pad + resize; only the float32 rounding of the steps differs:
     * source coordinates off by up to about side x 2^-24 px, times gradients of up to 255 levels
     * per pixel in this noise.
     */
    @Test
    void agreesWithPaddingThenResizingInDouble() {
        for (int[] c : new int[][] {{37, 23, 16}, {37, 23, 50}, {23, 37, 32}, {640, 480, 416}}) {
            RgbImage image = random(c[0], c[1], c[2]);
            float[] fused = DetectorInput.squareResized(image, c[2]);
            float[] reference = ImageOps.toSquareInput(image, c[2], false).data();
            assertThat(fused).hasSameSizeAs(reference);
            double worst = 0;
            for (int i = 0; i < fused.length; i++) {
                worst = Math.max(worst, Math.abs(fused[i] - reference[i]));
            }
            assertThat(worst).as("max |delta| for %s", Arrays.toString(c)).isLessThan(0.05);
        }
    }

    /** The SSD's fused -1..1 input is the 0..255 input scaled as face-api does, bit for bit, written at the offset. */
    @Test
    void minusOneToOneInputIsTheResizedInputScaledInPlace() {
        for (int[] c : new int[][] {{37, 23, 16}, {23, 37, 32}, {640, 480, 64}}) {
            RgbImage image = random(c[0], c[1], c[2]);
            float[] resized = DetectorInput.squareResized(image, c[2]);
            int offset = 5;
            float[] out = new float[offset + resized.length + 5];
            Arrays.fill(out, 42f);
            DetectorInput.squareResizedMinusOneToOne(image, c[2], out, offset);
            float[] expected = new float[resized.length];
            for (int i = 0; i < resized.length; i++) {
                expected[i] = resized[i] / 127.5f - 1f;
            }
            assertThat(Arrays.copyOfRange(out, offset, offset + resized.length)).as(Arrays.toString(c))
                    .containsExactly(expected);
            assertThat(Arrays.copyOfRange(out, 0, offset)).containsOnly(42f);
            assertThat(Arrays.copyOfRange(out, offset + resized.length, out.length)).containsOnly(42f);
        }
    }

    @Test
    void rejectsEmptyImages() {
        assertThatThrownBy(() -> DetectorInput.squareResized(new RgbImage(0, 0, new float[0]), 416))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
