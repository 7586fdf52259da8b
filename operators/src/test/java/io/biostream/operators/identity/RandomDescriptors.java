package io.biostream.operators.identity;

import java.util.Random;

/** Seeded random descriptors shaped like face-api's: 128 values, norm about 1.45. */
final class RandomDescriptors {
    static final double NORM = 1.45;
    private final Random random;

    RandomDescriptors(long seed) {
        random = new Random(seed);
    }

    float[] next() {
        double[] v = new double[Gallery.DIMENSIONS];
        double sum = 0;
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextGaussian();
            sum += v[i] * v[i];
        }
        float[] out = new float[v.length];
        double scale = NORM / Math.sqrt(sum);
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (v[i] * scale);
        }
        return out;
    }

    /** {@code base} moved by Gaussian noise of the given per-value deviation. */
    float[] near(float[] base, double deviation) {
        float[] out = base.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] += (float) (random.nextGaussian() * deviation);
        }
        return out;
    }

    int nextInt(int bound) {
        return random.nextInt(bound);
    }
}
