package io.biostream.launcher.bench;

import java.util.Arrays;

/** Nearest-rank percentiles of a sample of durations. */
public final class Percentiles {
    private Percentiles() {}

    /** The {@code p}-th percentile (0 < p <= 100) of {@code values}, by nearest rank; NaN when empty. */
    public static double of(double[] values, double p) {
        if (values.length == 0) {
            return Double.NaN;
        }
        if (!(p > 0 && p <= 100)) {
            throw new IllegalArgumentException("percentile must be in (0, 100], not " + p);
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(rank, 1) - 1];
    }
}
