package io.biostream.operators.vision;

import io.biostream.operators.image.RgbImage;

/**
 * The image steps face-api applies before its nets (NetInput.toBatchTensor and friends),
 * reproduced value for value: the ports are compared with the JavaScript outputs to 1e-4, and a
 * one-pixel or one-level difference here moves a descriptor far more than that.
 */
public final class ImageOps {
    private ImageOps() {
    }

    /**
     * Pads with zeros (black) to a square. Centered: {@code round(diff/2)} (JS round, half up)
     * rows/columns after the image (bottom/right) and the rest before it; not centered: all of
     * them after it. Returns the image itself when it is already square.
     */
    public static RgbImage padToSquare(RgbImage image, boolean centered) {
        int width = image.width();
        int height = image.height();
        if (width == height) {
            return image;
        }
        SquarePadding square = SquarePadding.of(width, height, centered);
        int size = square.side();
        int offsetX = square.offsetX();
        int offsetY = square.offsetY();
        float[] out = new float[size * size * 3];
        for (int y = 0; y < height; y++) {
            image.copyTo(y * width * 3, out, ((y + offsetY) * size + offsetX) * 3, width * 3);
        }
        return new RgbImage(size, size, out);
    }

    /**
     * TF's resizeBilinear with alignCorners=false and halfPixelCenters=false (the legacy mapping,
     * no half-pixel offset): source = dst*in/out. Interpolated in double and stored as float32,
     * like the tfjs cpu backend.
     */
    public static RgbImage resizeBilinear(RgbImage image, int size) {
        return resizeBilinear(image, size, size);
    }

    public static RgbImage resizeBilinear(RgbImage image, int outWidth, int outHeight) {
        int inWidth = image.width();
        int inHeight = image.height();
        if (inWidth <= 0 || inHeight <= 0 || outWidth <= 0 || outHeight <= 0) {
            throw new IllegalArgumentException("cannot resize " + inWidth + "x" + inHeight
                    + " to " + outWidth + "x" + outHeight);
        }
        double rowRatio = (double) inHeight / outHeight;
        double colRatio = (double) inWidth / outWidth;
        int[] col0 = new int[outWidth];
        int[] col1 = new int[outWidth];
        double[] colFrac = new double[outWidth];
        for (int c = 0; c < outWidth; c++) {
            double source = colRatio * c;
            col0[c] = Math.max(0, (int) Math.floor(source));
            col1[c] = Math.min(inWidth - 1, (int) Math.ceil(source));
            colFrac[c] = source - col0[c];
        }
        float[] out = new float[outWidth * outHeight * 3];
        int o = 0;
        for (int r = 0; r < outHeight; r++) {
            double source = rowRatio * r;
            int row0 = Math.max(0, (int) Math.floor(source));
            int row1 = Math.min(inHeight - 1, (int) Math.ceil(source));
            double rowFrac = source - row0;
            for (int c = 0; c < outWidth; c++) {
                int topLeft = (row0 * inWidth + col0[c]) * 3;
                int topRight = (row0 * inWidth + col1[c]) * 3;
                int bottomLeft = (row1 * inWidth + col0[c]) * 3;
                int bottomRight = (row1 * inWidth + col1[c]) * 3;
                for (int ch = 0; ch < 3; ch++) {
                    double tl = image.sample(topLeft + ch);
                    double bl = image.sample(bottomLeft + ch);
                    double top = tl + (image.sample(topRight + ch) - tl) * colFrac[c];
                    double bottom = bl + (image.sample(bottomRight + ch) - bl) * colFrac[c];
                    out[o++] = (float) (top + (bottom - top) * rowFrac);
                }
            }
        }
        return new RgbImage(outWidth, outHeight, out);
    }

    /** NetInput's step for one image: pad to a square, then resize only if the size differs. */
    public static RgbImage toSquareInput(RgbImage image, int size, boolean centered) {
        RgbImage square = padToSquare(image, centered);
        return square.width() == size ? square : resizeBilinear(square, size);
    }

    /** The region {@code [x, x+width) x [y, y+height)}, which must lie inside the image (tf.slice3d). */
    public static RgbImage crop(RgbImage image, int x, int y, int width, int height) {
        if (x < 0 || y < 0 || width < 0 || height < 0
                || x + width > image.width() || y + height > image.height()) {
            throw new IllegalArgumentException("crop " + width + "x" + height + "+" + x + "+" + y
                    + " outside the " + image.width() + "x" + image.height() + " image");
        }
        float[] out = new float[width * height * 3];
        for (int row = 0; row < height; row++) {
            image.copyTo(((y + row) * image.width() + x) * 3, out, row * width * 3, width * 3);
        }
        return new RgbImage(width, height, out);
    }

    public static RgbImage crop(RgbImage image, PixelRect rect) {
        return crop(image, rect.x(), rect.y(), rect.width(), rect.height());
    }

    /**
     * face-api's {@code Box.clipAtImageBorders(w, h)}, which ends with {@code floor()}: the corner
     * is clamped at 0 and the far edges at the image size, in double, then x, y, width and height
     * are floored each on its own (not the floor of the clipped edges). The result may be empty.
     */
    public static PixelRect clipAtImageBorders(double x, double y, double width, double height,
                                               int imageWidth, int imageHeight) {
        double clippedX = Math.max(x, 0);
        double clippedY = Math.max(y, 0);
        double clippedWidth = Math.min(x + width - clippedX, imageWidth - clippedX);
        double clippedHeight = Math.min(y + height - clippedY, imageHeight - clippedY);
        return new PixelRect(floor(clippedX), floor(clippedY), floor(clippedWidth), floor(clippedHeight));
    }

    /**
     * face-api's {@code normalize(x, meanRgb).div(divisor)} in float32, written HWC into
     * {@code target} from {@code offset}: {@code (pixel - (float) mean[c]) / divisor}.
     */
    public static void normalizeInto(RgbImage image, double[] meanRgb, float divisor, float[] target, int offset) {
        float[] mean = {(float) meanRgb[0], (float) meanRgb[1], (float) meanRgb[2]};
        int values = image.width() * image.height() * 3;
        for (int i = 0; i < values; i++) {
            target[offset + i] = (image.sample(i) - mean[i % 3]) / divisor;
        }
    }

    /**
     * NetInput's steps for one region of an image, normalised, in one pass: the same floats as
     * {@code normalizeInto(toSquareInput(crop(image, region), size, centered), meanRgb, divisor, target, offset)},
     * value for value, without the crop, the padded square or the resized image as copies (the
     * padding is read as zeros where it lies, the interpolation is {@link #resizeBilinear}'s in double).
     */
    public static void squareInputInto(RgbImage image, PixelRect region, int size, boolean centered,
                                       double[] meanRgb, float divisor, float[] target, int offset) {
        int width = region.width();
        int height = region.height();
        if (region.isEmpty() || region.x() < 0 || region.y() < 0
                || region.x() + width > image.width() || region.y() + height > image.height() || size <= 0) {
            throw new IllegalArgumentException("region " + region + " of the " + image.width() + "x" + image.height()
                    + " image cannot be a " + size + " px input");
        }
        SquarePadding square = SquarePadding.of(width, height, centered);
        int side = square.side();
        int offsetX = square.offsetX();
        int offsetY = square.offsetY();
        float[] mean = {(float) meanRgb[0], (float) meanRgb[1], (float) meanRgb[2]};
        // Where each square column and row starts in the image's data, -1 in the padding.
        int rowStride = image.width() * 3;
        int o = offset;
        if (side == size) {
            for (int y = 0; y < size; y++) {
                int row = squareRow(y, offsetY, height, region.y(), rowStride);
                for (int x = 0; x < size; x++) {
                    int column = squareColumn(x, offsetX, width, region.x());
                    int at = row < 0 || column < 0 ? -1 : row + column;
                    for (int ch = 0; ch < 3; ch++) {
                        float value = at < 0 ? 0f : image.sample(at + ch);
                        target[o++] = (value - mean[ch]) / divisor;
                    }
                }
            }
            return;
        }
        double ratio = (double) side / size;
        int[] col0 = new int[size];
        int[] col1 = new int[size];
        double[] colFrac = new double[size];
        for (int c = 0; c < size; c++) {
            double source = ratio * c;
            int first = Math.max(0, (int) Math.floor(source));
            col0[c] = squareColumn(first, offsetX, width, region.x());
            col1[c] = squareColumn(Math.min(side - 1, (int) Math.ceil(source)), offsetX, width, region.x());
            colFrac[c] = source - first;
        }
        for (int r = 0; r < size; r++) {
            double source = ratio * r;
            int first = Math.max(0, (int) Math.floor(source));
            int row0 = squareRow(first, offsetY, height, region.y(), rowStride);
            int row1 = squareRow(Math.min(side - 1, (int) Math.ceil(source)), offsetY, height, region.y(), rowStride);
            double rowFrac = source - first;
            for (int c = 0; c < size; c++) {
                int topLeft = at(row0, col0[c]);
                int topRight = at(row0, col1[c]);
                int bottomLeft = at(row1, col0[c]);
                int bottomRight = at(row1, col1[c]);
                for (int ch = 0; ch < 3; ch++) {
                    double tl = topLeft < 0 ? 0f : image.sample(topLeft + ch);
                    double bl = bottomLeft < 0 ? 0f : image.sample(bottomLeft + ch);
                    double tr = topRight < 0 ? 0f : image.sample(topRight + ch);
                    double br = bottomRight < 0 ? 0f : image.sample(bottomRight + ch);
                    double top = tl + (tr - tl) * colFrac[c];
                    double bottom = bl + (br - bl) * colFrac[c];
                    float value = (float) (top + (bottom - top) * rowFrac);
                    target[o++] = (value - mean[ch]) / divisor;
                }
            }
        }
    }

    /** The data index of square column {@code x}'s pixel in its row, -1 in the padding. */
    /**
     * Where a width x height image sits in its zero-padded square of {@code side}: centered,
     * {@code round(diff/2)} (JS round) rows/columns after it and the rest before; else all after.
     */
    private record SquarePadding(int side, int offsetX, int offsetY) {
        static SquarePadding of(int width, int height, boolean centered) {
            int diff = Math.abs(width - height);
            int after = centered ? jsRound(diff * 0.5) : diff;
            int before = diff - after;
            return new SquarePadding(Math.max(width, height), height > width ? before : 0, width > height ? before : 0);
        }
    }

    private static int squareColumn(int x, int offsetX, int width, int regionX) {
        int ix = x - offsetX;
        return ix < 0 || ix >= width ? -1 : (regionX + ix) * 3;
    }

    /** The data index where square row {@code y} starts, -1 in the padding. */
    private static int squareRow(int y, int offsetY, int height, int regionY, int rowStride) {
        int iy = y - offsetY;
        return iy < 0 || iy >= height ? -1 : (regionY + iy) * rowStride;
    }

    private static int at(int row, int column) {
        return row < 0 || column < 0 ? -1 : row + column;
    }

    /** The image flipped left to right. */
    public static RgbImage mirror(RgbImage image) {
        int width = image.width();
        float[] out = new float[width * image.height() * 3];
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < width; x++) {
                image.copyTo((y * width + x) * 3, out, (y * width + width - 1 - x) * 3, 3);
            }
        }
        return new RgbImage(width, image.height(), out);
    }

    /** JS Math.round: half rounds up. */
    static int jsRound(double value) {
        return (int) Math.floor(value + 0.5);
    }

    private static int floor(double value) {
        return (int) Math.floor(value);
    }
}
