package io.biostream.operators.vision;

/**
 * How close the port must come to face-api 1.7.15's own outputs on the goldens, per step and
 * through the whole job: the bounds docs/architecture.md quotes. Measured on the project's
 * machine (ND4J CPU): boxes 2.3e-4 px, landmarks 2.5e-4 px (7.8e-5 px from face-api's own boxes),
 * descriptors 1.3e-6.
 */
public final class GoldenTolerances {
    /** Detection box x, y, width, height, pixels; the two JavaScript backends differ by 2.3e-4 px. */
    public static final double MAX_BOX_PX = 3e-4;
    /** Each landmark coordinate, pixels. */
    public static final double MAX_LANDMARK_PX = 4e-4;
    /** Euclidean distance between descriptors (128 float32); face-api's match threshold is 0.6. */
    public static final double MAX_DESCRIPTOR_DISTANCE = 2e-6;

    private GoldenTolerances() {
    }
}
