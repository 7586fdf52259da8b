package io.biostream.operators.vision;

import io.biostream.operators.image.RgbImage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.LinkedHashMap;

/**
 * 68 facial landmarks: face-api 1.7.15's FaceLandmark68Net ({@link Variant#FULL}) or
 * FaceLandmark68TinyNet ({@link Variant#TINY}) run op by op on libnd4j ({@link FaceLandmarkExecutor}:
 * the ops of the SameDiff graph {@link FaceLandmarkGraph} without its per-call session), with face-api's crop and
 * post-processing reproduced step for step, quirks included:
 * <ol>
 *   <li>crop: the detection box clipped at the image borders, x, y, width and height floored
 *       each on its own ({@link ImageOps#clipAtImageBorders});</li>
 *   <li>input: zero-padded to a square (centered), resized to 112, {@code (x - mean) / 255};</li>
 *   <li>output: 136 values relative to the padded 112 input, made relative to the crop assuming
 *       a padding of exactly {@code diff/2} (the input had {@code diff - round(diff/2)} before the
 *       image), then scaled by the crop size and shifted by the <em>un-floored, un-clipped</em>
 *       detection box corner, although the crop started at the floored, clipped one.</li>
 * </ol>
 *
 * <p>Thread-safety as {@link FaceDescriptorNet}: calls are serialised; use one instance per
 * thread for throughput, and batch the faces of a frame in one call.
 */
public final class FaceLandmarkNet implements AutoCloseable {
    public static final int INPUT_SIZE = 112;
    /** Larger requests run in chunks of this many faces, bounding native memory per call. */
    static final int MAX_BATCH = 32;
    private static final float DIVISOR = 255f;

    /** Which of face-api's two landmark nets; both give the same 68 points. */
    public enum Variant {
        /** face_landmark_68_model: 4 dense blocks of 4 convs (32..256 channels), 357 KB. */
        FULL("face_landmark_68_model", "face-api-landmark68-1.7.15", 4, 4),
        /** face_landmark_68_tiny_model: 3 dense blocks of 3 convs (32..128 channels), 77 KB. */
        TINY("face_landmark_68_tiny_model", "face-api-landmark68-tiny-1.7.15", 3, 3);

        private final String weights;
        private final String modelId;
        private final int blocks;
        private final int convsPerBlock;

        Variant(String weights, String modelId, int blocks, int convsPerBlock) {
            this.weights = weights;
            this.modelId = modelId;
            this.blocks = blocks;
            this.convsPerBlock = convsPerBlock;
        }

        public String weights() {
            return weights;
        }

        public String modelId() {
            return modelId;
        }

        int blocks() {
            return blocks;
        }

        int convsPerBlock() {
            return convsPerBlock;
        }
    }

    private final Variant variant;
    private final FaceLandmarkExecutor net;
    private boolean closed;

    public FaceLandmarkNet(Variant variant, FaceApiWeights weights) {
        this.variant = variant;
        this.net = new FaceLandmarkExecutor(weights, variant);
    }

    /** The net with face-api's weights from the classpath ({@code models/face-api/}). */
    public static FaceLandmarkNet load(Variant variant) {
        return new FaceLandmarkNet(variant, FaceApiWeights.fromClasspath(variant.weights()));
    }

    public Variant variant() {
        return variant;
    }

    public String modelId() {
        return variant.modelId();
    }

    /**
     * The landmarks of one detected face.
     *
     * @throws IllegalArgumentException when the box has no whole pixel inside the image
     */
    public FaceLandmarks detect(RgbImage image, DetectedFace face) {
        return detect(image, List.of(face)).get(0);
    }

    /** The landmarks of all faces of one image, in order, computed in one forward pass per 32 faces. */
    public List<FaceLandmarks> detect(RgbImage image, List<DetectedFace> faces) {
        return detectEach(Collections.nCopies(faces.size(), image), faces);
    }

    /**
     * The landmarks of faces of several images (face {@code i} lies in {@code images.get(i)}), in
     * order, in one forward pass per 32 faces: a batch across frames.
     */
    public synchronized List<FaceLandmarks> detectEach(List<RgbImage> images, List<DetectedFace> faces) {
        ensureOpen();
        if (images.size() != faces.size()) {
            throw new IllegalArgumentException(images.size() + " images for " + faces.size() + " faces");
        }
        List<PixelRect> regions = new ArrayList<>(faces.size());
        for (int f = 0; f < faces.size(); f++) {
            RgbImage image = images.get(f);
            regions.add(cropRegion(faces.get(f), image.width(), image.height()));
        }
        List<FaceLandmarks> result = new ArrayList<>(faces.size());
        for (int start = 0; start < regions.size(); start += MAX_BATCH) {
            int end = Math.min(regions.size(), start + MAX_BATCH);
            // The crops are read in place from the images (no copy per face).
            float[][] raw = runRegions(images.subList(start, end), regions.subList(start, end), FaceLandmarkGraph.RAW)
                    .get(FaceLandmarkGraph.RAW);
            for (int i = start; i < end; i++) {
                result.add(toImage(raw[i - start], regions.get(i), faces.get(i).x(), faces.get(i).y()));
            }
        }
        return result;
    }

    /** The 136 raw outputs for crops of any size (padded and resized as face-api does). */
    synchronized float[][] rawOutputs(List<RgbImage> crops) {
        ensureOpen();
        return run(crops, FaceLandmarkGraph.RAW).get(FaceLandmarkGraph.RAW);
    }

    /**
     * Intermediate activations (NHWC, flattened per face) of the named layers, for comparing the
     * port with face-api layer by layer: {@link FaceLandmarkGraph#layers} and
     * {@link FaceLandmarkGraph#INPUT}.
     */
    synchronized Map<String, float[][]> activations(List<RgbImage> crops, String... layers) {
        ensureOpen();
        return run(crops, layers);
    }

    /** face-api's landmark crop: the box clipped at the image borders, each value floored. */
    static PixelRect cropRegion(DetectedFace face, int imageWidth, int imageHeight) {
        PixelRect region = ImageOps.clipAtImageBorders(face.x(), face.y(), face.width(), face.height(),
                imageWidth, imageHeight);
        if (region.isEmpty()) {
            throw new IllegalArgumentException("face box " + face + " has no whole pixel inside the "
                    + imageWidth + "x" + imageHeight + " image");
        }
        return region;
    }

    /**
     * face-api's postProcess, in float32 like its tensor ops: raw outputs (relative to the padded
     * 112 input) to positions relative to a {@code cropWidth x cropHeight} crop. The padding is
     * taken as exactly half the difference, although padToSquare put {@code diff - round(diff/2)}
     * before the image (face-api's quirk, kept).
     */
    static float[] relativeToCrop(float[] raw, int cropWidth, int cropHeight) {
        double scale = (double) INPUT_SIZE / Math.max(cropWidth, cropHeight);
        double width = cropWidth * scale;
        double height = cropHeight * scale;
        float padX = (float) (width < height ? Math.abs(width - height) / 2 : 0);
        float padY = (float) (height < width ? Math.abs(width - height) / 2 : 0);
        float scaledWidth = (float) width;
        float scaledHeight = (float) height;
        float[] relative = new float[raw.length];
        for (int i = 0; i < raw.length; i += 2) {
            relative[i] = (raw[i] * INPUT_SIZE - padX) / scaledWidth;
            relative[i + 1] = (raw[i + 1] * INPUT_SIZE - padY) / scaledHeight;
        }
        return relative;
    }

    /**
     * Relative positions to image pixels, in doubles, exactly as face-api's FaceLandmarks get there:
     * scaled by the crop size, turned back into relative positions by shiftBy, scaled again and
     * shifted by the detection box corner as detected (not the floored crop corner).
     */
    static FaceLandmarks toImage(float[] raw, PixelRect crop, double shiftX, double shiftY) {
        float[] relative = relativeToCrop(raw, crop.width(), crop.height());
        double width = crop.width();
        double height = crop.height();
        double[] points = new double[relative.length];
        for (int i = 0; i < relative.length; i += 2) {
            double unshiftedX = relative[i] * width;
            double unshiftedY = relative[i + 1] * height;
            points[i] = unshiftedX / width * width + shiftX;
            points[i + 1] = unshiftedY / height * height + shiftY;
        }
        return new FaceLandmarks(points, raw, crop);
    }

    private Map<String, float[][]> run(List<RgbImage> crops, String... outputs) {
        return runRegions(crops, NetGraphs.wholeCrops(crops), outputs);
    }

    private Map<String, float[][]> runRegions(List<RgbImage> images, List<PixelRect> regions, String... outputs) {
        net.run(NetGraphs.centredRegionsInput(images, regions, INPUT_SIZE, FaceDescriptorNet.MEAN_RGB, DIVISOR),
                regions.size());
        Map<String, float[][]> values = new LinkedHashMap<>();
        for (String name : outputs) {
            values.put(name, net.values(name));
        }
        return values;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("FaceLandmarkNet is closed");
        }
    }

    /** Releases the weights' native memory now rather than at garbage collection. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        net.close();
    }
}
