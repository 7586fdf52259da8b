package io.biostream.operators.image;

import java.util.Objects;

/**
 * An RGB image as the face nets consume it: interleaved HWC float32 holding 0..255 values
 * (face-api's tensor layout), so ports can be compared element by element with the goldens.
 */
public final class RgbImage {
    private final int width;
    private final int height;
    private final float[] data;

    public RgbImage(int width, int height, float[] data) {
        if (width < 0 || height < 0) {
            throw new IllegalArgumentException("negative size " + width + "x" + height);
        }
        Objects.requireNonNull(data, "data");
        if (data.length != width * height * 3) {
            throw new IllegalArgumentException(
                    "data has " + data.length + " values, expected " + width * height * 3);
        }
        this.width = width;
        this.height = height;
        this.data = data;
    }

    /** From packed 8-bit RGB bytes (row-major, 3 bytes a pixel). */
    public static RgbImage fromRgbBytes(int width, int height, byte[] rgb) {
        float[] data = new float[width * height * 3];
        for (int i = 0; i < data.length; i++) {
            data[i] = rgb[i] & 0xff;
        }
        return new RgbImage(width, height, data);
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
