package io.biostream.operators.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.biostream.operators.image.RgbImage;
import io.biostream.operators.vision.FaceLandmarks.Region;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * dlib's aligned chip on synthetic faces: dlib's own mean face, tilted, scaled and moved by a known
 * similarity, drawn with coloured eyes and mouth, must come back upright at the template's place.
 */
class AlignedFaceChipTest {
    private static final float[] LEFT_EYE_COLOUR = {255, 0, 0};
    private static final float[] RIGHT_EYE_COLOUR = {0, 255, 0};
    private static final float[] MOUTH_COLOUR = {0, 0, 255};

    /** The template's landmarks in chip pixels, then (x, y) -> s R(angle) (x, y) + (tx, ty); the jaw too. */
    private static FaceLandmarks tiltedTemplateFace(double degrees, double scale, double tx, double ty) {
        double angle = Math.toRadians(degrees);
        double cos = Math.cos(angle) * scale;
        double sin = Math.sin(angle) * scale;
        double[] points = new double[2 * FaceLandmarks.COUNT];
        for (int i = 0; i < FaceLandmarks.COUNT; i++) {
            // dlib's template has no jaw (points 0-16): place it on a curve under the face; unused by the chip
            double[] p = i >= 17 ? AlignedFaceChip.templatePoint(i, AlignedFaceChip.SIZE, AlignedFaceChip.PADDING)
                    : new double[] {30 + 90.0 * i / 16, 100 + 30 * Math.sin(Math.PI * i / 16)};
            points[2 * i] = cos * p[0] - sin * p[1] + tx;
            points[2 * i + 1] = sin * p[0] + cos * p[1] + ty;
        }
        return new FaceLandmarks(points, new float[2 * FaceLandmarks.COUNT], new PixelRect(0, 0, 1, 1));
    }

    /** A grey image with a disc of {@code radius} at the centre of each eye and of the mouth. */
    private static RgbImage drawn(int width, int height, FaceLandmarks face, double radius) {
        float[] data = new float[width * height * 3];
        java.util.Arrays.fill(data, 128f);
        disc(data, width, height, face.centre(Region.LEFT_EYE), radius, LEFT_EYE_COLOUR);
        disc(data, width, height, face.centre(Region.RIGHT_EYE), radius, RIGHT_EYE_COLOUR);
        disc(data, width, height, face.centre(Region.MOUTH), radius, MOUTH_COLOUR);
        return new RgbImage(width, height, data);
    }

    private static void disc(float[] data, int width, int height, double[] centre, double radius, float[] colour) {
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                if (Math.hypot(x - centre[0], y - centre[1]) <= radius) {
                    System.arraycopy(colour, 0, data, (y * width + x) * 3, 3);
                }
            }
        }
    }

    /** The centroid {x, y} of the chip's pixels close to {@code colour}, weighted by closeness. */
    private static double[] centroid(RgbImage chip, float[] colour) {
        double sumX = 0;
        double sumY = 0;
        double weight = 0;
        float[] d = chip.data();
        for (int y = 0; y < chip.height(); y++) {
            for (int x = 0; x < chip.width(); x++) {
                int o = (y * chip.width() + x) * 3;
                // 1 at the colour, 0 at the grey background or another colour
                double w = 1;
                for (int c = 0; c < 3; c++) {
                    w = Math.min(w, 1 - Math.abs(d[o + c] - colour[c]) / 127.0);
                }
                if (w > 0) {
                    sumX += w * x;
                    sumY += w * y;
                    weight += w;
                }
            }
        }
        assertThat(weight).as("pixels of colour %s in the chip", java.util.Arrays.toString(colour)).isGreaterThan(20);
        return new double[] {sumX / weight, sumY / weight};
    }

    /** The template's centre of a region in chip pixels. */
    private static double[] templateCentre(Region region) {
        double x = 0;
        double y = 0;
        for (int i = region.first(); i < region.end(); i++) {
            double[] p = AlignedFaceChip.templatePoint(i, AlignedFaceChip.SIZE, AlignedFaceChip.PADDING);
            x += p[0];
            y += p[1];
        }
        return new double[] {x / region.size(), y / region.size()};
    }

    @ParameterizedTest(name = "tilted {0} degrees, scale {1}")
    @CsvSource({
        "25, 1.3, 260, 90",     // sampled directly
        "-30, 1.0, 200, 260",
        "20, 4.5, 600, 100",    // a face three times the chip: through dlib's image pyramid
    })
    void aTiltedFaceLandsUprightWithItsEyesLevelAtTheTemplatesPlace(double degrees, double scale, double tx, double ty) {
        FaceLandmarks face = tiltedTemplateFace(degrees, scale, tx, ty);
        RgbImage image = drawn(1200, 1000, face, 7 * scale);

        AlignedFaceChip.Details details = AlignedFaceChip.details(face);
        assertThat(Math.toDegrees(details.angle())).isCloseTo(degrees, within(1e-9));
        assertThat(details.scale()).isCloseTo(scale, within(1e-9));

        RgbImage chip = AlignedFaceChip.crop(image, face);
        assertThat(chip.width()).isEqualTo(150);
        assertThat(chip.height()).isEqualTo(150);
        double[] leftEye = centroid(chip, LEFT_EYE_COLOUR);
        double[] rightEye = centroid(chip, RIGHT_EYE_COLOUR);
        double[] mouth = centroid(chip, MOUTH_COLOUR);
        double eyeLine = Math.toDegrees(Math.atan2(rightEye[1] - leftEye[1], rightEye[0] - leftEye[0]));
        assertThat(eyeLine).as("eye line against the horizontal, degrees").isCloseTo(0, within(1.0));
        assertThat(mouth[1]).as("mouth below the eyes").isGreaterThan(leftEye[1] + 40);
        // where dlib's template puts the eyes and mouth of a 150 px chip with padding 0.25
        double[] templateLeft = templateCentre(Region.LEFT_EYE);
        double[] templateRight = templateCentre(Region.RIGHT_EYE);
        double[] templateMouth = templateCentre(Region.MOUTH);
        assertThat(templateLeft[0]).isCloseTo(47.55, within(0.01)); // (0.25 + 0.225492) / 1.5 * 150
        assertThat(templateLeft[1]).isCloseTo(46.60, within(0.01));
        // dlib maps the chip's pixel corners, not its pixel edges, onto the template square: chip
        // pixel c shows template coordinate c + 0.5 (and through the pyramid dlib's rect_down adds
        // up to 0.4 px more, see AlignedFaceChip)
        for (double[][] pair : new double[][][] {{leftEye, templateLeft}, {rightEye, templateRight}, {mouth, templateMouth}}) {
            assertThat(Math.hypot(pair[0][0] - (pair[1][0] - 0.5), pair[0][1] - (pair[1][1] - 0.5)))
                    .as("distance of %s from the template's %s", java.util.Arrays.toString(pair[0]),
                            java.util.Arrays.toString(pair[1]))
                    .isLessThan(1.0);
        }
    }

    @Test
    void theSimilarityIsTheLeastSquaresFitThatDlibComputes() {
        // exact points: the known transform comes back
        double[] from = {0, 0, 10, 0, 0, 10, 7, 3};
        double[] to = new double[from.length];
        AlignedFaceChip.Similarity known = new AlignedFaceChip.Similarity(1.2, -0.5, 30, -4);
        for (int i = 0; i < from.length; i += 2) {
            double[] p = known.apply(from[i], from[i + 1]);
            to[i] = p[0];
            to[i + 1] = p[1];
        }
        AlignedFaceChip.Similarity fit = AlignedFaceChip.similarity(from, to);
        assertThat(new double[] {fit.a(), fit.b(), fit.tx(), fit.ty()}).containsExactly(new double[] {1.2, -0.5, 30, -4}, within(1e-12));
        // a mirrored point set: a similarity never reflects, it fits the best rotation (Umeyama),
        // here scale 0 (the reflection of two points about their midline is no rotation's image)
        AlignedFaceChip.Similarity mirrored = AlignedFaceChip.similarity(new double[] {0, 0, 10, 0, 0, 10, 10, 10},
                new double[] {10, 0, 0, 0, 10, 10, 0, 10});
        assertThat(mirrored.scale()).isCloseTo(0, within(1e-12));
    }

    @Test
    void aFaceOutsideTheImageGivesAnEmptyChipAndOneAtTheBorderIsBlackWhereTheImageEnds() {
        FaceLandmarks outside = tiltedTemplateFace(10, 1.0, 5000, 5000);
        assertThat(AlignedFaceChip.crop(drawn(300, 300, tiltedTemplateFace(10, 1, 50, 50), 7), outside).width()).isZero();

        FaceLandmarks atTheLeftEdge = tiltedTemplateFace(0, 1.0, -75, 50);
        float[] white = new float[300 * 300 * 3];
        java.util.Arrays.fill(white, 255f);
        RgbImage chip = AlignedFaceChip.crop(new RgbImage(300, 300, white), atTheLeftEdge);
        assertThat(chip.data()[(70 * 150 + 10) * 3]).as("a pixel left of the image").isZero();
        assertThat(chip.data()[(70 * 150 + 140) * 3]).as("a pixel inside the image").isEqualTo(255f);
    }

    @Test
    void theMeanFaceUsesDlibsThirtyThreePoints() {
        int used = 0;
        for (int i = 0; i < FaceLandmarks.COUNT; i++) {
            used += AlignedFaceChip.usesLandmark(i) ? 1 : 0;
        }
        // 68 - jaw (17) - brows (10) - lower lip (5 + 3)
        assertThat(used).isEqualTo(33);
        assertThat(AlignedFaceChip.usesLandmark(36)).isTrue();
        assertThat(AlignedFaceChip.usesLandmark(22)).isFalse();
        assertThat(AlignedFaceChip.usesLandmark(57)).isFalse();
        assertThat(AlignedFaceChip.usesLandmark(64)).isTrue();
    }
}
