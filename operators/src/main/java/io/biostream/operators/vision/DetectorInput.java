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
        int width = image.width();
        int height = image.height();
        if (width <= 0 || height <= 0 || size <= 0) {
            throw new IllegalArgumentException("cannot fit " + width + "x" + height + " into " + size + "x" + size);
        }
        int side = Math.max(width, height);
        float scale = (float) side / size;
        int[] col0 = new int[size];
        int[] col1 = new int[size];
        float[] colFrac = new float[size];
        for (int c = 0; c < size; c++) {
            float source = c * scale;
            col0[c] = (int) Math.floor(source);
            col1[c] = Math.min(side - 1, (int) Math.ceil(source));
            colFrac[c] = source - col0[c];
        }
        float[] in = image.data();
        float[] out = new float[size * size * 3];
        int o = 0;
        for (int r = 0; r < size; r++) {
            float source = r * scale;
            int row0 = (int) Math.floor(source);
            int row1 = Math.min(side - 1, (int) Math.ceil(source));
            float rowFrac = source - row0;
            for (int c = 0; c < size; c++) {
                for (int ch = 0; ch < 3; ch++) {
                    float topLeft = pixel(in, width, height, col0[c], row0, ch);
                    float topRight = pixel(in, width, height, col1[c], row0, ch);
                    float bottomLeft = pixel(in, width, height, col0[c], row1, ch);
                    float bottomRight = pixel(in, width, height, col1[c], row1, ch);
                    float top = topLeft + (topRight - topLeft) * colFrac[c];
                    float bottom = bottomLeft + (bottomRight - bottomLeft) * colFrac[c];
                    out[o++] = top + (bottom - top) * rowFrac;
                }
            }
        }
        return out;
    }

    /** A pixel of the zero-padded square. */
    private static float pixel(float[] data, int width, int height, int x, int y, int channel) {
        return x < width && y < height ? data[(y * width + x) * 3 + channel] : 0f;
    }
}
