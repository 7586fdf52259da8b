package io.biostream.operators.identity;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * 1:N search: the k nearest enrolled subjects of each probe descriptor, by Euclidean distance,
 * exactly as a brute-force double-precision scan of the float32 gallery would rank them.
 *
 * <p>Two passes. <b>Scan:</b> the probes are coded in int8 ({@link Int8Codes}) and multiplied with
 * the gallery's int8 codes, one matrix product per block of {@link Gallery#BLOCK_ROWS} templates
 * for a batch of probes (ND4J's {@code matmul}, oneDNN's int8 kernels on CPU: a quarter of the
 * float32 gallery's bytes, read once per batch). Each product gives, per template, a lower and an
 * upper bound of the score |g|² − 2·p·g (the squared distance less |p|²). A per-probe
 * {@link SubjectShortlist} of upper bounds gives τ, the k-th best subject's upper bound (widened
 * by small margins for rounding, {@link ProbeScan#limit}); every template whose lower bound is at
 * most τ is kept (τ only falls, so the kept list is pruned as it
 * goes). <b>Re-rank:</b> the kept templates' distances are computed exactly (double, from the
 * float32 descriptors), each subject keeps its nearest template (ties: the smaller template id), and
 * the subjects are sorted by distance, then id. A subject of the true top k has a template whose
 * lower bound is at most its exact score, which is at most τ, so it is always kept: the result is
 * the brute-force one, not an approximation.
 *
 * <p>Probes with values the int8 bounds cannot hold (magnitudes above 1e15 or below 1e-10) are
 * matched by an exact scan of every template; such templates are always re-ranked exactly.
 *
 * <p>Thread-safe: calls share the gallery, read under its read lock, and a pool of product buffers
 * (one per concurrent call, {@code probesPerProduct} x {@link Gallery#BLOCK_ROWS} floats each).
 */
public final class GalleryMatcher {
    /** Probes per matrix product: bounds the [probes, BLOCK_ROWS] float32 product (32 MiB at 128). */
    public static final int DEFAULT_PROBES_PER_PRODUCT = 128;

    private final Gallery gallery;
    private final int probesPerProduct;
    private final Queue<INDArray> scratches = new ConcurrentLinkedQueue<>();

    public GalleryMatcher(Gallery gallery) {
        this(gallery, DEFAULT_PROBES_PER_PRODUCT);
    }

    public GalleryMatcher(Gallery gallery, int probesPerProduct) {
        if (probesPerProduct < 1) {
            throw new IllegalArgumentException("probesPerProduct must be at least 1, not " + probesPerProduct);
        }
        this.gallery = gallery;
        this.probesPerProduct = probesPerProduct;
    }

    /**
     * For each probe, up to k distinct subjects, nearest first (fewer when fewer are enrolled),
     * each with its nearest template.
     */
    public List<List<Candidate>> topK(float[][] probes, int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, not " + k);
        }
        for (float[] probe : probes) {
            Gallery.checkDescriptor(probe);
        }
        return gallery.read(view -> match(view, probes, Math.min(k, view.subjectCount())));
    }

    /**
     * How many templates each probe's scan keeps for the exact re-rank (those whose lower bound
     * is within the final bound): what the int8 pass saves, for tests of the filter.
     */
    int[] keptForRerank(float[][] probes, int k) {
        return gallery.read(view -> {
            int[] kept = new int[probes.length];
            int subjects = Math.min(k, view.subjectCount());
            if (subjects == 0) {
                return kept;
            }
            for (int first = 0; first < probes.length; first += probesPerProduct) {
                int count = Math.min(probesPerProduct, probes.length - first);
                ProbeScan[] scans = scan(view.blocks(), probes, first, count, subjects);
                for (int i = 0; i < count; i++) {
                    float bound = scans[i].limit();
                    for (int c = 0; c < scans[i].kept; c++) {
                        kept[first + i] += scans[i].lowerBounds[c] <= bound ? 1 : 0;
                    }
                }
            }
            return kept;
        });
    }

    /** The exact Euclidean distance of two descriptors (1:1 verification). */
    public static double distance(float[] a, float[] b) {
        Gallery.checkDescriptor(a);
        Gallery.checkDescriptor(b);
        return VerificationPairs.euclidean(a, b);
    }

    private List<List<Candidate>> match(Gallery.View view, float[][] probes, int k) {
        List<List<Candidate>> results = new ArrayList<>(probes.length);
        if (k == 0) {
            for (int i = 0; i < probes.length; i++) {
                results.add(List.of());
            }
            return results;
        }
        for (int first = 0; first < probes.length; first += probesPerProduct) {
            int count = Math.min(probesPerProduct, probes.length - first);
            ProbeScan[] scans = scan(view.blocks(), probes, first, count, k);
            for (int i = 0; i < count; i++) {
                results.add(rerank(view.blocks(), probes[first + i], scans[i], k));
            }
        }
        return results;
    }

    /**
     * One probe's scan: its code's error figures, the shortlist of subject upper bounds and the
     * templates kept so far (global row and lower bound).
     */
    static final class ProbeScan {
        /** Matched by an exact scan of every template (values out of the int8 bounds' range). */
        final boolean exact;
        /** 2·s_p: turns the int8 product into the estimate of 2·p·g once times s_g. */
        final float twiceScale;
        /** 2·‖e_p‖, rounded up: multiplies a template's code norm. */
        final float twiceResidual;
        /** 2·‖p‖, rounded up: multiplies a template's residual. */
        final float twiceNorm;
        /** MARGIN·|p|²: with MARGIN·|bound| (see {@link #limit}) covers the reference's own double rounding. */
        final float probeMargin;
        final SubjectShortlist upperBounds;
        int[] rows = new int[64];
        float[] lowerBounds = new float[64];
        int kept;

        ProbeScan(float[] probe, byte[] codes, int offset, int k) {
            upperBounds = new SubjectShortlist(k);
            exact = !Int8Codes.scannable(probe);
            float scale = Int8Codes.encode(probe, codes, offset);
            twiceScale = 2 * scale;
            twiceResidual = exact ? 0 : Int8Codes.roundUp(2.0 * Int8Codes.residualNorm(probe, codes, offset, scale));
            twiceNorm = exact ? 0 : Int8Codes.roundUp(2.0 * Int8Codes.norm(probe));
            probeMargin = exact ? 0 : Int8Codes.roundUp(Int8Codes.MARGIN * Gallery.squaredNorm(probe));
        }

        /**
         * The largest lower bound a template may have and still be kept: the k-th best subject's
         * upper bound, widened by a relative margin. The margin keeps templates whose exact
         * distance only ties the k-th best after the reference's own double rounding (about 1e-14
         * relative, which matters when |p|² dwarfs the scores), and absorbs float rounding here.
         */
        float limit() {
            float bound = upperBounds.bound();
            return bound + Int8Codes.MARGIN * Math.abs(bound) + probeMargin;
        }

        /**
         * Computes a template's lower bound and, when it does not exceed the bound, keeps the
         * template and offers its upper bound to the shortlist.
         */
        void consider(Gallery.Block block, int offset, int row, float product) {
            float estimate = block.squaredNorms[offset] - twiceScale * block.scales[offset] * product;
            float spread = twiceResidual * block.codeNorms[offset] + twiceNorm * block.residuals[offset];
            float lower = block.floors[offset] - twiceScale * block.scales[offset] * product - spread;
            if (!(lower <= limit())) {
                return;
            }
            if (kept == rows.length) {
                prune();
            }
            rows[kept] = row;
            lowerBounds[kept++] = lower;
            if (block.floors[offset] != Float.NEGATIVE_INFINITY) {
                float upper = estimate + Int8Codes.MARGIN * block.squaredNorms[offset] + spread;
                if (upper < upperBounds.bound()) {
                    upperBounds.offer(block.subjectIds[offset], row, upper);
                }
            }
        }

        /** Drops kept templates the bound has since passed; grows the arrays if that frees too little. */
        private void prune() {
            float bound = limit();
            int live = 0;
            for (int i = 0; i < kept; i++) {
                if (lowerBounds[i] <= bound) {
                    rows[live] = rows[i];
                    lowerBounds[live++] = lowerBounds[i];
                }
            }
            kept = live;
            if (kept > rows.length / 2) {
                rows = Arrays.copyOf(rows, rows.length * 2);
                lowerBounds = Arrays.copyOf(lowerBounds, lowerBounds.length * 2);
            }
        }
    }

    /** One int8 matrix product per block for probes [first, first + count), scanned per probe. */
    private ProbeScan[] scan(List<Gallery.Block> blocks, float[][] probes, int first, int count, int k) {
        ProbeScan[] scans = new ProbeScan[count];
        byte[] codes = new byte[count * Gallery.DIMENSIONS];
        boolean anyScanned = false;
        for (int i = 0; i < count; i++) {
            scans[i] = new ProbeScan(probes[first + i], codes, i * Gallery.DIMENSIONS, k);
            anyScanned |= !scans[i].exact;
        }
        for (int i = 0; i < count; i++) {
            if (scans[i].exact) {
                keepAll(blocks, scans[i]);
            }
        }
        if (!anyScanned) {
            return scans;
        }
        float[] dots = new float[blocks.isEmpty() ? 0 : blocks.get(0).capacity()];
        INDArray scratch = takeScratch();
        try (INDArray p = Nd4j.create(DataType.BYTE, count, Gallery.DIMENSIONS)) {
            p.data().asNio().put(0, codes, 0, codes.length);
            Nd4j.getAffinityManager().tagLocation(p, AffinityManager.Location.HOST);
            for (int b = 0; b < blocks.size(); b++) {
                Gallery.Block block = blocks.get(b);
                if (block.used == 0) {
                    continue;
                }
                int capacity = block.capacity();
                // [count, capacity] over the scratch buffer's first count * capacity floats: the
                // int8 products, exact in float32 (|r·q| <= 128 * 127 * 127 < 2^24).
                INDArray products = Nd4j.create(scratch.data(), new long[] {count, capacity}, new long[] {capacity, 1}, 0, 'c');
                Nd4j.exec(DynamicCustomOp.builder("matmul").addInputs(p, block.codes).addOutputs(products)
                        .addIntegerArguments(0, 1).build());
                Nd4j.getAffinityManager().ensureLocation(products, AffinityManager.Location.HOST);
                FloatBuffer values = products.data().asNioFloat();
                for (int i = 0; i < count; i++) {
                    if (!scans[i].exact) {
                        values.get(i * capacity, dots, 0, block.used);
                        scan(dots, values, i * capacity, block, b * Gallery.BLOCK_ROWS, scans[i]);
                    }
                }
            }
        } finally {
            scratches.offer(scratch);
        }
        return scans;
    }

    /**
     * A [probesPerProduct, BLOCK_ROWS] buffer for the products: allocating 16-32 MiB per block
     * cost 10-15% of a batch's time. One per concurrent call, kept for the next.
     */
    private INDArray takeScratch() {
        INDArray scratch = scratches.poll();
        return scratch != null ? scratch : Nd4j.createUninitialized(DataType.FLOAT, probesPerProduct, Gallery.BLOCK_ROWS);
    }

    /**
     * The hot loop, in two passes over the block so that the first vectorises (no branch): each
     * template's score estimate less its floor margin, two multiplies and a subtraction, in place
     * of its product; then one comparison each against the bound widened by the block's largest
     * error spread. The few templates that pass get their own bounds ({@link ProbeScan#consider},
     * from the product still in {@code products} at {@code base + j}).
     */
    static void scan(float[] dots, FloatBuffer products, int base, Gallery.Block block, int firstRow, ProbeScan scan) {
        float[] floors = block.floors;
        float[] scales = block.scales;
        float twiceScale = scan.twiceScale;
        int used = block.used;
        for (int j = 0; j < used; j++) {
            dots[j] = floors[j] - twiceScale * scales[j] * dots[j];
        }
        float slack = scan.twiceResidual * block.maxCodeNorm + scan.twiceNorm * block.maxResidual;
        float threshold = widened(scan.limit(), slack);
        for (int j = 0; j < used; j++) {
            if (dots[j] <= threshold) {
                scan.consider(block, j, firstRow + j, products.get(base + j));
                threshold = widened(scan.limit(), slack);
            }
        }
    }

    /** bound + slack, rounded generously upwards (the float sum must not cut a template off). */
    private static float widened(float bound, float slack) {
        return bound + slack * (1 + Int8Codes.MARGIN) + Int8Codes.MARGIN * Math.abs(bound);
    }

    /** An exact scan: every template is kept for the re-rank. */
    private static void keepAll(List<Gallery.Block> blocks, ProbeScan scan) {
        int total = 0;
        for (Gallery.Block block : blocks) {
            total += block.used;
        }
        scan.rows = new int[Math.max(1, total)];
        scan.lowerBounds = new float[Math.max(1, total)];
        for (int b = 0; b < blocks.size(); b++) {
            for (int j = 0; j < blocks.get(b).used; j++) {
                scan.rows[scan.kept] = b * Gallery.BLOCK_ROWS + j;
                scan.lowerBounds[scan.kept++] = Float.NEGATIVE_INFINITY;
            }
        }
    }

    /**
     * The exact distances of the kept templates within the final bound, each subject by its
     * nearest template (ties: the smaller template id), nearest subjects first (ties: by id).
     */
    private static List<Candidate> rerank(List<Gallery.Block> blocks, float[] probe, ProbeScan scan, int k) {
        float bound = scan.limit();
        Map<String, Candidate> nearest = new HashMap<>();
        float[] template = new float[Gallery.DIMENSIONS];
        for (int i = 0; i < scan.kept; i++) {
            if (scan.lowerBounds[i] > bound) {
                continue;
            }
            int row = scan.rows[i];
            Gallery.Block block = blocks.get(row / Gallery.BLOCK_ROWS);
            int offset = row % Gallery.BLOCK_ROWS;
            block.readRow(offset, template);
            Candidate candidate = new Candidate(block.subjectIds[offset], block.templateIds[offset],
                    VerificationPairs.euclidean(probe, template));
            nearest.merge(candidate.subjectId(), candidate, GalleryMatcher::nearer);
        }
        List<Candidate> candidates = new ArrayList<>(nearest.values());
        candidates.sort(Comparator.comparingDouble(Candidate::distance).thenComparing(Candidate::subjectId));
        return candidates.size() > k ? new ArrayList<>(candidates.subList(0, k)) : candidates;
    }

    private static Candidate nearer(Candidate a, Candidate b) {
        int byDistance = Double.compare(a.distance(), b.distance());
        if (byDistance != 0) {
            return byDistance < 0 ? a : b;
        }
        return a.templateId().compareTo(b.templateId()) <= 0 ? a : b;
    }
}
