package io.biostream.operators.vision;

import java.util.ArrayList;
import java.util.List;

/**
 * face-api's tiny-YOLO box extraction ({@code TinyYolov2Base.extractBoxes}) for the tiny face
 * detector: per grid cell (row = y, column = x) and anchor, {@code [tx, ty, tw, th, objectness]};
 * scores and boxes in double (JavaScript numbers), boxes relative to the image (0..1), corrected
 * for the zero padding with face-api's rounded reshaped size. No clipping.
 */
final class TinyYoloDecoder {
    /** Anchor (width, height) in grid cells, face-api's BOX_ANCHORS for the tiny face detector. */
    static final double[][] FACE_ANCHORS = {
        {1.603231, 2.094468}, {6.041143, 7.080126}, {2.882459, 3.518061}, {4.266906, 5.178857}, {9.041765, 10.66308}};
    private static final int BOX_ENCODING = 5;

    /** A box relative to the image with its objectness score. */
    record Candidate(DetectionBox relativeBox, double score) {
    }

    private TinyYoloDecoder() {
    }

    /**
     * Boxes scoring above {@code scoreThreshold} (all when it is 0, as face-api's falsy check),
     * in row, column, anchor order.
     *
     * @param output the raw net output {@code [cells, cells, anchors x 5]}, row-major
     */
    static List<Candidate> decode(float[] output, int cells, double[][] anchors, DetectorInputGeometry geometry,
                                  double scoreThreshold) {
        if (output.length != cells * cells * anchors.length * BOX_ENCODING) {
            throw new IllegalArgumentException(output.length + " values for a " + cells + "x" + cells + " grid of "
                    + anchors.length + " anchors");
        }
        double correctionX = (double) geometry.reshapedSide() / geometry.reshapedWidth();
        double correctionY = (double) geometry.reshapedSide() / geometry.reshapedHeight();
        List<Candidate> candidates = new ArrayList<>();
        for (int row = 0; row < cells; row++) {
            for (int col = 0; col < cells; col++) {
                for (int anchor = 0; anchor < anchors.length; anchor++) {
                    int at = ((row * cells + col) * anchors.length + anchor) * BOX_ENCODING;
                    double score = sigmoid(output[at + 4]);
                    if (scoreThreshold != 0 && !(score > scoreThreshold)) {
                        continue;
                    }
                    double centerX = (col + sigmoid(output[at])) / cells * correctionX;
                    double centerY = (row + sigmoid(output[at + 1])) / cells * correctionY;
                    double width = Math.exp(output[at + 2]) * anchors[anchor][0] / cells * correctionX;
                    double height = Math.exp(output[at + 3]) * anchors[anchor][1] / cells * correctionY;
                    double x = centerX - width / 2;
                    double y = centerY - height / 2;
                    candidates.add(new Candidate(DetectionBox.fromEdges(x, y, x + width, y + height), score));
                }
            }
        }
        return candidates;
    }

    /** face-api's {@code sigmoid}: {@code 1 / (1 + e^-x)} in double. */
    static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }
}
