package io.biostream.operators.image;

import java.util.Objects;

/**
 * An RGB image as the face nets consume it: interleaved HWC values 0..255 read as float32
 * (face-api's tensor layout), so ports can be compared element by element with the goldens.
 * A decoded frame keeps its 8-bit samples ({@link #ofRgbBytes}): a quarter of the memory of
 * floats, and every float read from it is the exact value the float image would hold; images
 * the pipeline computes (resized, cropped, chips) hold floats.
 */
public final class RgbImage {
    /** The most pixels an image can have: its RGB floats must fit one Java array (2^31-9 values). */
    public static final long MAX_PIXELS = (Integer.MAX_VALUE - 8) / 3;

    private final int width;
    private final int height;
    /** The float samples, null for an 8-bit image. */
    private final float[] data;
    /** The 8-bit samples of an image made by {@link #ofRgbBytes}, else null. */
    private final byte[] bytes;
    /** An 8-bit image's samples as floats, made by the first {@link #data()} call. */
    private volatile float[] converted;

    public RgbImage(int width, int height, float[] data) {
        this(width, height, Objects.requireNonNull(data, "data"), null, data.length);
    }

    private RgbImage(int width, int height, float[] data, byte[] bytes, int length) {
        if (width < 0 || height < 0) {
            throw new IllegalArgumentException("negative size " + width + "x" + height);
        }
        if (length != values(width, height)) {
            throw new IllegalArgumentException(
                    "data has " + length + " values, expected " + (long) width * height * 3);
        }
        this.width = width;
        this.height = height;
        this.data = data;
        this.bytes = bytes;
    }

    /** Over packed 8-bit RGB bytes (row-major, 3 bytes a pixel), which it keeps: the caller must not modify them. */
    public static RgbImage ofRgbBytes(int width, int height, byte[] rgb) {
        Objects.requireNonNull(rgb, "rgb");
        return new RgbImage(width, height, null, rgb, rgb.length);
    }

    /** A float copy of packed 8-bit RGB bytes (row-major, 3 bytes a pixel). */
    public static RgbImage fromRgbBytes(int width, int height, byte[] rgb) {
        float[] data = new float[values(width, height)];
        for (int i = 0; i < data.length; i++) {
            data[i] = rgb[i] & 0xff;
        }
        return new RgbImage(width, height, data);
    }

    /** The number of floats of a {@code width} x {@code height} image, refused (not overflowed) above {@link #MAX_PIXELS}. */
    public static int values(int width, int height) {
        long pixels = (long) width * height;
        if (width < 0 || height < 0 || pixels > MAX_PIXELS) {
            throw new IllegalArgumentException("an image of " + width + "x" + height + " does not fit in memory as RGB floats (at most "
                    + MAX_PIXELS + " px)");
        }
        return (int) (pixels * 3);
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /**
     * The samples as floats (HWC, RGB); callers must not modify them. An 8-bit image converts
     * them on the first call and keeps the copy: the pipeline's per-pixel paths read
     * {@link #sample} and {@link #copyTo} instead, so a frame never pays for the floats.
     */
    public float[] data() {
        if (data != null) {
            return data;
        }
        float[] floats = converted;
        if (floats == null) {
            floats = new float[bytes.length];
            copyTo(0, floats, 0, floats.length);
            converted = floats;
        }
        return floats;
    }

    /** Whether the samples are 8-bit ({@link #ofRgbBytes}). */
    public boolean eightBit() {
        return bytes != null;
    }

    /** The sample at data index {@code index} ((y * width + x) * 3 + channel). */
    public float sample(int index) {
        return bytes != null ? bytes[index] & 0xff : data[index];
    }

    public float get(int x, int y, int channel) {
        return sample((y * width + x) * 3 + channel);
    }

    /** {@code count} samples from data index {@code from} into {@code target} at {@code offset}, as floats. */
    public void copyTo(int from, float[] target, int offset, int count) {
        if (bytes == null) {
            System.arraycopy(data, from, target, offset, count);
            return;
        }
        Objects.checkFromIndexSize(from, count, bytes.length);
        Objects.checkFromIndexSize(offset, count, target.length);
        for (int i = 0; i < count; i++) {
            target[offset + i] = bytes[from + i] & 0xff;
        }
    }
}
