package io.biostream.operators.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.bytedeco.opencv.global.opencv_imgproc.GaussianBlur;
import static org.bytedeco.opencv.global.opencv_imgproc.getRotationMatrix2D;

import io.biostream.operators.image.OpenCvImages;
import io.biostream.operators.image.RgbImage;
import java.io.IOException;
import java.util.List;
import org.bytedeco.javacpp.indexer.DoubleIndexer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point2f;
import org.bytedeco.opencv.opencv_core.Size;
import org.junit.jupiter.api.Test;

class FaceQualityTest {

    /** The standard 68-point mirror map: the index a point takes when the face is flipped left-right. */
    static final int[] MIRROR = mirrorMap();

    private static int[] mirrorMap() {
        int[] map = new int[68];
        for (int i = 0; i < 68; i++) {
            map[i] = i;
        }
        int[][] pairs = {
            {17, 26}, {18, 25}, {19, 24}, {20, 23}, {21, 22},
            {31, 35}, {32, 34},
            {36, 45}, {37, 44}, {38, 43}, {39, 42}, {40, 47}, {41, 46},
            {48, 54}, {49, 53}, {50, 52}, {55, 59}, {56, 58}, {60, 64}, {61, 63}, {65, 67}};
        for (int i = 0; i <= 16; i++) {
            map[i] = 16 - i;
        }
        for (int[] pair : pairs) {
            map[pair[0]] = pair[1];
            map[pair[1]] = pair[0];
        }
        return map;
    }

    /** Landmarks of the left-right mirrored image: x' = W - x (continuous coordinates), indices swapped. */
    static double[] mirrored(double[] points, int imageWidth) {
        double[] out = new double[points.length];
        for (int i = 0; i < 68; i++) {
            out[2 * MIRROR[i]] = imageWidth - points[2 * i];
            out[2 * MIRROR[i] + 1] = points[2 * i + 1];
        }
        return out;
    }

    private static RgbImage blurred(RgbImage image) {
        try (Mat bgr = OpenCvImages.toBgrMat(image);
             Mat blurred = new Mat();
             Size kernel = new Size(0, 0)) {
            GaussianBlur(bgr, blurred, kernel, 3.0);
            return OpenCvImages.toRgbImage(blurred);
        }
    }

    private static RgbImage scaled(RgbImage image, float factor) {
        float[] out = image.data().clone();
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.round(out[i] * factor);
        }
        return new RgbImage(image.width(), image.height(), out);
    }

    /** The points rotated by OpenCV's getRotationMatrix2D(centre, degrees, 1): counter-clockwise as displayed. */
    private static double[] rotated(double[] points, double centreX, double centreY, double degrees) {
        double[] out = new double[points.length];
        try (Point2f centre = new Point2f((float) centreX, (float) centreY);
             Mat matrix = getRotationMatrix2D(centre, degrees, 1);
             DoubleIndexer m = matrix.createIndexer()) {
            for (int i = 0; i < points.length; i += 2) {
                out[i] = m.get(0, 0) * points[i] + m.get(0, 1) * points[i + 1] + m.get(0, 2);
                out[i + 1] = m.get(1, 0) * points[i] + m.get(1, 1) * points[i + 1] + m.get(1, 2);
            }
        }
        return out;
    }

    @Test
    void blurringARealFaceLowersItsSharpnessAndScore() throws IOException {
        GoldenFaces sample = GoldenFaces.load("sample3");
        RgbImage blurred = blurred(sample.image());
        for (GoldenFaces.Face face : sample.faces()) {
            QualityReport original = FaceQuality.assess(sample.image(), face.box(), face.landmarks());
            QualityReport blurry = FaceQuality.assess(blurred, face.box(), face.landmarks());

            assertThat(blurry.sharpness()).isLessThan(original.sharpness() / 4);
            assertThat(blurry.score()).isLessThan(original.score());
            assertThat(blurry.brightness()).isCloseTo(original.brightness(), within(3.0));
            assertThat(blurry.yaw()).isEqualTo(original.yaw());
        }
    }

    @Test
    void aDarkerCopyReadsDarkerAndFlatter() throws IOException {
        GoldenFaces sample = GoldenFaces.load("sample1");
        RgbImage darker = scaled(sample.image(), 0.4f);
        for (GoldenFaces.Face face : sample.faces()) {
            QualityReport original = FaceQuality.assess(sample.image(), face.box(), face.landmarks());
            QualityReport dark = FaceQuality.assess(darker, face.box(), face.landmarks());

            assertThat(dark.brightness()).isCloseTo(original.brightness() * 0.4, within(2.0));
            assertThat(dark.contrast()).isCloseTo(original.contrast() * 0.4, within(2.0));
            assertThat(dark.score()).isLessThan(original.score());
        }
    }

    @Test
    void mirroringAFaceNegatesYawAndRollAndKeepsPitch() throws IOException {
        int checked = 0;
        for (GoldenFaces sample : GoldenFaces.all()) {
            RgbImage flipped = ImageOps.mirror(sample.image());
            int width = sample.image().width();
            for (GoldenFaces.Face face : sample.faces()) {
                // Whole-pixel boxes, so that the flipped box covers exactly the mirrored pixels.
                DetectedFace golden = face.box();
                DetectedFace box = new DetectedFace((float) Math.floor(golden.x()), (float) Math.floor(golden.y()),
                        (float) Math.floor(golden.width()), (float) Math.floor(golden.height()), golden.score());
                DetectedFace flippedBox = new DetectedFace(width - box.x() - box.width(), box.y(), box.width(),
                        box.height(), box.score());
                QualityReport original = FaceQuality.assess(sample.image(), box, face.landmarks());
                QualityReport mirror = FaceQuality.assess(flipped, flippedBox, mirrored(face.landmarks(), width));

                assertThat(Math.abs(original.yaw())).as("a turned face, so the sign test means something")
                        .isGreaterThan(0.5);
                assertThat(mirror.yaw()).isCloseTo(-original.yaw(), within(1e-9));
                assertThat(mirror.roll()).isCloseTo(-original.roll(), within(1e-9));
                assertThat(mirror.pitch()).isCloseTo(original.pitch(), within(1e-9));
                // The Laplacian kernel and OpenCV's reflected border are symmetric: same measures.
                assertThat(mirror.brightness()).isCloseTo(original.brightness(), within(1e-9));
                assertThat(mirror.contrast()).isCloseTo(original.contrast(), within(1e-9));
                assertThat(mirror.sharpness()).isCloseTo(original.sharpness(), within(original.sharpness() * 1e-9));
                assertThat(mirror.score()).isCloseTo(original.score(), within(1e-9));
                checked++;
            }
        }
        assertThat(checked).isEqualTo(13);
    }

    @Test
    void rotatingTheLandmarksByTenDegreesAddsTenDegreesOfRoll() throws IOException {
        for (GoldenFaces.Face face : GoldenFaces.load("sample2").faces()) {
            double[] points = face.landmarks();
            HeadPose original = HeadPose.fromLandmarks(points);
            HeadPose turned = HeadPose.fromLandmarks(rotated(points, points[60], points[61], 10));

            assertThat(turned.roll()).isCloseTo(original.roll() + 10, within(1e-6));
            assertThat(turned.yaw()).isCloseTo(original.yaw(), within(1e-6));
            assertThat(turned.pitch()).isCloseTo(original.pitch(), within(1e-6));
        }
    }

    @Test
    void signsAgreeWithFaceApisHeuristicWhereItIsClearlyTurnedOrTilted() throws IOException {
        int yawChecked = 0;
        int rollChecked = 0;
        for (GoldenFaces sample : GoldenFaces.all()) {
            for (GoldenFaces.Face face : sample.faces()) {
                HeadPose pose = HeadPose.fromLandmarks(face.landmarks());
                // face-api's yaw is a pixel difference, its roll uses the nose-mouth midline: compare signs only.
                if (Math.abs(face.yaw()) >= 30) {
                    assertThat(Math.signum(pose.yaw())).as(sample.sample() + " yaw " + pose.yaw() + " vs " + face.yaw())
                            .isEqualTo(Math.signum(face.yaw()));
                    yawChecked++;
                }
                if (Math.abs(face.roll()) >= 15) {
                    assertThat(Math.signum(pose.roll())).as(sample.sample() + " roll " + pose.roll() + " vs " + face.roll())
                            .isEqualTo(Math.signum(face.roll()));
                    assertThat(pose.roll()).isCloseTo(face.roll(), within(15.0));
                    rollChecked++;
                }
            }
        }
        assertThat(yawChecked).isGreaterThanOrEqualTo(8);
        assertThat(rollChecked).isGreaterThanOrEqualTo(4);
    }

    /**
     * Landmarks of the generic model posed by Rz(roll) Ry(yaw) Rx(pitch), projected orthographically
     * at 3 px/mm around (400, 300): all six points of each eye at its centre.
     */
    private static double[] posedModel(double yawDegrees, double pitchDegrees, double rollDegrees) {
        double[] points = new double[136];
        double[][] model = new double[68][];
        for (int i = 36; i < 42; i++) {
            model[i] = new double[] {-HeadPose.EYE_HALF_DISTANCE, 0, 0};
        }
        for (int i = 42; i < 48; i++) {
            model[i] = new double[] {HeadPose.EYE_HALF_DISTANCE, 0, 0};
        }
        model[30] = new double[] {0, HeadPose.NOSE_HEIGHT, HeadPose.NOSE_DEPTH};
        model[48] = new double[] {-25, HeadPose.MOUTH_HEIGHT, HeadPose.MOUTH_DEPTH};
        model[54] = new double[] {25, HeadPose.MOUTH_HEIGHT, HeadPose.MOUTH_DEPTH};
        double p = Math.toRadians(pitchDegrees);
        double yw = Math.toRadians(yawDegrees);
        double r = Math.toRadians(rollDegrees);
        for (int i = 0; i < 68; i++) {
            double[] v = model[i] == null ? new double[] {0, 40, 0} : model[i];
            // Pitch (chin up = nose up = y decreases for points in front): y' = y cos - z sin.
            double y1 = v[1] * Math.cos(p) - v[2] * Math.sin(p);
            double z1 = v[1] * Math.sin(p) + v[2] * Math.cos(p);
            // Yaw (towards the image's left = points in front move left): x' = x cos - z sin.
            double x2 = v[0] * Math.cos(yw) - z1 * Math.sin(yw);
            // Roll counter-clockwise as displayed (y down).
            double x3 = x2 * Math.cos(r) + y1 * Math.sin(r);
            double y3 = -x2 * Math.sin(r) + y1 * Math.cos(r);
            points[2 * i] = 400 + 3 * x3;
            points[2 * i + 1] = 300 + 3 * y3;
        }
        return points;
    }

    @Test
    void recoversThePoseOfTheProjectedModel() {
        double[][] poses = {{0, 0, 0}, {25, -10, 15}, {-40, 20, -30}, {55, 5, 0}, {-10, -15, 80}, {30, 45, -5}};
        for (double[] pose : poses) {
            HeadPose estimated = HeadPose.fromLandmarks(posedModel(pose[0], pose[1], pose[2]));
            assertThat(estimated.yaw()).as("yaw of " + List.of(pose[0], pose[1], pose[2])).isCloseTo(pose[0], within(1e-9));
            assertThat(estimated.pitch()).as("pitch").isCloseTo(pose[1], within(1e-9));
            assertThat(estimated.roll()).as("roll").isCloseTo(pose[2], within(1e-9));
        }
    }

    @Test
    void yawStaysBoundedWhenTheHeadIsBowedFarDown() {
        // Near -36 degrees of pitch the nose tip is level in depth with the eyes, so its sideways
        // shift says almost nothing about yaw: the estimate must shrink, not blow up.
        for (double pitch : new double[] {-30, -36, -40}) {
            HeadPose estimated = HeadPose.fromLandmarks(posedModel(10, pitch, 0));
            assertThat(estimated.pitch()).isCloseTo(pitch, within(1e-9));
            assertThat(Math.abs(estimated.yaw())).as("yaw at pitch " + pitch).isLessThan(10);
        }
        assertThat(HeadPose.fromLandmarks(posedModel(10, -30, 0)).yaw()).isPositive();
    }

    @Test
    void poseIsNotANumberWhenTheEyesCoincide() {
        HeadPose pose = HeadPose.fromLandmarks(new double[136]);
        assertThat(pose.yaw()).isNaN();
        assertThat(pose.roll()).isNaN();
        assertThatThrownBy(() -> HeadPose.fromLandmarks(new double[10])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void scorePenalisesEachWeakness() {
        double good = FaceQuality.score(1000, 128, 50, 150, 0, 0);
        assertThat(good).isGreaterThan(0.99).isLessThanOrEqualTo(1.0);
        assertThat(FaceQuality.score(5, 128, 50, 150, 0, 0)).isLessThan(0.2);
        assertThat(FaceQuality.score(1000, 25, 50, 150, 0, 0)).isZero();
        assertThat(FaceQuality.score(1000, 240, 50, 150, 0, 0)).isZero();
        assertThat(FaceQuality.score(1000, 55, 50, 150, 0, 0)).isCloseTo(0.5 * good, within(0.01));
        assertThat(FaceQuality.score(1000, 128, 10, 150, 0, 0)).isCloseTo(0.25 * good, within(0.01));
        assertThat(FaceQuality.score(1000, 128, 50, 30, 0, 0)).isZero();
        assertThat(FaceQuality.score(1000, 128, 50, 72, 0, 0)).isCloseTo(0.5 * good, within(0.01));
        assertThat(FaceQuality.score(1000, 128, 50, 150, 30, 0)).isCloseTo(0.75 * good, within(0.01));
        assertThat(FaceQuality.score(1000, 128, 50, 150, -60, 0)).isZero();
        assertThat(FaceQuality.score(1000, 128, 50, 150, 0, -45)).isZero();
        assertThat(FaceQuality.score(1000, 128, 50, 150, Double.NaN, Double.NaN)).isEqualTo(good);
    }

    @Test
    void measuresAKnownSyntheticFace() {
        // Left half 60, right half 180 inside a 100x100 box: mean 120, std dev 60, one sharp edge.
        int size = 200;
        float[] data = new float[size * size * 3];
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                float v = x < 100 ? 60 : 180;
                data[(y * size + x) * 3] = v;
                data[(y * size + x) * 3 + 1] = v;
                data[(y * size + x) * 3 + 2] = v;
            }
        }
        RgbImage image = new RgbImage(size, size, data);
        QualityReport report = FaceQuality.assess(image, new DetectedFace(50, 50, 100, 100, 0.9f));

        assertThat(report.brightness()).isCloseTo(120, within(1e-9));
        assertThat(report.contrast()).isCloseTo(60, within(1e-9));
        assertThat(report.faceSize()).isEqualTo(100);
        // Laplacian 120 and -120 on the two columns either side of the edge, 0 elsewhere.
        assertThat(report.sharpness()).isCloseTo(2 * 120.0 * 120.0 / 100, within(1e-6));
        assertThat(report.yaw()).isNaN();
        // Only the size costs: 100 px of the 112 a full score needs, from 32 -> (100-32)/(112-32); blur is e^-(288/25).
        assertThat(report.score()).isCloseTo(0.85 * (1 - Math.exp(-288.0 / 25)), within(1e-9));

        QualityReport flat = FaceQuality.assess(image, new DetectedFace(0, 0, 90, 90, 0.9f));
        assertThat(flat.sharpness()).isZero();
        assertThat(flat.contrast()).isZero();
        assertThat(flat.score()).isZero();
    }

    @Test
    void aBoxOutsideTheImageIsRejected() {
        RgbImage image = new RgbImage(10, 10, new float[300]);
        assertThatThrownBy(() -> FaceQuality.assess(image, new DetectedFace(20, 20, 5, 5, 1f)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
