package io.biostream.operators.identity;

/**
 * Symmetric int8 quantisation of descriptors for the gallery's first-pass scan, with the error
 * bounds that make the scan a sound filter (nothing the exact distance would rank in the top k is
 * ever filtered out).
 *
 * <p>A vector v is coded as {@code q_i = round(v_i / s)}, {@code s = max|v_i| / 127}, so
 * {@code |q_i| <= 127}, and {@code e = v - s·q} is its residual (computed exactly in double from
 * the stored float {@code s}). For a template g (scale s_g, code q, residual e_g) and a probe p
 * (scale s_p, code r, residual e_p):
 * <pre>
 *   p·g = s_g·s_p·(r·q) + s_g·(e_p·q) + p·e_g
 *   |p·g − s_g·s_p·(r·q)| ≤ ‖e_p‖·(s_g‖q‖) + ‖p‖·‖e_g‖          (Cauchy–Schwarz)
 * </pre>
 * The integer r·q is computed exactly (int8 products, int32/float sums below 2^24). The scan
 * ranks by the score {@code |g|² − 2·p·g} (the squared distance less |p|², which is the same for
 * every template of one probe), so the score lies within
 * {@code ± (2‖e_p‖·codeNorm + 2‖p‖·residual)} of its int8 estimate. On top of that the scan's float
 * arithmetic gets a margin of 1e-5 relative to |g|² + 4|p||g| (about 25 times its rounding
 * error), folded into the stored per-template figures.
 *
 * <p>Values whose magnitude lies outside [{@value #MIN_MAGNITUDE}, {@value #MAX_MAGNITUDE}] (other
 * than exact zeros) would underflow or overflow float products: such a template is kept
 * for the exact re-rank whatever its code says, such a probe is matched by an exact scan.
 */
final class Int8Codes {
    static final int LIMIT = 127;
    static final float MIN_MAGNITUDE = 1e-10f;
    static final float MAX_MAGNITUDE = 1e15f;
    /** Relative margin for the float arithmetic of the scan (see the class comment). */
    static final float MARGIN = 1e-5f;

    private Int8Codes() {}

    /** Whether v's largest magnitude lets the int8 scan bound it (zero vectors included). */
    static boolean scannable(float[] v) {
        float max = maxAbs(v);
        return max == 0 || (max >= MIN_MAGNITUDE && max <= MAX_MAGNITUDE);
    }

    /**
     * Writes v's code into {@code codes[offset, offset + 128)} and returns its scale; the codes
     * are all zero for an unscannable or zero vector (scale 0).
     */
    static float encode(float[] v, byte[] codes, int offset) {
        float max = maxAbs(v);
        if (max == 0 || !scannable(v)) {
            java.util.Arrays.fill(codes, offset, offset + v.length, (byte) 0);
            return 0f;
        }
        float scale = max / LIMIT;
        for (int i = 0; i < v.length; i++) {
            long q = Math.round((double) v[i] / scale);
            codes[offset + i] = (byte) Math.max(-LIMIT, Math.min(LIMIT, q));
        }
        return scale;
    }

    /** s·‖q‖, rounded up to float. */
    static float codeNorm(byte[] codes, int offset, float scale) {
        double sum = 0;
        for (int i = 0; i < Gallery.DIMENSIONS; i++) {
            sum += (double) codes[offset + i] * codes[offset + i];
        }
        return roundUp(scale * Math.sqrt(sum));
    }

    /** ‖v − s·q‖, rounded up to float. */
    static float residualNorm(float[] v, byte[] codes, int offset, float scale) {
        double sum = 0;
        for (int i = 0; i < v.length; i++) {
            double e = v[i] - (double) scale * codes[offset + i];
            sum += e * e;
        }
        return roundUp(Math.sqrt(sum));
    }

    /** ‖v‖, rounded up to float. */
    static float norm(float[] v) {
        return roundUp(Math.sqrt(Gallery.squaredNorm(v)));
    }

    static float roundUp(double x) {
        float f = (float) x;
        return f < x ? Math.nextUp(f) : f;
    }

    private static float maxAbs(float[] v) {
        float max = 0;
        for (float x : v) {
            max = Math.max(max, Math.abs(x));
        }
        return max;
    }
}
