package io.biostream.operators.vision;

import io.biostream.operators.image.RgbImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * face-api 1.7.15's TinyFaceDetector on ND4J SameDiff: the image is padded to a square (zeros at
 * the bottom/right), resized to {@code inputSize} (default 416, a multiple of 32), normalised as
 * {@code (x - [117.001, 114.697, 97.404]) / 255}; a tiny-YOLOv2 with separable convolutions
 * predicts 5 anchor boxes per cell of an {@code inputSize/32} grid; boxes scoring above
 * {@code scoreThreshold} go through face-api's NMS (IoU 0.4, measured on the relative boxes
 * times {@code inputSize}). Boxes and scores match the JavaScript detector to about 1e-3 px
 * and 1e-6.
 *
 * <p>Output order is face-api's: score descending (NMS pick order), not reading order. Boxes
 * are in image pixels and are not clipped: they may extend beyond the image.
 *
 * <p>Thread-safety: calls are serialised (synchronized); use one instance per thread (per
 * Flink subtask) and run with {@code OMP_NUM_THREADS=1} where subtasks share cores.
 */
public final class TinyFaceDetector implements FaceDetector {
    public static final String WEIGHTS = "tiny_face_detector_model";
    public static final int DEFAULT_INPUT_SIZE = 416;
    public static final double DEFAULT_SCORE_THRESHOLD = 0.5;
    static final double IOU_THRESHOLD = 0.4;
    /** face-api's per-channel mean for this net; then / 255. */
    static final double[] MEAN_RGB = {117.001, 114.697, 97.404};
    private static final float DIVISOR = 255f;
    /** The net halves the grid five times. */
    private static final int STRIDE = 32;

    private final SameDiff graph;
    private final int inputSize;
    private final double scoreThreshold;
    private boolean closed;

    public TinyFaceDetector(FaceApiWeights weights, int inputSize, double scoreThreshold) {
        if (inputSize < STRIDE || inputSize % STRIDE != 0) {
            throw new IllegalArgumentException("inputSize must be a positive multiple of 32: " + inputSize);
        }
        if (!(scoreThreshold >= 0 && scoreThreshold < 1)) {
            throw new IllegalArgumentException("scoreThreshold must be in [0, 1): " + scoreThreshold);
        }
        this.graph = TinyFaceDetectorGraph.build(weights, inputSize);
        this.inputSize = inputSize;
        this.scoreThreshold = scoreThreshold;
    }

    /** The detector with face-api's weights from the classpath and its default options. */
    public static TinyFaceDetector load() {
        return load(DEFAULT_INPUT_SIZE, DEFAULT_SCORE_THRESHOLD);
    }

    public static TinyFaceDetector load(int inputSize, double scoreThreshold) {
        return new TinyFaceDetector(FaceApiWeights.fromClasspath(WEIGHTS), inputSize, scoreThreshold);
    }

    @Override
    public String name() {
        return "tiny";
    }

    public int inputSize() {
        return inputSize;
    }

    public double scoreThreshold() {
        return scoreThreshold;
    }

    /** Faces in face-api's order (score descending); none for an empty image. */
    @Override
    public synchronized List<DetectedFace> detect(RgbImage image) {
        ensureOpen();
        if (image.width() <= 0 || image.height() <= 0) {
            return List.of();
        }
        DetectorInputGeometry geometry = DetectorInputGeometry.of(image.width(), image.height(), inputSize);
        List<TinyYoloDecoder.Candidate> candidates = TinyYoloDecoder.decode(rawOutput(image), cells(),
                TinyYoloDecoder.FACE_ANCHORS, geometry, scoreThreshold);
        List<DetectionBox> scaled = new ArrayList<>(candidates.size());
        double[] scores = new double[candidates.size()];
        for (int i = 0; i < candidates.size(); i++) {
            scaled.add(candidates.get(i).relativeBox().rescale(inputSize, inputSize));
            scores[i] = candidates.get(i).score();
        }
        List<DetectedFace> faces = new ArrayList<>();
        for (int index : NonMaxSuppression.greedy(scaled, scores, IOU_THRESHOLD)) {
            faces.add(toPixels(candidates.get(index).relativeBox(), geometry).toDetectedFace(scores[index]));
        }
        return faces;
    }

    /**
     * face-api's round trip: the detection's box is the relative box times the image size; the
     * face detection is rebuilt from that box divided by the size (times 1/size) and scaled again.
     */
    static DetectionBox toPixels(DetectionBox relative, DetectorInputGeometry geometry) {
        double width = geometry.imageWidth();
        double height = geometry.imageHeight();
        return relative.rescale(width, height).rescale(1 / width, 1 / height).rescale(width, height);
    }

    /** The raw net output {@code [cells, cells, 25]} for one image, row-major. */
    synchronized float[] rawOutput(RgbImage image) {
        ensureOpen();
        return NetGraphs.values(run(image, TinyFaceDetectorGraph.OUTPUT).get(TinyFaceDetectorGraph.OUTPUT));
    }

    int cells() {
        return inputSize / STRIDE;
    }

    /**
     * Intermediate activations (NHWC, flattened) of the named layers for one image, for comparing
     * the port with face-api layer by layer. Names: {@link TinyFaceDetectorGraph#LAYERS} and
     * {@link TinyFaceDetectorGraph#INPUT}.
     */
    synchronized Map<String, float[]> activations(RgbImage image, String... layers) {
        ensureOpen();
        Map<String, float[]> result = new LinkedHashMap<>();
        run(image, layers).forEach((name, value) -> result.put(name, NetGraphs.values(value)));
        return result;
    }

    private Map<String, INDArray> run(RgbImage image, String... outputs) {
        RgbImage resized = new RgbImage(inputSize, inputSize, DetectorInput.squareResized(image, inputSize));
        float[] input = new float[resized.data().length];
        ImageOps.normalizeInto(resized, MEAN_RGB, DIVISOR, input, 0);
        INDArray batch = Nd4j.create(input, new long[] {1, inputSize, inputSize, 3}, 'c');
        return graph.output(Map.of(TinyFaceDetectorGraph.INPUT, batch), outputs);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("TinyFaceDetector is closed");
        }
    }

    /** Releases the weights' native memory now rather than at garbage collection. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        NetGraphs.releaseConstants(graph);
    }
}
