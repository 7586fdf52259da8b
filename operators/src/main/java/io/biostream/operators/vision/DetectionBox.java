package io.biostream.operators.vision;

/**
 * face-api's {@code Box}: an axis-aligned rectangle in doubles (relative 0..1 units or pixels),
 * with its derived edges computed the way face-api computes them ({@code right = x + width}),
 * so detector post-processing reproduces its arithmetic step for step.
 */
record DetectionBox(double x, double y, double width, double height) {

    /** From edges, as face-api's {@code BoundingBox(left, top, right, bottom)}. */
    static DetectionBox fromEdges(double left, double top, double right, double bottom) {
        return new DetectionBox(left, top, right - left, bottom - top);
    }

    double right() {
        return x + width;
    }

    double bottom() {
        return y + height;
    }

    double area() {
        return width * height;
    }

    /** face-api's {@code Box.rescale}: x and width times {@code scaleX}, y and height times {@code scaleY}. */
    DetectionBox rescale(double scaleX, double scaleY) {
        return new DetectionBox(x * scaleX, y * scaleY, width * scaleX, height * scaleY);
    }

    /** This box (in pixels) as a detection with a score, narrowed to float. */
    DetectedFace toDetectedFace(double score) {
        return new DetectedFace((float) x, (float) y, (float) width, (float) height, (float) score);
    }
}
