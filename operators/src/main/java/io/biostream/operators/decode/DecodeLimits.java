package io.biostream.operators.decode;

import io.biostream.operators.config.Settings;
import io.biostream.operators.image.RgbImage;
import java.io.Serializable;
import java.time.Duration;

/**
 * Bounds on what a frame may cost before it is decoded: compressed size, the pixel size read from
 * the image header (a small file can declare a huge image: a decompression bomb), the number of
 * progressive-JPEG scans (each one is a pass over the whole image), and the decode memory the
 * whole process may spend at once ({@link DecodeBudget}).
 *
 * @param budgetBytes decode memory in flight at once in this process (heap and native, estimated
 *                    by {@link DecodeBudget#peakBytes}); 0 means a quarter of the JVM's heap
 * @param budgetWait  how long a decode waits for its share of the budget before it is refused
 */
public record DecodeLimits(long maxFrameBytes, int maxWidth, int maxHeight, long maxPixels, int maxScans,
                           long budgetBytes, Duration budgetWait) implements Serializable {
    /** Sized for cameras: 12 MP covers 4000x3000 stills and every video mode up to 4K (8.3 MP). */
    public static final long DEFAULT_MAX_PIXELS = 12_000_000L;
    /** The most pixels any setting may allow: the decoded image's RGB floats must fit one Java array. */
    public static final long MAX_PIXELS_CEILING = RgbImage.MAX_PIXELS;
    public static final DecodeLimits DEFAULTS = new DecodeLimits(8L * 1024 * 1024, 8192, 8192, DEFAULT_MAX_PIXELS,
            100, 0, Duration.ofSeconds(5));

    public DecodeLimits {
        if (maxFrameBytes <= 0 || maxWidth <= 0 || maxHeight <= 0 || maxPixels <= 0 || maxScans <= 0) {
            throw new IllegalArgumentException("decode limits must be positive: " + maxFrameBytes + ", "
                    + maxWidth + "x" + maxHeight + ", " + maxPixels + " px, " + maxScans + " scans");
        }
        if (maxPixels > MAX_PIXELS_CEILING) {
            throw new IllegalArgumentException("max-pixels " + maxPixels + " is above the ceiling " + MAX_PIXELS_CEILING);
        }
        if (budgetBytes < 0 || budgetWait == null || budgetWait.isNegative()) {
            throw new IllegalArgumentException("decode budget must not be negative: " + budgetBytes + " bytes, wait " + budgetWait);
        }
    }

    /** Today's size limits with the default scan limit and budget. */
    public DecodeLimits(long maxFrameBytes, int maxWidth, int maxHeight, long maxPixels) {
        this(maxFrameBytes, maxWidth, maxHeight, maxPixels, DEFAULTS.maxScans(), DEFAULTS.budgetBytes(), DEFAULTS.budgetWait());
    }

    /** The {@code biostream.decode.*} limits, the same for the job and for the API's photo uploads. */
    public static DecodeLimits from(Settings s) {
        return new DecodeLimits(
                s.getLong("biostream.decode.max-frame-bytes", DEFAULTS.maxFrameBytes(), 1, 512L * 1024 * 1024),
                s.getInt("biostream.decode.max-width", DEFAULTS.maxWidth(), 1, 65_535),
                s.getInt("biostream.decode.max-height", DEFAULTS.maxHeight(), 1, 65_535),
                s.getLong("biostream.decode.max-pixels", DEFAULTS.maxPixels(), 1, MAX_PIXELS_CEILING),
                s.getInt("biostream.decode.max-scans", DEFAULTS.maxScans(), 1, 10_000),
                s.getLong("biostream.decode.budget-bytes", DEFAULTS.budgetBytes(), 0, Long.MAX_VALUE / 2),
                s.getDuration("biostream.decode.budget-wait", DEFAULTS.budgetWait()));
    }

    /** The budget in bytes: as set, or a quarter of this JVM's heap. */
    public long effectiveBudgetBytes() {
        return budgetBytes > 0 ? budgetBytes : Runtime.getRuntime().maxMemory() / 4;
    }
}
