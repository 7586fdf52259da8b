package io.biostream.operators.vision;

import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.operators.image.OpenCvImages;
import io.biostream.operators.image.RgbImage;
import java.util.Random;
import java.util.function.Function;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;

/**
 * A decoded frame keeps 8-bit samples ({@link RgbImage#ofRgbBytes}); every step that reads a
 * frame must give, bit for bit, what it gives on the float image of the same pixels, or the
 * nets' inputs (and the goldens they are held to) would move.
 */
class EightBitFrameTest {
    private static final int WIDTH = 61;
    private static final int HEIGHT = 37;
    private static final double[] MEAN = {122.782, 117.001, 104.298};

    private static byte[] randomRgb() {
        byte[] rgb = new byte[WIDTH * HEIGHT * 3];
        new Random(7).nextBytes(rgb);
        return rgb;
    }

    private static void assertSameOnBoth(String step, Function<RgbImage, float[]> run) {
        byte[] rgb = randomRgb();
        float[] fromFloats = run.apply(RgbImage.fromRgbBytes(WIDTH, HEIGHT, rgb));
        float[] fromBytes = run.apply(RgbImage.ofRgbBytes(WIDTH, HEIGHT, rgb));
        assertThat(fromBytes).as(step).hasSize(fromFloats.length);
        for (int i = 0; i < fromFloats.length; i++) {
            if (Float.floatToRawIntBits(fromBytes[i]) != Float.floatToRawIntBits(fromFloats[i])) {
                throw new AssertionError(step + ": value " + i + " is " + fromBytes[i] + " on the 8-bit frame, "
                        + fromFloats[i] + " on the float one");
            }
        }
    }

    @Test
    void everyStepThatReadsAFrameGivesTheSameFloatsAsOnTheFloatImage() {
        assertSameOnBoth("padToSquare centred", image -> ImageOps.padToSquare(image, true).data());
        assertSameOnBoth("padToSquare", image -> ImageOps.padToSquare(image, false).data());
        assertSameOnBoth("resizeBilinear", image -> ImageOps.resizeBilinear(image, 29, 17).data());
        assertSameOnBoth("crop", image -> ImageOps.crop(image, 5, 3, 20, 30).data());
        assertSameOnBoth("mirror", image -> ImageOps.mirror(image).data());
        assertSameOnBoth("normalizeInto", image -> {
            float[] out = new float[WIDTH * HEIGHT * 3 + 4];
            ImageOps.normalizeInto(image, MEAN, 256f, out, 4);
            return out;
        });
        assertSameOnBoth("squareInputInto, same size", image -> {
            float[] out = new float[20 * 20 * 3];
            ImageOps.squareInputInto(image, new PixelRect(9, 4, 14, 20), 20, true, MEAN, 256f, out, 0);
            return out;
        });
        assertSameOnBoth("squareInputInto, resized", image -> {
            float[] out = new float[25 * 25 * 3];
            ImageOps.squareInputInto(image, new PixelRect(3, 2, 41, 33), 25, true, MEAN, 256f, out, 0);
            return out;
        });
        assertSameOnBoth("detector input", image -> DetectorInput.squareResized(image, 50));
        assertSameOnBoth("SSD input", image -> {
            float[] out = new float[1 + 40 * 40 * 3];
            DetectorInput.squareResizedMinusOneToOne(image, 40, out, 1);
            return out;
        });
        assertSameOnBoth("cascade window", image -> DetectionCascade.window(image, -6, 20, 30, 128f).data());
        assertSameOnBoth("cascade padding", image -> DetectionCascade.padded(image, 5, 128f).data());
        assertSameOnBoth("BGR matrix", image -> {
            try (Mat bgr = OpenCvImages.toBgrMat(image)) {
                return OpenCvImages.toRgbImageByPixel(bgr).data();
            }
        });
    }
}
