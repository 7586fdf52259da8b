package io.biostream.launcher.eval;

import io.biostream.operators.vision.DetectedFace;
import io.biostream.operators.vision.FacePipeline;
import io.biostream.operators.image.RgbImage;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The JavaScript peer's protocol for sets of tight face crops (shared goldens, PEER-ACCURACY.md),
 * so figures compare: a black border of {@code round(fraction * side)} on each side before
 * detection (detectors need context around a face), the largest detection counts, and where
 * no face is found the crop region itself stands in as the face (a "fallback").
 */
public final class TightCropProtocol {

    /**
     * What happened to one image; descriptor is null only when fallback is off and no face was
     * described. {@code stage} names the detection stage that found the face described (see
     * {@link FacePipeline#detectionStage}); null for a fallback or when none was described.
     * {@code face}: the face described (the fallback region's for a fallback), with its detection
     * score, landmarks and quality; null when none was.
     */
    public record Outcome(float[] descriptor, boolean detected, boolean fallback, String stage, FacePipeline.Face face) {}

    private final double borderFraction;
    private final boolean fallback;

    public TightCropProtocol(double borderFraction, boolean fallback) {
        if (!(borderFraction >= 0 && borderFraction <= 2)) {
            throw new IllegalArgumentException("border fraction must be between 0 and 2, got " + borderFraction);
        }
        this.borderFraction = borderFraction;
        this.fallback = fallback;
    }

    public double borderFraction() {
        return borderFraction;
    }

    public boolean fallback() {
        return fallback;
    }

    public Outcome describe(RgbImage crop, FacePipeline pipeline) {
        RgbImage bordered = withBlackBorder(crop, borderFraction);
        List<FacePipeline.Face> faces = pipeline.analyze(bordered);
        Optional<FacePipeline.Face> largest = largest(faces);
        if (largest.isPresent() && largest.get().described()) {
            return new Outcome(largest.get().descriptor(), true, false,
                    pipeline.detectionStage(largest.get().detection()), largest.get());
        }
        if (!fallback) {
            return new Outcome(null, largest.isPresent(), false, null, null);
        }
        // The peer's fallback: the crop region (inside the border) as the detection box, through
        // the same landmark, crop and descriptor steps.
        DetectedFace region = new DetectedFace(padding(borderFraction, crop.width()), padding(borderFraction, crop.height()),
                crop.width(), crop.height(), 0f);
        FacePipeline.Face face = pipeline.describeRegion(bordered, region);
        return new Outcome(face.descriptor(), largest.isPresent(), true, null, face.described() ? face : null);
    }

    /** The face with the largest detection box (area), as face-api's users pick "the" face. */
    public static Optional<FacePipeline.Face> largest(List<FacePipeline.Face> faces) {
        return faces.stream().max(Comparator.comparingDouble(f -> area(f.detection())));
    }

    private static double area(DetectedFace d) {
        return (double) d.width() * d.height();
    }

    /** {@code round(fraction * size)} as JS Math.round does it. */
    static int padding(double fraction, int size) {
        return (int) Math.floor(fraction * size + 0.5);
    }

    /** The image centred in black: {@code round(fraction * width)} columns left and right, likewise rows. */
    public static RgbImage withBlackBorder(RgbImage image, double fraction) {
        int padX = padding(fraction, image.width());
        int padY = padding(fraction, image.height());
        if (padX == 0 && padY == 0) {
            return image;
        }
        int width = image.width() + 2 * padX;
        int height = image.height() + 2 * padY;
        float[] out = new float[width * height * 3];
        float[] in = image.data();
        for (int y = 0; y < image.height(); y++) {
            System.arraycopy(in, y * image.width() * 3, out, ((y + padY) * width + padX) * 3, image.width() * 3);
        }
        return new RgbImage(width, height, out);
    }
}
