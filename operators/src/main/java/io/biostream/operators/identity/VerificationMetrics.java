package io.biostream.operators.identity;

import java.util.Arrays;

/**
 * Face-verification figures from the distances of same-person and different-person pairs. The
 * decision rule is face-api's: a pair is accepted as the same person when its distance is
 * strictly below the threshold. A false accept is a different-person pair accepted (FAR counts
 * them over different pairs), a false reject a same-person pair refused (FRR over same pairs).
 */
public final class VerificationMetrics {

    /** The highest accuracy over all thresholds, and the middle of the threshold interval that gives it. */
    public record BestAccuracy(double accuracy, double threshold) {}

    /**
     * True-accept rate at a false-accept rate: the highest TAR of any threshold that accepts at
     * most {@code floor(far * differentPairs)} different pairs. Not available (NaN figures) when
     * there are fewer than {@code 1/far} different pairs, since then no false accept is allowed
     * and the figure says nothing about that rate.
     */
    public record TarAtFar(double far, boolean available, double tar, double threshold, int allowedFalseAccepts) {}

    private final double[] same;
    private final double[] different;

    private VerificationMetrics(double[] same, double[] different) {
        this.same = same;
        this.different = different;
    }

    /** Needs at least one pair of each kind; distances must be finite. The arrays are copied. */
    public static VerificationMetrics of(double[] sameDistances, double[] differentDistances) {
        if (sameDistances.length == 0 || differentDistances.length == 0) {
            throw new IllegalArgumentException("need at least one same-person and one different-person pair, got "
                    + sameDistances.length + " and " + differentDistances.length);
        }
        return new VerificationMetrics(sortedFinite(sameDistances), sortedFinite(differentDistances));
    }

    public int samePairs() {
        return same.length;
    }

    public int differentPairs() {
        return different.length;
    }

    /** Share of all pairs decided right at {@code threshold}. */
    public double accuracyAt(double threshold) {
        long trueAccepts = countBelow(same, threshold);
        long trueRejects = different.length - countBelow(different, threshold);
        return (double) (trueAccepts + trueRejects) / (same.length + different.length);
    }

    /** Share of different-person pairs accepted at {@code threshold}. */
    public double falseAcceptRate(double threshold) {
        return (double) countBelow(different, threshold) / different.length;
    }

    /** Share of same-person pairs refused at {@code threshold}. */
    public double falseRejectRate(double threshold) {
        return (double) (same.length - countBelow(same, threshold)) / same.length;
    }

    /**
     * Accuracy only changes where the threshold passes a distance, so the candidates are every
     * distinct distance (accepting everything below it) and "above all of them". Ties between
     * candidates go to the lowest threshold.
     */
    public BestAccuracy bestAccuracy() {
        double[] candidates = candidateThresholds();
        double bestAccuracy = -1;
        double bestThreshold = Double.NaN;
        for (int i = 0; i < candidates.length; i++) {
            double accuracy = accuracyAt(candidates[i]);
            if (accuracy > bestAccuracy) {
                bestAccuracy = accuracy;
                bestThreshold = intervalMiddle(candidates, i);
            }
        }
        return new BestAccuracy(bestAccuracy, bestThreshold);
    }

    /**
     * Area under the ROC curve: the chance that a random different pair is farther apart than a
     * random same pair, ties counting half. This is the Mann-Whitney U statistic over
     * {@code same x different}, counted exactly from the sorted distances without forming pairs.
     */
    public double auc() {
        double orderedRight = 0;
        for (double d : different) {
            long below = countBelow(same, d);
            long tied = countBelow(same, Math.nextUp(d)) - below;
            orderedRight += below + tied / 2.0;
        }
        return orderedRight / ((double) same.length * different.length);
    }

    /**
     * Equal error rate: where FAR and FRR cross. Along the candidate thresholds FAR rises and FRR
     * falls; between the last point with FAR below FRR and the next one, both are interpolated
     * linearly to the point where they are equal.
     */
    public double eer() {
        double[] candidates = candidateThresholds();
        double previousFar = 0;
        double previousFrr = 1;
        for (double threshold : candidates) {
            double far = falseAcceptRate(threshold);
            double frr = falseRejectRate(threshold);
            if (far >= frr) {
                double before = previousFar - previousFrr; // < 0
                double after = far - frr; // >= 0
                double t = before == after ? 0 : -before / (after - before);
                return previousFar + t * (far - previousFar);
            }
            previousFar = far;
            previousFrr = frr;
        }
        throw new IllegalStateException("FAR reaches 1 above every distance, so the rates must cross");
    }

    public TarAtFar tarAtFar(double far) {
        if (!(far > 0 && far < 1)) {
            throw new IllegalArgumentException("FAR must be between 0 and 1, got " + far);
        }
        int allowed = (int) Math.floor(far * different.length + 1e-9);
        if (different.length * far < 1 - 1e-9) {
            return new TarAtFar(far, false, Double.NaN, Double.NaN, 0);
        }
        // Below the (allowed+1)-th smallest different distance at most `allowed` different pairs are accepted.
        double threshold = different[allowed];
        double tar = (double) countBelow(same, threshold) / same.length;
        return new TarAtFar(far, true, tar, threshold, allowed);
    }

    /** Every distinct distance, ascending, then the first value above the largest (merged from the sorted arrays). */
    private double[] candidateThresholds() {
        double[] merged = new double[same.length + different.length + 1];
        int n = 0;
        int i = 0;
        int j = 0;
        while (i < same.length || j < different.length) {
            double next = j == different.length || (i < same.length && same[i] <= different[j]) ? same[i++] : different[j++];
            if (n == 0 || next != merged[n - 1]) {
                merged[n++] = next;
            }
        }
        merged[n] = Math.nextUp(merged[n - 1]);
        return Arrays.copyOf(merged, n + 1);
    }

    /** Thresholds in (candidates[i-1], candidates[i]] decide alike; the first has no lower end. */
    private static double intervalMiddle(double[] candidates, int i) {
        return i == 0 ? candidates[0] : (candidates[i - 1] + candidates[i]) / 2;
    }

    /** How many of the ascending {@code values} are strictly below {@code threshold}. */
    private static long countBelow(double[] values, double threshold) {
        int low = 0;
        int high = values.length;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (values[mid] < threshold) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low;
    }

    private static double[] sortedFinite(double[] values) {
        for (double v : values) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException("distances must be finite, got " + v);
            }
        }
        double[] sorted = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            sorted[i] = values[i] + 0.0; // -0.0 becomes 0.0, so ties compare equal everywhere
        }
        Arrays.sort(sorted);
        return sorted;
    }
}
