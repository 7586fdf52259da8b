package io.biostream.operators.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.biostream.operators.image.RgbImage;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ImageOpsTest {

    /** A test image whose pixel (x, y) holds (v, v + 1000, v + 2000) with v = 10*y + x + 1. */
    private static RgbImage numbered(int width, int height) {
        float[] data = new float[width * height * 3];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                float v = 10 * y + x + 1;
                int o = (y * width + x) * 3;
                data[o] = v;
                data[o + 1] = v + 1000;
                data[o + 2] = v + 2000;
            }
        }
        return new RgbImage(width, height, data);
    }

    /** Channel 0 of each pixel, row by row. */
    private static float[][] red(RgbImage image) {
        float[][] rows = new float[image.height()][image.width()];
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < image.width(); x++) {
                rows[y][x] = image.get(x, y, 0);
            }
        }
        return rows;
    }

    @Test
    void centeredPaddingPutsTheRoundedHalfAfterTheImage() {
        // Portrait 2x5: diff 3, round(1.5) = 2 columns at the right, 1 at the left.
        RgbImage padded = ImageOps.padToSquare(numbered(2, 5), true);
        assertEquals(5, padded.width());
        assertEquals(5, padded.height());
        assertThat(red(padded)[0]).containsExactly(0, 1, 2, 0, 0);
        assertThat(red(padded)[4]).containsExactly(0, 41, 42, 0, 0);
        assertEquals(1042f, padded.get(2, 4, 1));
        assertEquals(2001f, padded.get(1, 0, 2));

        // Landscape 5x2: one row on top, two at the bottom.
        float[][] landscape = red(ImageOps.padToSquare(numbered(5, 2), true));
        assertThat(landscape[0]).containsOnly(0f);
        assertThat(landscape[1]).containsExactly(1, 2, 3, 4, 5);
        assertThat(landscape[2]).containsExactly(11, 12, 13, 14, 15);
        assertThat(landscape[3]).containsOnly(0f);
        assertThat(landscape[4]).containsOnly(0f);
    }

    @Test
    void uncenteredPaddingGoesBelowOrRight() {
        float[][] landscape = red(ImageOps.padToSquare(numbered(3, 1), false));
        assertThat(landscape[0]).containsExactly(1, 2, 3);
        assertThat(landscape[1]).containsOnly(0f);
        assertThat(landscape[2]).containsOnly(0f);

        float[][] portrait = red(ImageOps.padToSquare(numbered(1, 3), false));
        assertThat(portrait[0]).containsExactly(1, 0, 0);
        assertThat(portrait[2]).containsExactly(21, 0, 0);
    }

    @Test
    void squareImagesAreNotPadded() {
        RgbImage square = numbered(3, 3);
        assertSame(square, ImageOps.padToSquare(square, true));
    }

    @Test
    void upsamplingUsesTheLegacyMappingWithoutHalfPixelOffset() {
        // 2x2 -> 4x4: source = dst * 0.5, so rows/cols 0, 0.5, 1, 1.5 (1.5 clamps to the last pixel).
        float[][] out = red(ImageOps.resizeBilinear(new RgbImage(2, 2, new float[] {
                0, 0, 0, 10, 0, 0,
                20, 0, 0, 30, 0, 0}), 4));
        assertThat(out[0]).containsExactly(0, 5, 10, 10);
        assertThat(out[1]).containsExactly(10, 15, 20, 20);
        assertThat(out[2]).containsExactly(20, 25, 30, 30);
        assertThat(out[3]).containsExactly(20, 25, 30, 30);
    }

    @Test
    void halvingPicksPixelsInsteadOfAveraging() {
        // 4x4 -> 2x2: source = dst * 2 hits pixels 0 and 2 exactly (half-pixel centers would average).
        RgbImage out = ImageOps.resizeBilinear(numbered(4, 4), 2);
        assertThat(red(out)[0]).containsExactly(1, 3);
        assertThat(red(out)[1]).containsExactly(21, 23);
        assertEquals(2023f, out.get(1, 1, 2));
    }

    @Test
    void downsamplingInterpolatesAtFractionalSources() {
        // 3 -> 2 along a row: sources 0 and 1.5 -> 1 and (2 + 3) / 2.
        RgbImage out = ImageOps.resizeBilinear(numbered(3, 3), 2);
        assertThat(red(out)[0]).containsExactly(1f, 2.5f);
        assertThat(red(out)[1]).containsExactly(16f, 17.5f);
    }

    @Test
    void squareInputPadsThenResizesOnlyWhenNeeded() {
        RgbImage exact = numbered(4, 4);
        assertSame(exact, ImageOps.toSquareInput(exact, 4, true));
        RgbImage resized = ImageOps.toSquareInput(numbered(2, 4), 2, true);
        // padded 4x4 (one column each side), then pixels 0 and 2 of each axis.
        assertThat(red(resized)[0]).containsExactly(0, 2);
        assertThat(red(resized)[1]).containsExactly(0, 22);
    }

    @Test
    void cropSlicesTheRegion() {
        RgbImage crop = ImageOps.crop(numbered(5, 4), 1, 2, 3, 2);
        assertThat(red(crop)[0]).containsExactly(22, 23, 24);
        assertThat(red(crop)[1]).containsExactly(32, 33, 34);
        assertEquals(2034f, crop.get(2, 1, 2));
        assertThatThrownBy(() -> ImageOps.crop(numbered(5, 4), 3, 0, 3, 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ImageOps.crop(numbered(5, 4), -1, 0, 1, 1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void clippingClampsThenFloorsEachFieldOnItsOwn() {
        assertEquals(new PixelRect(0, 10, 40, 14),
                ImageOps.clipAtImageBorders(-3.7, 10.2, 50.9, 20.5, 40, 25));
        // Right edge 5.4, but x and width are floored separately: 1 + 3, not floor(5.4) = 5.
        assertEquals(new PixelRect(1, 2, 3, 4), ImageOps.clipAtImageBorders(1.5, 2.0, 3.9, 4.0, 100, 100));
        assertThat(ImageOps.clipAtImageBorders(120, 5, 10, 10, 100, 100).isEmpty()).isTrue();
        assertThat(ImageOps.clipAtImageBorders(10, 5, 10, 10, 100, 100).isEmpty()).isFalse();
    }

    @Test
    void normalisationMatchesFaceApiInFloat32() {
        // First pixel of the golden crop s1_f00 (73, 65, 50) and face-api's normalised values.
        float[] target = new float[4];
        ImageOps.normalizeInto(new RgbImage(1, 1, new float[] {73, 65, 50}),
                FaceDescriptorNet.MEAN_RGB, 255f, target, 1);
        assertThat(target).containsExactly(0f, -0.19522352516651154f, -0.2039254903793335f, -0.21293331682682037f);
    }

    /** The old composition the nets' input preparation replaced: crop, pad, resize, normalise. */
    private static float[] composed(RgbImage image, PixelRect region, int size, boolean centered) {
        RgbImage input = ImageOps.toSquareInput(ImageOps.crop(image, region), size, centered);
        float[] out = new float[size * size * 3 + 5];
        ImageOps.normalizeInto(input, FaceDescriptorNet.MEAN_RGB, 255f, out, 5);
        return out;
    }

    private static float[] inPlace(RgbImage image, PixelRect region, int size, boolean centered) {
        float[] out = new float[size * size * 3 + 5];
        ImageOps.squareInputInto(image, region, size, centered, FaceDescriptorNet.MEAN_RGB, 255f, out, 5);
        return out;
    }

    @Test
    void squareInputInPlaceEqualsCropPadResizeNormaliseOnADemoPhoto() throws Exception {
        RgbImage photo = Goldens.png(Goldens.dir().resolve("images/sample1.png"));
        PixelRect[] regions = {
            new PixelRect(700, 200, 231, 300), // taller: odd padding split left and right
            new PixelRect(100, 400, 301, 190), // wider: padding above and below
            new PixelRect(1000, 300, 256, 256), // square, downscaled
            new PixelRect(1500, 500, 150, 150), // already the input size: no resize
            new PixelRect(0, 0, 80, 61), // upscaled, at the image corner
            new PixelRect(photo.width() - 97, photo.height() - 140, 97, 140), // at the far borders
        };
        for (PixelRect region : regions) {
            for (int size : new int[] {112, 150}) {
                for (boolean centered : new boolean[] {true, false}) {
                    float[] expected = composed(photo, region, size, centered);
                    float[] actual = inPlace(photo, region, size, centered);
                    int at = Arrays.mismatch(actual, expected);
                    assertThat(at).as(() -> region + " to " + size + (centered ? " centred" : "") + ": value " + at + " is "
                            + actual[at] + " instead of " + expected[at]).isEqualTo(-1);
                }
            }
        }
    }

    @Test
    void squareInputRefusesARegionOutsideTheImage() {
        RgbImage image = numbered(10, 10);
        float[] out = new float[112 * 112 * 3];
        assertThatThrownBy(() -> ImageOps.squareInputInto(image, new PixelRect(5, 5, 6, 5), 112, true,
                FaceDescriptorNet.MEAN_RGB, 255f, out, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ImageOps.squareInputInto(image, new PixelRect(0, 0, 0, 5), 112, true,
                FaceDescriptorNet.MEAN_RGB, 255f, out, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
