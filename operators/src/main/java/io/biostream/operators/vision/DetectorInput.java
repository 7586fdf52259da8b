package io.biostream.operators.vision;

import io.biostream.operators.image.RgbImage;

/**
 * The detectors' input image in one pass: face-api's padToSquare (not centered: zeros after the
 * image, at the bottom or right) followed by its legacy resizeBilinear (no half-pixel offset),
 * without materialising the padded square (a 1920x1280 frame would need a 1920x1920 copy).
 *
 * <p>The interpolation rounds every step to float32, as the tfjs wasm backend that produced the
 * goldens does: that reproduces its 416x416 tiny-detector input exactly, where double
 * arithmetic ({@link ImageOps#resizeBilinear}, the cpu backend) differs by up to 0.0053 levels.
 */
final class DetectorInput {
    private DetectorInput() {
    }

    /** HWC RGB values 0..255, {@code size x size x 3}. */
    static float[] squareResized(RgbImage image, int size) {
        float[] out = new float[size * size * 3];
        resizeInto(image, size, false, out, 0);
        return out;
    }

    /**
     * The SSD's input: {@link #squareResized} scaled to -1..1 as face-api does it
     * ({@code x / 127.5 - 1} in float32), written into {@code out} from {@code offset} in the
     * same pass (no intermediate 0..255 copy).
     */
    static void squareResizedMinusOneToOne(RgbImage image, int size, float[] out, int offset) {
        resizeInto(image, size, true, out, offset);
    }

    private static void resizeInto(RgbImage image, int size, boolean minusOneToOne, float[] out, int offset) {
        int width = image.width();
        int height = image.height();
        if (width <= 0 || height <= 0 || size <= 0) {
            throw new IllegalArgumentException("cannot fit " + width + "x" + height + " into " + size + "x" + size);
        }
        int side = Math.max(width, height);
        float scale = (float) side / size;
        // Per output column: offsets of the two source pixels in a row, -1 where the column
        // falls in the zero padding right of the image.
        int[] left = new int[size];
        int[] right = new int[size];
        float[] colFrac = new float[size];
        for (int c = 0; c < size; c++) {
            float source = c * scale;
            int col0 = (int) Math.floor(source);
            int col1 = Math.min(side - 1, (int) Math.ceil(source));
            left[c] = col0 < width ? col0 * 3 : -1;
            right[c] = col1 < width ? col1 * 3 : -1;
            colFrac[c] = source - col0;
        }
        int rowStride = width * 3;
        int o = offset;
        for (int r = 0; r < size; r++) {
            float source = r * scale;
            int row0 = (int) Math.floor(source);
            int row1 = Math.min(side - 1, (int) Math.ceil(source));
            float rowFrac = source - row0;
            // Row starts, -1 for rows in the zero padding below the image.
            int top = row0 < height ? row0 * rowStride : -1;
            int bottom = row1 < height ? row1 * rowStride : -1;
            for (int c = 0; c < size; c++) {
                int l = left[c];
                int rt = right[c];
                float frac = colFrac[c];
                for (int ch = 0; ch < 3; ch++) {
                    float topLeft = top >= 0 && l >= 0 ? image.sample(top + l + ch) : 0f;
                    float topRight = top >= 0 && rt >= 0 ? image.sample(top + rt + ch) : 0f;
                    float bottomLeft = bottom >= 0 && l >= 0 ? image.sample(bottom + l + ch) : 0f;
                    float bottomRight = bottom >= 0 && rt >= 0 ? image.sample(bottom + rt + ch) : 0f;
                    float upper = topLeft + (topRight - topLeft) * frac;
                    float lower = bottomLeft + (bottomRight - bottomLeft) * frac;
                    float value = upper + (lower - upper) * rowFrac;
                    out[o++] = minusOneToOne ? value / 127.5f - 1f : value;
                }
            }
        }
    }
}
