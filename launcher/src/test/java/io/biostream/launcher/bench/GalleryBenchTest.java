package io.biostream.launcher.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.launcher.bench.GalleryBench.Plan;
import io.biostream.launcher.bench.GalleryBench.Result;
import io.biostream.operators.identity.Gallery;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class GalleryBenchTest {

    @Test
    void measuresASmallGalleryAndFindsEveryGenuineProbe() {
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        Result r = GalleryBench.run(3000, new Plan(40, 4, 5, 0.5, 2, 7),
                new PrintStream(progress, true, StandardCharsets.UTF_8));

        assertThat(r.templates()).isEqualTo(3000);
        assertThat(r.subjects()).isEqualTo(1500);
        // 3000 rows live in one block grown to 4096 rows.
        assertThat(r.matrixBytes()).isEqualTo(4096L * Gallery.DIMENSIONS * Float.BYTES);
        assertThat(r.genuineProbes()).isEqualTo(20);
        assertThat(r.genuineRank1()).isEqualTo(20);
        assertThat(r.strangerProbes()).isEqualTo(20);
        assertThat(r.strangersUnderThreshold()).isZero();
        assertThat(r.latencySamples()).isPositive();
        assertThat(r.latencyP99Ms()).isGreaterThanOrEqualTo(r.latencyMedianMs()).isPositive();
        assertThat(r.batches()).isPositive();
        assertThat(r.facesPerSecond()).isPositive();
        assertThat(r.batchCpuMedianMs()).isPositive();
        assertThat(r.enrolMedianMicros()).isPositive();
        assertThat(r.eraseMedianMicros()).isPositive();
        // 4096 rows of int8 codes plus four floats each that the scan reads.
        assertThat(r.scanBytes()).isEqualTo(4096L * (Gallery.DIMENSIONS + 4 * Float.BYTES));
        assertThat(r.bytesPerTemplate()).isGreaterThanOrEqualTo(Gallery.DIMENSIONS * (Float.BYTES + 1));
        assertThat(r.perFaceBatchedP99Ms()).isGreaterThanOrEqualTo(r.perFaceBatchedMedianMs()).isPositive();
        assertThat(r.batchP99Ms()).isGreaterThanOrEqualTo(r.batchMedianMs());
        assertThat(progress.toString(StandardCharsets.UTF_8)).contains("gallery 3,000: built in");
    }

    @Test
    void percentilesAreNearestRank() {
        double[] values = {5, 1, 4, 2, 3};
        assertThat(Percentiles.of(values, 50)).isEqualTo(3);
        assertThat(Percentiles.of(values, 99)).isEqualTo(5);
        assertThat(Percentiles.of(values, 20)).isEqualTo(1);
        assertThat(Percentiles.of(new double[0], 50)).isNaN();
    }

    @Test
    void syntheticDescriptorsLookLikeFaceApiOnes() {
        SyntheticTemplates synthetic = new SyntheticTemplates(1);
        float[] a = synthetic.stranger();
        float[] b = synthetic.stranger();
        assertThat(norm(a)).isBetween(1.39, 1.51);
        assertThat(distance(a, b)).isBetween(1.7, 2.4);
        assertThat(distance(a, synthetic.genuine(a))).isBetween(0.2, 0.5);
    }

    private static double norm(float[] v) {
        return distance(v, new float[v.length]);
    }

    private static double distance(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += (a[i] - (double) b[i]) * (a[i] - (double) b[i]);
        }
        return Math.sqrt(sum);
    }
}
