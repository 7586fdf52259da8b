package io.biostream.operators.vision;

/**
 * Head pose in degrees, estimated from 68 landmarks (iBUG order, {@code x0,y0,...,x67,y67} in
 * image pixels) by inverting a weak-perspective camera on a small generic face model.
 *
 * <p>Sign conventions (the same signs as face-api's {@code angle} heuristic, checked on the
 * goldens): <b>roll</b> &gt; 0 when the face is rotated counter-clockwise as displayed (the top of
 * the head leans to the image's left; OpenCV's {@code getRotationMatrix2D} angle sense);
 * <b>yaw</b> &gt; 0 when the face turns towards the image's left (the nose tip moves left of the
 * eyes' midpoint; the subject turns to their own right in an unmirrored photo); <b>pitch</b> &gt; 0
 * when the chin goes up (the nose tip moves up towards the eyes). All three are 0 for a frontal,
 * upright face.
 *
 * <p>Method. The model is the head rotated by {@code Rz(roll) * Ry(yaw) * Rx(pitch)} and projected
 * orthographically with an unknown scale. With both eye centres symmetric about the midline, the
 * eye line stays horizontal under yaw and pitch, so:
 * <ol>
 *   <li>roll is the angle of the line from the image-left eye centre (points 36-41) to the
 *       image-right one (42-47), negated because image y points down;</li>
 *   <li>all points are rotated back by roll about the eyes' midpoint;</li>
 *   <li>pitch changes only vertical distances: with {@code t} = (nose tip 30 below the eye line) /
 *       (mouth-corner midpoint 48/54 below the eye line), {@code tan(pitch) = (a - t c) / (b - t d)}
 *       where a, c are the model's nose and mouth heights below the eyes and b, d their depths in
 *       front of the eyes;</li>
 *   <li>yaw shifts the nose tip horizontally by its depth in front of the eyes: with {@code r} =
 *       (nose tip x - eye midpoint x) / (half the eye-centre distance),
 *       {@code tan(yaw) = -r * E / D}, E the model's half eye distance and D the nose tip's depth in
 *       front of the eyes after pitch, {@code a sin(pitch) + b cos(pitch)}. Looking down, D shrinks
 *       (to 0 at about -36 degrees) and the shift stops telling yaw, so D is floored at b / 2
 *       (reached near -18 degrees of pitch): below that |yaw| is underestimated rather than
 *       blown up.</li>
 * </ol>
 * The model (mm) is anthropometric: eye centres at (+-32, 0, 0), nose tip 38 below and 28 in front
 * of them, mouth corners 63 below and 5 in front; the heights were set so that the posed faces of
 * the face-api goldens read about 0 pitch. Expect roughly +-10 degrees against a calibrated
 * method, worse past 60 degrees of yaw, where the far eye's landmarks become guesses.
 */
public record HeadPose(double yaw, double pitch, double roll) {

    static final double EYE_HALF_DISTANCE = 32;
    static final double NOSE_HEIGHT = 38;
    static final double NOSE_DEPTH = 28;
    static final double MOUTH_HEIGHT = 63;
    static final double MOUTH_DEPTH = 5;

    private static final int NOSE_TIP = 30;
    private static final int MOUTH_LEFT_CORNER = 48;
    private static final int MOUTH_RIGHT_CORNER = 54;

    /** The pose of a face from its 136 landmark coordinates; NaN angles when the eyes coincide. */
    public static HeadPose fromLandmarks(double[] points) {
        if (points.length != 136) {
            throw new IllegalArgumentException("expected 136 landmark coordinates, got " + points.length);
        }
        double[] leftEye = mean(points, 36, 42);
        double[] rightEye = mean(points, 42, 48);
        double eyeDx = rightEye[0] - leftEye[0];
        double eyeDy = rightEye[1] - leftEye[1];
        double halfEyeSpan = Math.hypot(eyeDx, eyeDy) / 2;
        if (!(halfEyeSpan > 0)) {
            return new HeadPose(Double.NaN, Double.NaN, Double.NaN);
        }
        double eyeLineAngle = Math.atan2(eyeDy, eyeDx);
        double originX = (leftEye[0] + rightEye[0]) / 2;
        double originY = (leftEye[1] + rightEye[1]) / 2;

        double[] nose = unrolled(points[2 * NOSE_TIP], points[2 * NOSE_TIP + 1], originX, originY, eyeLineAngle);
        double[] mouth = unrolled(
                (points[2 * MOUTH_LEFT_CORNER] + points[2 * MOUTH_RIGHT_CORNER]) / 2,
                (points[2 * MOUTH_LEFT_CORNER + 1] + points[2 * MOUTH_RIGHT_CORNER + 1]) / 2,
                originX, originY, eyeLineAngle);

        double pitch = pitch(nose[1] / mouth[1]);
        double yaw = yaw(nose[0] / halfEyeSpan, pitch);
        return new HeadPose(Math.toDegrees(yaw), Math.toDegrees(pitch), -Math.toDegrees(eyeLineAngle));
    }

    /** Pitch in radians from t = nose drop / mouth drop below the eye line (y down). */
    static double pitch(double noseToMouthRatio) {
        double t = noseToMouthRatio;
        return Math.atan2(NOSE_HEIGHT - t * MOUTH_HEIGHT, NOSE_DEPTH - t * MOUTH_DEPTH);
    }

    /** Yaw in radians from r = nose offset / half eye distance (x right), given pitch in radians. */
    static double yaw(double noseOffsetRatio, double pitch) {
        double noseDepth = Math.max(NOSE_DEPTH / 2, NOSE_HEIGHT * Math.sin(pitch) + NOSE_DEPTH * Math.cos(pitch));
        return Math.atan(-noseOffsetRatio * EYE_HALF_DISTANCE / noseDepth);
    }

    /** (x, y) relative to the origin, rotated by -angle: the eye line becomes the x axis. */
    private static double[] unrolled(double x, double y, double originX, double originY, double angle) {
        double dx = x - originX;
        double dy = y - originY;
        double cos = Math.cos(angle);
        double sin = Math.sin(angle);
        return new double[] {cos * dx + sin * dy, -sin * dx + cos * dy};
    }

    private static double[] mean(double[] points, int first, int end) {
        double sumX = 0;
        double sumY = 0;
        for (int i = first; i < end; i++) {
            sumX += points[2 * i];
            sumY += points[2 * i + 1];
        }
        return new double[] {sumX / (end - first), sumY / (end - first)};
    }
}
