package io.biostream.operators.decode;

import io.biostream.operators.config.Settings;
import java.io.Serializable;

/**
 * Bounds on what a frame may cost before it is decoded: compressed size, and the pixel size read
 * from the image header (a small file can declare a huge image: a decompression bomb).
 */
public record DecodeLimits(long maxFrameBytes, int maxWidth, int maxHeight, long maxPixels) implements Serializable {
    public static final DecodeLimits DEFAULTS = new DecodeLimits(8L * 1024 * 1024, 8192, 8192, 40_000_000L);

    public DecodeLimits {
        if (maxFrameBytes <= 0 || maxWidth <= 0 || maxHeight <= 0 || maxPixels <= 0) {
            throw new IllegalArgumentException("decode limits must be positive: " + maxFrameBytes + ", "
                    + maxWidth + "x" + maxHeight + ", " + maxPixels + " px");
        }
    }

    /** The {@code biostream.decode.*} limits, the same for the job and for the API's photo uploads. */
    public static DecodeLimits from(Settings s) {
        return new DecodeLimits(
                s.getLong("biostream.decode.max-frame-bytes", DEFAULTS.maxFrameBytes(), 1, 512L * 1024 * 1024),
                s.getInt("biostream.decode.max-width", DEFAULTS.maxWidth(), 1, 65_535),
                s.getInt("biostream.decode.max-height", DEFAULTS.maxHeight(), 1, 65_535),
                s.getLong("biostream.decode.max-pixels", DEFAULTS.maxPixels(), 1, 1L << 32));
    }
}
