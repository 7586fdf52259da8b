package io.biostream.operators.identity;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * 1:N search: the k nearest enrolled subjects of each probe descriptor, by Euclidean distance.
 *
 * <p>Squared distances in matrix form, |p|² + |g|² − 2·p·g: one gemm per block of the gallery
 * (P·Gᵀ for a batch of probes against {@link Gallery#BLOCK_ROWS} templates), on the GPU when
 * ND4J's CUDA backend is active. Ranking uses |g|² − 2·p·g in float32 (|p|² is the same for all
 * rows of a probe), scanned on the host into a per-probe {@link SubjectShortlist} that keeps each
 * subject's nearest template. The distances returned are then recomputed exactly (double) from
 * the descriptors: float32 cancellation near distance 0 would otherwise cost up to ~1e-3.
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
            SubjectShortlist[] shortlists = shortlist(view.blocks(), probes, first, count, k);
            for (int i = 0; i < count; i++) {
                results.add(candidates(view.blocks(), probes[first + i], shortlists[i]));
            }
        }
        return results;
    }

    /** One gemm per block for probes [first, first + count), scanned into one shortlist per probe. */
    private SubjectShortlist[] shortlist(List<Gallery.Block> blocks, float[][] probes, int first, int count, int k) {
        SubjectShortlist[] shortlists = new SubjectShortlist[count];
        for (int i = 0; i < count; i++) {
            shortlists[i] = new SubjectShortlist(k);
        }
        float[][] batch = new float[count][];
        System.arraycopy(probes, first, batch, 0, count);
        float[] dots = new float[Math.min(Gallery.BLOCK_ROWS, blocks.isEmpty() ? 0 : blocks.get(0).used)];
        INDArray scratch = takeScratch();
        try (INDArray p = Nd4j.create(batch)) {
            for (int b = 0; b < blocks.size(); b++) {
                Gallery.Block block = blocks.get(b);
                if (block.used == 0) {
                    continue;
                }
                // [count, used] over the scratch buffer's first count * used floats.
                INDArray products = Nd4j.create(scratch.data(), new long[] {count, block.used}, new long[] {block.used, 1}, 0, 'c');
                Nd4j.gemm(p, block.usedRows(), products, false, true, 1.0, 0.0);
                Nd4j.getAffinityManager().ensureLocation(products, AffinityManager.Location.HOST);
                FloatBuffer values = products.data().asNioFloat();
                for (int i = 0; i < count; i++) {
                    values.get(i * block.used, dots, 0, block.used);
                    scan(dots, block, b * Gallery.BLOCK_ROWS, shortlists[i]);
                }
            }
        } finally {
            scratches.offer(scratch);
        }
        return shortlists;
    }

    /**
     * A [probesPerProduct, BLOCK_ROWS] buffer for the products: allocating 16-32 MiB per block
     * cost 10-15% of a batch's time. One per concurrent call, kept for the next.
     */
    private INDArray takeScratch() {
        INDArray scratch = scratches.poll();
        return scratch != null ? scratch : Nd4j.createUninitialized(DataType.FLOAT, probesPerProduct, Gallery.BLOCK_ROWS);
    }

    /** The hot loop: one fused multiply-add and one comparison per template. */
    static void scan(float[] dots, Gallery.Block block, int firstRow, SubjectShortlist shortlist) {
        float[] norms = block.squaredNorms;
        float bound = shortlist.bound();
        for (int j = 0; j < block.used; j++) {
            float score = norms[j] - 2f * dots[j];
            if (score < bound) {
                shortlist.offer(block.subjectIds[j], firstRow + j, score);
                bound = shortlist.bound();
            }
        }
    }

    private static List<Candidate> candidates(List<Gallery.Block> blocks, float[] probe, SubjectShortlist shortlist) {
        List<Candidate> candidates = new ArrayList<>(shortlist.size());
        float[] template = new float[Gallery.DIMENSIONS];
        for (int i = 0; i < shortlist.size(); i++) {
            int row = shortlist.row(i);
            Gallery.Block block = blocks.get(row / Gallery.BLOCK_ROWS);
            int offset = row % Gallery.BLOCK_ROWS;
            block.readRow(offset, template);
            candidates.add(new Candidate(shortlist.subject(i), block.templateIds[offset],
                    VerificationPairs.euclidean(probe, template)));
        }
        candidates.sort(Comparator.comparingDouble(Candidate::distance).thenComparing(Candidate::subjectId));
        return candidates;
    }
}
