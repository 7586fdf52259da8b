package io.biostream.operators.identity;

import java.util.List;

/**
 * Every pair of a labelled set of face descriptors, split by whether both faces carry the same
 * identity, as Euclidean distances (face-api's measure).
 */
public record VerificationPairs(double[] sameDistances, double[] differentDistances) {

    /** A pair's score from the faces' indexes and their Euclidean distance (lower = more alike). */
    @FunctionalInterface
    public interface PairScore {
        double score(int i, int j, double distance);
    }

    /** {@code identities.get(i)} names whose face {@code descriptors.get(i)} is; all descriptors the same length. */
    public static VerificationPairs of(List<String> identities, List<float[]> descriptors) {
        return of(identities, descriptors, (i, j, distance) -> distance);
    }

    /** As {@link #of(List, List)}, each pair scored by {@code score} (a normalisation of its distance). */
    public static VerificationPairs of(List<String> identities, List<float[]> descriptors, PairScore score) {
        if (identities.size() != descriptors.size()) {
            throw new IllegalArgumentException(identities.size() + " identities for " + descriptors.size() + " descriptors");
        }
        int n = descriptors.size();
        long same = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                if (identities.get(i).equals(identities.get(j))) {
                    same++;
                }
            }
        }
        long all = (long) n * (n - 1) / 2;
        if (all > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(n + " faces make too many pairs to hold (" + all + ")");
        }
        double[] sameDistances = new double[(int) same];
        double[] differentDistances = new double[(int) (all - same)];
        int s = 0;
        int d = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double distance = score.score(i, j, euclidean(descriptors.get(i), descriptors.get(j)));
                if (identities.get(i).equals(identities.get(j))) {
                    sameDistances[s++] = distance;
                } else {
                    differentDistances[d++] = distance;
                }
            }
        }
        return new VerificationPairs(sameDistances, differentDistances);
    }

    public static double euclidean(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("descriptors of length " + a.length + " and " + b.length);
        }
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            double diff = (double) a[i] - b[i];
            sum += diff * diff;
        }
        return Math.sqrt(sum);
    }

    public VerificationMetrics metrics() {
        return VerificationMetrics.of(sameDistances, differentDistances);
    }
}
