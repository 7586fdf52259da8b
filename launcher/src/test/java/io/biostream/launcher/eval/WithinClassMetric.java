package io.biostream.launcher.eval;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Within-class covariance normalisation (WCCN) for {@link VerificationLeverExperiment}: the
 * Mahalanobis distance under the descriptors' within-identity covariance, shrunk towards the
 * identity matrix ({@code Sw + shrinkage * mean(diag Sw) * I}), as a Euclidean distance between
 * descriptors multiplied by the inverse of that matrix's Cholesky factor.
 */
final class WithinClassMetric {

    /** {@code L^-1} for the shrunk within-class covariance {@code L L^T}, scaled so distances keep their size. */
    static double[][] learn(List<String> identities, List<float[]> descriptors, double shrinkage) {
        int n = descriptors.get(0).length;
        Map<String, List<float[]>> byIdentity = new HashMap<>();
        for (int i = 0; i < descriptors.size(); i++) {
            byIdentity.computeIfAbsent(identities.get(i), k -> new ArrayList<>()).add(descriptors.get(i));
        }
        double[][] within = new double[n][n];
        for (List<float[]> group : byIdentity.values()) {
            double[] mean = new double[n];
            for (float[] d : group) {
                for (int k = 0; k < n; k++) {
                    mean[k] += d[k] / (double) group.size();
                }
            }
            for (float[] d : group) {
                for (int r = 0; r < n; r++) {
                    for (int c = 0; c < n; c++) {
                        within[r][c] += (d[r] - mean[r]) * (d[c] - mean[c]) / descriptors.size();
                    }
                }
            }
        }
        double meanVariance = 0;
        for (int k = 0; k < n; k++) {
            meanVariance += within[k][k] / n;
        }
        for (int k = 0; k < n; k++) {
            within[k][k] += shrinkage * meanVariance;
        }
        double[][] inverse = lowerInverse(cholesky(within));
        double scale = Math.sqrt(meanVariance);
        for (double[] row : inverse) {
            for (int c = 0; c < n; c++) {
                row[c] *= scale;
            }
        }
        return inverse;
    }

    static List<float[]> apply(double[][] transform, List<float[]> descriptors) {
        List<float[]> out = new ArrayList<>();
        for (float[] d : descriptors) {
            float[] t = new float[transform.length];
            for (int r = 0; r < transform.length; r++) {
                double sum = 0;
                for (int c = 0; c <= r; c++) {
                    sum += transform[r][c] * d[c];
                }
                t[r] = (float) sum;
            }
            out.add(t);
        }
        return out;
    }

    /** The lower-triangular L with {@code a = L L^T} (a symmetric positive definite). */
    static double[][] cholesky(double[][] a) {
        int n = a.length;
        double[][] l = new double[n][n];
        for (int r = 0; r < n; r++) {
            for (int c = 0; c <= r; c++) {
                double sum = a[r][c];
                for (int k = 0; k < c; k++) {
                    sum -= l[r][k] * l[c][k];
                }
                if (r == c) {
                    if (sum <= 0) {
                        throw new IllegalArgumentException("not positive definite at " + r);
                    }
                    l[r][r] = Math.sqrt(sum);
                } else {
                    l[r][c] = sum / l[c][c];
                }
            }
        }
        return l;
    }

    /** The inverse of a lower-triangular matrix (itself lower-triangular), by forward substitution. */
    static double[][] lowerInverse(double[][] l) {
        int n = l.length;
        double[][] inv = new double[n][n];
        for (int c = 0; c < n; c++) {
            inv[c][c] = 1 / l[c][c];
            for (int r = c + 1; r < n; r++) {
                double sum = 0;
                for (int k = c; k < r; k++) {
                    sum -= l[r][k] * inv[k][c];
                }
                inv[r][c] = sum / l[r][r];
            }
        }
        return inv;
    }

    private WithinClassMetric() {}
}
