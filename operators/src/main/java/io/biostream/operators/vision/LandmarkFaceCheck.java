package io.biostream.operators.vision;

import io.biostream.operators.image.RgbImage;
import java.util.ArrayList;
import java.util.List;

/**
 * Decides whether a candidate box found by a later {@link DetectionCascade} stage holds a face,
 * from the 68-landmark net alone, so that the looser detectors and thresholds of those stages do
 * not let non-faces through. The landmark net always answers with 68 points, and on a non-face it
 * answers with something like its mean face placed relative to the box; two checks separate that
 * from a face:
 * <ul>
 *   <li><b>anchoring</b>: the points are predicted again from copies of the box shifted and
 *       scaled by about a tenth of its size. On a face they stay on the eyes, nose and mouth; on
 *       a non-face they move with the box. The mean point movement, in inter-ocular distances,
 *       must stay under {@link #MAX_DRIFT};</li>
 *   <li><b>geometry</b>: in the frame of the eye line (origin between the eyes, unit = the
 *       inter-ocular distance), the nose tip and mouth must lie below the eyes in that order,
 *       near the midline, the chin below the mouth, the eye line within 45 degrees of level, and
 *       the inter-ocular distance a plausible share of the box width.</li>
 * </ul>
 * The thresholds were set on the 40 bbt crops SSD misses (faces: drift 0.09-0.5 for the ones the
 * cascade recovers, up to 1.2 on profiles) and on random regions of the face-api demo photos away
 * from every face (non-faces: drift from 0.14, median 1.1). A few non-face regions pass both
 * checks (clothing patterns, dark windows), which is why the cascade also asks the SSD to find
 * the face again ({@link DetectionCascade#confirm}).
 */
final class LandmarkFaceCheck {
    /** Largest mean landmark movement under box jitter, in inter-ocular distances. */
    static final double MAX_DRIFT = 0.5;
    /** Jitter of the box, as a fraction of its width and height. */
    static final double JITTER = 0.1;

    private final FaceLandmarkNet landmarkNet;

    /**
     * The verdict on one candidate, with the measures it rests on (for reports and tuning); drift
     * is NaN where it was not measured (implausible geometry, or a box too small or outside).
     */
    record Verdict(boolean face, double drift, boolean plausibleGeometry, FaceLandmarks landmarks) {}

    LandmarkFaceCheck(FaceLandmarkNet landmarkNet) {
        this.landmarkNet = landmarkNet;
    }

    /**
     * Verdicts for candidate boxes of one image, in order: one landmark pass per box for the
     * geometry, and three more (the jittered boxes, batched) only for boxes whose geometry passes.
     */
    List<Verdict> check(RgbImage image, List<DetectedFace> candidates) {
        List<DetectedFace> usable = new ArrayList<>();
        for (DetectedFace c : candidates) {
            if (Math.min(c.width(), c.height()) >= 8 && jittered(c).stream().allMatch(v -> inside(v, image))) {
                usable.add(c);
            }
        }
        List<FaceLandmarks> bases = usable.isEmpty() ? List.of() : landmarkNet.detect(image, usable);
        List<DetectedFace> jitterBoxes = new ArrayList<>();
        for (int u = 0; u < usable.size(); u++) {
            if (plausibleGeometry(bases.get(u), usable.get(u))) {
                jitterBoxes.addAll(jittered(usable.get(u)));
            }
        }
        List<FaceLandmarks> jitterPoints = jitterBoxes.isEmpty() ? List.of() : landmarkNet.detect(image, jitterBoxes);
        List<Verdict> verdicts = new ArrayList<>(candidates.size());
        for (int i = 0, u = 0, j = 0; i < candidates.size(); i++) {
            if (u >= usable.size() || usable.get(u) != candidates.get(i)) {
                verdicts.add(new Verdict(false, Double.NaN, false, null));
                continue;
            }
            FaceLandmarks base = bases.get(u);
            if (!plausibleGeometry(base, usable.get(u++))) {
                verdicts.add(new Verdict(false, Double.NaN, false, base));
                continue;
            }
            double drift = 0;
            for (int v = 0; v < JITTERS; v++) {
                drift = Math.max(drift, meanDistance(base, jitterPoints.get(j++)));
            }
            drift /= interOcular(base);
            verdicts.add(new Verdict(drift <= MAX_DRIFT, drift, true, base));
        }
        return verdicts;
    }

    private static final int JITTERS = 3;

    /** The box moved a tenth of its size down-right and up-left, and grown by a fifth. */
    private static List<DetectedFace> jittered(DetectedFace c) {
        return List.of(shifted(c, JITTER, JITTER, 1), shifted(c, -JITTER, -JITTER, 1), shifted(c, 0, 0, 1 + 2 * JITTER));
    }

    private static boolean inside(DetectedFace box, RgbImage image) {
        return !ImageOps.clipAtImageBorders(box.x(), box.y(), box.width(), box.height(), image.width(), image.height()).isEmpty();
    }

    /** The face frame checks of the class comment. */
    static boolean plausibleGeometry(FaceLandmarks lm, DetectedFace box) {
        double[] left = lm.centre(FaceLandmarks.Region.LEFT_EYE);
        double[] right = lm.centre(FaceLandmarks.Region.RIGHT_EYE);
        double[] mouth = lm.centre(FaceLandmarks.Region.MOUTH);
        double iod = Math.hypot(right[0] - left[0], right[1] - left[1]);
        if (!(iod > 1e-6)) {
            return false;
        }
        double ux = (right[0] - left[0]) / iod;
        double uy = (right[1] - left[1]) / iod;
        if (ux < Math.cos(Math.toRadians(45))) {
            return false; // eye line more than 45 degrees off level, or the eyes swapped
        }
        double ox = (left[0] + right[0]) / 2;
        double oy = (left[1] + right[1]) / 2;
        double[] nose = frame(lm.x(30), lm.y(30), ox, oy, ux, uy, iod);
        double[] mouthAt = frame(mouth[0], mouth[1], ox, oy, ux, uy, iod);
        double[] chin = frame(lm.x(8), lm.y(8), ox, oy, ux, uy, iod);
        double iodShare = iod / box.width();
        return nose[1] > 0.25 && nose[1] < mouthAt[1] && mouthAt[1] > 0.7 && mouthAt[1] < 1.8
                && Math.abs(nose[0]) < 0.6 && Math.abs(mouthAt[0]) < 0.5
                && chin[1] > mouthAt[1] + 0.2
                && iodShare > 0.2 && iodShare < 0.75;
    }

    /** A point in the eye-line frame: x along the eye line, y down from it, in inter-ocular units. */
    private static double[] frame(double x, double y, double ox, double oy, double ux, double uy, double iod) {
        double dx = x - ox;
        double dy = y - oy;
        return new double[] {(dx * ux + dy * uy) / iod, (-dx * uy + dy * ux) / iod};
    }

    static double interOcular(FaceLandmarks lm) {
        double[] left = lm.centre(FaceLandmarks.Region.LEFT_EYE);
        double[] right = lm.centre(FaceLandmarks.Region.RIGHT_EYE);
        return Math.max(1e-6, Math.hypot(right[0] - left[0], right[1] - left[1]));
    }

    /** Mean distance of the inner points (brows, nose, eyes, mouth): the jaw line may slide along itself. */
    private static double meanDistance(FaceLandmarks a, FaceLandmarks b) {
        double sum = 0;
        int first = FaceLandmarks.Region.LEFT_BROW.first();
        for (int i = first; i < FaceLandmarks.COUNT; i++) {
            sum += Math.hypot(a.x(i) - b.x(i), a.y(i) - b.y(i));
        }
        return sum / (FaceLandmarks.COUNT - first);
    }

    /** The box moved by fractions of its size and scaled about its centre. */
    static DetectedFace shifted(DetectedFace box, double dx, double dy, double scale) {
        double width = box.width() * scale;
        double height = box.height() * scale;
        double cx = box.x() + box.width() / 2.0 + dx * box.width();
        double cy = box.y() + box.height() / 2.0 + dy * box.height();
        return new DetectedFace((float) (cx - width / 2), (float) (cy - height / 2), (float) width, (float) height,
                box.score());
    }
}
