package io.biostream.operators.vision;

/**
 * face-api's SSD output layer and box mapping, outside the net as face-api has them: anchors +
 * box encodings → corner boxes and sigmoid scores in float32 (tensor ops there), then the kept
 * boxes back to image pixels in double (JavaScript numbers there).
 */
final class SsdBoxDecoder {
    private SsdBoxDecoder() {
    }

    /**
     * Decodes {@code [ty, tx, th, tw]} encodings against {@code [ymin, xmin, ymax, xmax]}
     * anchors (both back to back, 4 floats per anchor) into {@code [ymin, xmin, ymax, xmax]}
     * boxes in units of the padded square input, every step rounded to float32 in face-api's
     * order of operations.
     */
    static float[] decode(float[] anchors, float[] encodings) {
        if (anchors.length != encodings.length || anchors.length % 4 != 0) {
            throw new IllegalArgumentException(anchors.length + " anchor values for " + encodings.length + " encodings");
        }
        float[] boxes = new float[anchors.length];
        for (int i = 0; i < anchors.length; i += 4) {
            float anchorHeight = anchors[i + 2] - anchors[i];
            float anchorWidth = anchors[i + 3] - anchors[i + 1];
            float centerY = anchors[i] + anchorHeight / 2f;
            float centerX = anchors[i + 1] + anchorWidth / 2f;
            float halfHeight = exp(encodings[i + 2] / 5f) * anchorHeight / 2f;
            float y = encodings[i] / 10f * anchorHeight + centerY;
            float halfWidth = exp(encodings[i + 3] / 5f) * anchorWidth / 2f;
            float x = encodings[i + 1] / 10f * anchorWidth + centerX;
            boxes[i] = y - halfHeight;
            boxes[i + 1] = x - halfWidth;
            boxes[i + 2] = y + halfHeight;
            boxes[i + 3] = x + halfWidth;
        }
        return boxes;
    }

    /** Face scores: float32 sigmoid of class logit 1 of each {@code [3]} triple (logit 0 is unused). */
    static float[] scores(float[] classLogits) {
        if (classLogits.length % 3 != 0) {
            throw new IllegalArgumentException(classLogits.length + " logits is not a multiple of 3");
        }
        float[] scores = new float[classLogits.length / 3];
        for (int i = 0; i < scores.length; i++) {
            scores[i] = sigmoid(classLogits[3 * i + 1]);
        }
        return scores;
    }

    static float sigmoid(float x) {
        return 1f / (1f + exp(-x));
    }

    private static float exp(float x) {
        return (float) Math.exp(x);
    }

    /**
     * Box {@code index} in image pixels: clamped to the padded square (0..1), scaled by
     * {@code inputSize / reshaped size} per axis (face-api's "pad" factors, with the rounded
     * reshaped size, so not exactly the inverse of the padding), then times the image size.
     */
    static DetectionBox toImageBox(float[] boxes, int index, DetectorInputGeometry geometry) {
        double padX = (double) geometry.inputSize() / geometry.reshapedWidth();
        double padY = (double) geometry.inputSize() / geometry.reshapedHeight();
        double top = Math.max(0, (double) boxes[4 * index]) * padY;
        double bottom = Math.min(1.0, (double) boxes[4 * index + 2]) * padY;
        double left = Math.max(0, (double) boxes[4 * index + 1]) * padX;
        double right = Math.min(1.0, (double) boxes[4 * index + 3]) * padX;
        return new DetectionBox(left, top, right - left, bottom - top)
                .rescale(geometry.imageWidth(), geometry.imageHeight());
    }
}
