package io.biostream.launcher.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class WithinClassMetricTest {

    @Test
    void choleskyFactorRebuildsTheMatrixAndItsInverseUndoesIt() {
        double[][] a = {{4, 2, 0.4}, {2, 5, 1}, {0.4, 1, 3}};
        double[][] l = WithinClassMetric.cholesky(a);
        double[][] inverse = WithinClassMetric.lowerInverse(l);
        for (int r = 0; r < 3; r++) {
            for (int c = 0; c < 3; c++) {
                double product = 0;
                double identity = 0;
                for (int k = 0; k < 3; k++) {
                    product += l[r][k] * l[c][k];
                    identity += inverse[r][k] * l[k][c];
                }
                assertEquals(a[r][c], product, 1e-12, "L L^T at " + r + "," + c);
                assertEquals(r == c ? 1 : 0, identity, 1e-12, "L^-1 L at " + r + "," + c);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> WithinClassMetric.cholesky(new double[][] {{1, 2}, {2, 1}}));
    }

    @Test
    void aDirectionInWhichOnePersonVariesCountsLessThanOneInWhichPeopleDiffer() {
        // two people, each spread along x (within-class) and apart along y (between classes)
        List<String> ids = List.of("a", "a", "a", "b", "b", "b");
        List<float[]> descriptors = List.of(new float[] {-1, 0}, new float[] {0, 0}, new float[] {1, 0},
                new float[] {-1, 1}, new float[] {0, 1}, new float[] {1, 1});
        double[][] metric = WithinClassMetric.learn(ids, descriptors, 0.01);
        List<float[]> moved = WithinClassMetric.apply(metric, List.of(new float[] {0, 0}, new float[] {1, 0}, new float[] {0, 1}));
        double alongX = distance(moved.get(0), moved.get(1));
        double alongY = distance(moved.get(0), moved.get(2));
        // within-class variance 2/3 along x, ~0 along y (shrinkage 0.01 of the mean variance 1/3 keeps it invertible)
        assertEquals(Math.sqrt(1.0 / 3) / Math.sqrt(2.0 / 3 + 0.01 / 3), alongX, 1e-6);
        assertEquals(Math.sqrt(1.0 / 3) / Math.sqrt(0.01 / 3), alongY, 1e-6);
    }

    private static double distance(float[] a, float[] b) {
        double sum = 0;
        for (int k = 0; k < a.length; k++) {
            sum += (a[k] - b[k]) * (double) (a[k] - b[k]);
        }
        return Math.sqrt(sum);
    }
}
