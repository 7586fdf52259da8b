package io.biostream.operators.vision;

import static org.bytedeco.opencv.global.opencv_core.CV_64F;
import static org.bytedeco.opencv.global.opencv_core.meanStdDev;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.Laplacian;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;

import io.biostream.operators.image.OpenCvImages;
import io.biostream.operators.image.RgbImage;
import org.bytedeco.javacpp.indexer.DoubleIndexer;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Measures how usable a detected face is for recognition: image measures on the face region,
 * head pose from the landmarks, and one score.
 *
 * <p>The score is a product of factors in 0..1, so any one bad property sinks it:
 * <ul>
 *   <li>blur: {@code 1 - exp(-sharpness / 25)} (Laplacian variance 25 gives 0.63, 75 gives 0.95;
 *       in-focus faces of 150-220 px in the face-api sample photos measure 20-80, the same
 *       blurred with a Gaussian of sigma 3 under 5). The variance falls as a sharp face gets
 *       larger in pixels, so very large faces are under-rated;</li>
 *   <li>exposure: 1 for mean grey in 80..180, falling linearly to 0 at 30 and at 235;</li>
 *   <li>contrast: {@code min(1, stddev / 40)};</li>
 *   <li>size: 0 at a shorter box side of 32 px or less, 1 from 112 px (the landmark net's input)
 *       on, linear between;</li>
 *   <li>pose: {@code max(0, 1 - (yaw/60)^2) * max(0, 1 - (pitch/45)^2)}; 1 when the pose is
 *       unknown. Roll is reported but not penalised: it is an in-plane rotation that alignment
 *       can undo.</li>
 * </ul>
 */
public final class FaceQuality {
    static final double SHARPNESS_SCALE = 25;
    static final double DARK_ZERO = 30;
    static final double DARK_FULL = 80;
    static final double BRIGHT_FULL = 180;
    static final double BRIGHT_ZERO = 235;
    static final double CONTRAST_FULL = 40;
    static final double SIZE_ZERO = 32;
    static final double SIZE_FULL = 112;
    static final double YAW_ZERO = 60;
    static final double PITCH_ZERO = 45;

    private FaceQuality() {
    }

    /** The face's report, pose from its 136 landmark coordinates ({@code x0,y0,...} in image px). */
    public static QualityReport assess(RgbImage image, DetectedFace face, double[] landmarks) {
        return report(image, face, HeadPose.fromLandmarks(landmarks));
    }

    /** The face's report without landmarks: angles NaN, score from the image measures and size. */
    public static QualityReport assess(RgbImage image, DetectedFace face) {
        return report(image, face, new HeadPose(Double.NaN, Double.NaN, Double.NaN));
    }

    private static QualityReport report(RgbImage image, DetectedFace face, HeadPose pose) {
        PixelRect region = ImageOps.clipAtImageBorders(face.x(), face.y(), face.width(), face.height(),
                image.width(), image.height());
        if (region.isEmpty()) {
            throw new IllegalArgumentException("face box " + face + " has no pixels inside the "
                    + image.width() + "x" + image.height() + " image");
        }
        GreyStatistics grey = GreyStatistics.of(ImageOps.crop(image, region));
        double faceSize = Math.min(face.width(), face.height());
        double score = score(grey.laplacianVariance, grey.mean, grey.stdDev, faceSize, pose.yaw(), pose.pitch());
        return new QualityReport(grey.laplacianVariance, grey.mean, grey.stdDev, faceSize,
                pose.yaw(), pose.pitch(), pose.roll(), score);
    }

    /** The combined score in 0..1 (see the class comment); NaN angles count as frontal. */
    public static double score(double sharpness, double brightness, double contrast, double faceSize,
                               double yaw, double pitch) {
        double blur = 1 - Math.exp(-Math.max(0, sharpness) / SHARPNESS_SCALE);
        double exposure = Math.min(ramp(brightness, DARK_ZERO, DARK_FULL), ramp(-brightness, -BRIGHT_ZERO, -BRIGHT_FULL));
        double contrastFactor = Math.min(1, Math.max(0, contrast) / CONTRAST_FULL);
        double size = ramp(faceSize, SIZE_ZERO, SIZE_FULL);
        double pose = angleFactor(yaw, YAW_ZERO) * angleFactor(pitch, PITCH_ZERO);
        return blur * exposure * contrastFactor * size * pose;
    }

    /** 0 at or below zero, 1 at or above full, linear between. */
    private static double ramp(double value, double zero, double full) {
        return Math.max(0, Math.min(1, (value - zero) / (full - zero)));
    }

    private static double angleFactor(double degrees, double zeroAt) {
        if (Double.isNaN(degrees)) {
            return 1;
        }
        double relative = degrees / zeroAt;
        return Math.max(0, 1 - relative * relative);
    }

    /** Mean, standard deviation and Laplacian variance of an image's 8-bit grey version. */
    record GreyStatistics(double mean, double stdDev, double laplacianVariance) {

        static GreyStatistics of(RgbImage region) {
            try (Mat bgr = OpenCvImages.toBgrMat(region);
                 Mat grey = new Mat();
                 Mat laplacian = new Mat()) {
                cvtColor(bgr, grey, COLOR_BGR2GRAY);
                Laplacian(grey, laplacian, CV_64F);
                double[] greyMeanStd = meanAndStdDev(grey);
                double laplacianStd = meanAndStdDev(laplacian)[1];
                return new GreyStatistics(greyMeanStd[0], greyMeanStd[1], laplacianStd * laplacianStd);
            }
        }

        private static double[] meanAndStdDev(Mat values) {
            try (Mat mean = new Mat();
                 Mat stdDev = new Mat()) {
                meanStdDev(values, mean, stdDev);
                try (DoubleIndexer meanAt = mean.createIndexer();
                     DoubleIndexer stdAt = stdDev.createIndexer()) {
                    return new double[] {meanAt.get(0), stdAt.get(0)};
                }
            }
        }
    }
}
