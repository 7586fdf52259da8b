package io.biostream.operators.image;

import java.util.Objects;

/**
 * An RGB image as the face nets consume it: interleaved HWC float32 holding 0..255 values
 * (face-api's tensor layout), so ports can be compared element by element with the goldens.
 */
public final class RgbImage {
    /** The most pixels an image can have: its RGB floats must fit one Java array (2^31-9 values). */
    public static final long MAX_PIXELS = (Integer.MAX_VALUE - 8) / 3;

    private final int width;
    private final int height;
    private final float[] data;

    public RgbImage(int width, int height, float[] data) {
        if (width < 0 || height < 0) {
            throw new IllegalArgumentException("negative size " + width + "x" + height);
        }
        Objects.requireNonNull(data, "data");
        if (data.length != values(width, height)) {
            throw new IllegalArgumentException(
                    "data has " + data.length + " values, expected " + (long) width * height * 3);
        }
        this.width = width;
        this.height = height;
        this.data = data;
    }

    /** From packed 8-bit RGB bytes (row-major, 3 bytes a pixel). */
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

    /** The backing array (HWC, RGB); callers must not modify it. */
    public float[] data() {
        return data;
    }

    public float get(int x, int y, int channel) {
        return data[(y * width + x) * 3 + channel];
    }
}
