package io.biostream.operators.vision;

import io.biostream.operators.image.RgbImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.LinkedHashMap;

/**
 * Face descriptors: face-api 1.7.15's FaceRecognitionNet (150x150 RGB face crop → 128 floats,
 * compared by Euclidean distance) run op by op on libnd4j ({@link FaceRecognitionExecutor}: the
 * ops of the SameDiff graph {@link FaceRecognitionGraph} without its per-call session), which
 * reaches oneDNN on the onednn-avx2 native build. Outputs match the JavaScript net to about 1e-6
 * per element.
 *
 * <p>Thread-safety: calls on one instance are serialised (the methods are synchronized), so
 * an instance may be shared, but for throughput use one instance per thread, e.g. one per
 * Flink subtask, opened in {@code open()} and closed in {@code close()}. Batch faces: one call
 * with 8-32 crops is faster per face than single calls. Run with {@code OMP_NUM_THREADS=1}
 * when subtasks share cores: oneDNN's OpenMP threads spin, and two per net on a busy machine
 * were 10-15x slower than one.
 */
public final class FaceDescriptorNet implements AutoCloseable {
    public static final String MODEL_ID = "face-api-recognition-1.7.15";
    public static final String WEIGHTS = "face_recognition_model";
    public static final int INPUT_SIZE = 150;
    public static final int DESCRIPTOR_LENGTH = 128;
    /** face-api's per-channel mean for the recognition (and landmark) net; then / 255. */
    static final double[] MEAN_RGB = {122.782, 117.001, 104.298};
    private static final float DIVISOR = 255f;
    /** Larger requests run in chunks of this many faces, bounding native memory per call. */
    static final int MAX_BATCH = 32;

    private final FaceRecognitionExecutor net;
    private boolean closed;

    public FaceDescriptorNet(FaceApiWeights weights) {
        this.net = new FaceRecognitionExecutor(weights);
    }

    /** The net with face-api's weights from the classpath ({@code models/face-api/}). */
    public static FaceDescriptorNet load() {
        return new FaceDescriptorNet(FaceApiWeights.fromClasspath(WEIGHTS));
    }

    public String modelId() {
        return MODEL_ID;
    }

    /**
     * The descriptor of one face crop. Crops that are not 150x150 are padded to a square
     * (centered) and resized, as face-api does; an empty crop gives 128 zeros (face-api too).
     */
    public float[] describe(RgbImage crop) {
        return describe(List.of(crop))[0];
    }

    /** Descriptors of several crops, in order, computed in batches. */
    public synchronized float[][] describe(List<RgbImage> crops) {
        ensureOpen();
        float[][] descriptors = new float[crops.size()][];
        List<Integer> pending = new ArrayList<>();
        for (int i = 0; i < crops.size(); i++) {
            if (crops.get(i).width() <= 0 || crops.get(i).height() <= 0) {
                descriptors[i] = new float[DESCRIPTOR_LENGTH];
            } else {
                pending.add(i);
            }
        }
        for (int start = 0; start < pending.size(); start += MAX_BATCH) {
            List<Integer> chunk = pending.subList(start, Math.min(pending.size(), start + MAX_BATCH));
            List<RgbImage> images = chunk.stream().map(crops::get).toList();
            float[][] out = run(images, FaceRecognitionGraph.DESCRIPTOR).get(FaceRecognitionGraph.DESCRIPTOR);
            for (int j = 0; j < chunk.size(); j++) {
                descriptors[chunk.get(j)] = out[j];
            }
        }
        return descriptors;
    }

    /**
     * Intermediate activations (NHWC, flattened per face) of the named layers, for comparing the
     * port with face-api layer by layer. Names: {@link FaceRecognitionGraph#LAYERS} and
     * {@link FaceRecognitionGraph#INPUT}.
     */
    synchronized Map<String, float[][]> activations(List<RgbImage> crops, String... layers) {
        ensureOpen();
        return run(crops, layers);
    }

    private Map<String, float[][]> run(List<RgbImage> crops, String... outputs) {
        net.run(NetGraphs.centredRegionsInput(crops, NetGraphs.wholeCrops(crops), INPUT_SIZE, MEAN_RGB, DIVISOR),
                crops.size());
        Map<String, float[][]> values = new LinkedHashMap<>();
        for (String name : outputs) {
            values.put(name, net.values(name));
        }
        return values;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("FaceDescriptorNet is closed");
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
