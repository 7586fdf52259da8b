package io.biostream.operators.vision;

/**
 * How usable one detected face is for recognition. Image measures are on the grey face region
 * (the detection box clipped to the image): {@code sharpness} is the variance of its Laplacian,
 * {@code brightness} its mean grey (0..255), {@code contrast} the grey standard deviation;
 * {@code faceSize} is the box's shorter side in pixels. Angles are degrees with {@link HeadPose}'s
 * signs, NaN when no landmarks were given. {@code score} in 0..1 combines them
 * ({@link FaceQuality#score}).
 */
public record QualityReport(double sharpness, double brightness, double contrast, double faceSize,
                            double yaw, double pitch, double roll, double score) {
}
