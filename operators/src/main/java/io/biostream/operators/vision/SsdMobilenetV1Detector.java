package io.biostream.operators.vision;

import io.biostream.operators.image.RgbImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * face-api 1.7.15's SsdMobilenetv1 face detector on ND4J: the image is padded to a
 * square (zeros at the bottom/right), resized to 512x512 and scaled to -1..1; MobileNetV1 with
 * SSD box predictors scores 5118 anchors; face-api's own NMS (IoU 0.5) keeps the boxes scoring
 * above {@code minConfidence}, at most {@code maxResults}. Boxes and scores match the
 * JavaScript detector to about 1e-3 px and 1e-6. The net runs op by op on libnd4j with reused
 * arrays ({@link SsdMobilenetV1Executor}); {@link SsdMobilenetV1Graph} is the same net as a
 * SameDiff graph, kept as its reference.
 *
 * <p>Output order is face-api's: score descending (NMS pick order), not reading order. Boxes
 * are in image pixels, clamped to the padded square but not to the image, with face-api's
 * rounding quirk in the mapping back (see {@link SsdBoxDecoder#toImageBox}).
 *
 * <p>Thread-safety: calls are serialised (synchronized); use one instance per thread (per
 * Flink subtask) and run with {@code OMP_NUM_THREADS=1} where subtasks share cores.
 */
public final class SsdMobilenetV1Detector implements FaceDetector {
    public static final String WEIGHTS = "ssd_mobilenetv1_model";
    public static final double DEFAULT_MIN_CONFIDENCE = 0.5;
    public static final int DEFAULT_MAX_RESULTS = 100;
    static final double IOU_THRESHOLD = 0.5;
    static final int INPUT_SIZE = SsdMobilenetV1Graph.INPUT_SIZE;

    private final SsdMobilenetV1Executor net;
    private final float[] anchors;
    private final double minConfidence;
    private final int maxResults;
    private boolean closed;

    /** Every anchor's decoded box and score for one image, before NMS. */
    record Prediction(DetectorInputGeometry geometry, float[] boxes, float[] scores) {
    }

    public SsdMobilenetV1Detector(FaceApiWeights weights, double minConfidence, int maxResults) {
        if (!(minConfidence >= 0 && minConfidence < 1)) {
            throw new IllegalArgumentException("minConfidence must be in [0, 1): " + minConfidence);
        }
        if (maxResults < 1) {
            throw new IllegalArgumentException("maxResults must be positive: " + maxResults);
        }
        this.anchors = weights.get("Output/extra_dim", 1, SsdMobilenetV1Graph.ANCHORS, 4).values().clone();
        this.net = new SsdMobilenetV1Executor(weights);
        this.minConfidence = minConfidence;
        this.maxResults = maxResults;
    }

    /** The detector with face-api's weights from the classpath and its default options. */
    public static SsdMobilenetV1Detector load() {
        return load(DEFAULT_MIN_CONFIDENCE, DEFAULT_MAX_RESULTS);
    }

    public static SsdMobilenetV1Detector load(double minConfidence, int maxResults) {
        return new SsdMobilenetV1Detector(FaceApiWeights.fromClasspath(WEIGHTS), minConfidence, maxResults);
    }

    @Override
    public String name() {
        return "ssd";
    }

    public double minConfidence() {
        return minConfidence;
    }

    public int maxResults() {
        return maxResults;
    }

    /** Faces in face-api's order (score descending); none for an empty image. */
    @Override
    public synchronized List<DetectedFace> detect(RgbImage image) {
        ensureOpen();
        if (image.width() <= 0 || image.height() <= 0) {
            return List.of();
        }
        return facesOf(predict(image), minConfidence);
    }

    /**
     * The faces of several images from one forward pass over all of them (the graph takes a
     * batch); each image's list is what {@link #detect(RgbImage)} gives for it. Empty images have none.
     */
    public synchronized List<List<DetectedFace>> detect(List<RgbImage> images) {
        ensureOpen();
        List<RgbImage> present = images.stream().filter(i -> i.width() > 0 && i.height() > 0).toList();
        int pixels = INPUT_SIZE * INPUT_SIZE * 3;
        float[] input = new float[present.size() * pixels];
        for (int i = 0; i < present.size(); i++) {
            DetectorInput.squareResizedMinusOneToOne(present.get(i), INPUT_SIZE, input, i * pixels);
        }
        float[] boxes = new float[0];
        float[] logits = new float[0];
        if (!present.isEmpty()) {
            net.run(input, present.size());
            boxes = net.values(SsdMobilenetV1Graph.BOX_ENCODINGS);
            logits = net.values(SsdMobilenetV1Graph.CLASS_LOGITS);
        }
        List<List<DetectedFace>> result = new ArrayList<>(images.size());
        int n = 0;
        for (RgbImage image : images) {
            if (image.width() <= 0 || image.height() <= 0) {
                result.add(List.of());
                continue;
            }
            int boxValues = boxes.length / present.size();
            int logitValues = logits.length / present.size();
            Prediction prediction = new Prediction(DetectorInputGeometry.of(image.width(), image.height(), INPUT_SIZE),
                    SsdBoxDecoder.decode(anchors, Arrays.copyOfRange(boxes, n * boxValues, (n + 1) * boxValues)),
                    SsdBoxDecoder.scores(Arrays.copyOfRange(logits, n * logitValues, (n + 1) * logitValues)));
            result.add(facesOf(prediction, minConfidence));
            n++;
        }
        return result;
    }

    /** The faces of a prediction scoring above {@code threshold}, after face-api's NMS, as {@link #detect} gives them. */
    List<DetectedFace> facesOf(Prediction prediction, double threshold) {
        List<Integer> kept = NonMaxSuppression.ssd(prediction.boxes(), prediction.scores(), maxResults,
                IOU_THRESHOLD, threshold);
        List<DetectedFace> faces = new ArrayList<>(kept.size());
        for (int index : kept) {
            faces.add(SsdBoxDecoder.toImageBox(prediction.boxes(), index, prediction.geometry())
                    .toDetectedFace(prediction.scores()[index]));
        }
        return faces;
    }

    /** Decoded boxes ({@code [ymin,xmin,ymax,xmax]}, relative to the padded square) and scores of every anchor. */
    synchronized Prediction predict(RgbImage image) {
        ensureOpen();
        run(image);
        float[] boxes = SsdBoxDecoder.decode(anchors, net.values(SsdMobilenetV1Graph.BOX_ENCODINGS));
        float[] scores = SsdBoxDecoder.scores(net.values(SsdMobilenetV1Graph.CLASS_LOGITS));
        return new Prediction(DetectorInputGeometry.of(image.width(), image.height(), INPUT_SIZE), boxes, scores);
    }

    /**
     * Intermediate activations (NHWC, flattened) of the named layers for one image, for comparing
     * the port with face-api layer by layer. Names: {@link SsdMobilenetV1Graph#LAYERS} and
     * {@link SsdMobilenetV1Graph#INPUT}.
     */
    synchronized Map<String, float[]> activations(RgbImage image, String... layers) {
        ensureOpen();
        run(image);
        Map<String, float[]> result = new LinkedHashMap<>();
        for (String layer : layers) {
            result.put(layer, net.values(layer));
        }
        return result;
    }

    private void run(RgbImage image) {
        float[] input = new float[INPUT_SIZE * INPUT_SIZE * 3];
        DetectorInput.squareResizedMinusOneToOne(image, INPUT_SIZE, input, 0);
        net.run(input, 1);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("SsdMobilenetV1Detector is closed");
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
