package io.biostream.launcher.bench;

import io.biostream.operators.identity.Gallery;
import java.util.Random;

/**
 * Seeded random descriptors shaped like face-api's: 128 Gaussian values scaled to a norm of 1.45
 * (±0.05), so strangers sit about 2 apart. Genuine probes are enrolled descriptors moved by
 * per-value noise of 0.03 (distance about 0.34, under face-api's 0.6 threshold).
 */
public final class SyntheticTemplates {
    static final double NORM = 1.45;
    static final double GENUINE_NOISE = 0.03;
    private final Random random;

    public SyntheticTemplates(long seed) {
        random = new Random(seed);
    }

    public float[] stranger() {
        double[] v = new double[Gallery.DIMENSIONS];
        double sum = 0;
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextGaussian();
            sum += v[i] * v[i];
        }
        double scale = (NORM + (random.nextDouble() - 0.5) * 0.1) / Math.sqrt(sum);
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (v[i] * scale);
        }
        return out;
    }

    public float[] genuine(float[] enrolled) {
        float[] out = enrolled.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] += (float) (random.nextGaussian() * GENUINE_NOISE);
        }
        return out;
    }
}
