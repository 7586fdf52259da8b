package io.biostream.operators.vision;

/**
 * How face-api's detectors fit an image into their square input: padded with zeros at the
 * bottom or right to a square (not centered), then resized to {@code inputSize}. The
 * "reshaped" size is where the image itself ends inside the input, rounded as face-api's
 * {@code computeReshapedDimensions} rounds it ({@code Math.round}), which the box mappings
 * divide by.
 */
record DetectorInputGeometry(int imageWidth, int imageHeight, int inputSize, int reshapedWidth, int reshapedHeight) {

    static DetectorInputGeometry of(int imageWidth, int imageHeight, int inputSize) {
        if (imageWidth <= 0 || imageHeight <= 0) {
            throw new IllegalArgumentException("empty image " + imageWidth + "x" + imageHeight);
        }
        double scale = (double) inputSize / Math.max(imageHeight, imageWidth);
        return new DetectorInputGeometry(imageWidth, imageHeight, inputSize,
                ImageOps.jsRound(imageWidth * scale), ImageOps.jsRound(imageHeight * scale));
    }

    /** The larger reshaped side (face-api's tiny-YOLO "inputSize" for its correction factors). */
    int reshapedSide() {
        return Math.max(reshapedWidth, reshapedHeight);
    }
}
