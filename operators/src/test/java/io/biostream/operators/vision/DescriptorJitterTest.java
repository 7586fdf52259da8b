package io.biostream.operators.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.biostream.operators.image.RgbImage;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The jittered chips are the stated transforms of the aligned chip: measured on an image whose
 * red and green values are its x and y coordinates, so each chip pixel shows where it was sampled.
 */
class DescriptorJitterTest {

    /** A tilted, scaled face: dlib's template points turned by 12 degrees, scaled 1.3, moved to (90, 70). */
    private static FaceLandmarks tiltedFace() {
        double angle = Math.toRadians(12);
        double cos = Math.cos(angle) * 1.3;
        double sin = Math.sin(angle) * 1.3;
        double[] points = new double[2 * FaceLandmarks.COUNT];
        for (int i = 0; i < FaceLandmarks.COUNT; i++) {
            double[] p = i >= 17 ? AlignedFaceChip.templatePoint(i, AlignedFaceChip.SIZE, AlignedFaceChip.PADDING)
                    : new double[] {30 + 90.0 * i / 16, 100 + 30 * Math.sin(Math.PI * i / 16)};
            points[2 * i] = cos * p[0] - sin * p[1] + 90;
            points[2 * i + 1] = sin * p[0] + cos * p[1] + 70;
        }
        return new FaceLandmarks(points, new float[2 * FaceLandmarks.COUNT], new PixelRect(0, 0, 1, 1));
    }

    /** Red = x, green = y, blue = 0: bilinear sampling of it gives the sampled position exactly. */
    private static RgbImage coordinateImage(int width, int height) {
        float[] data = new float[width * height * 3];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                data[(y * width + x) * 3] = x;
                data[(y * width + x) * 3 + 1] = y;
            }
        }
        return new RgbImage(width, height, data);
    }

    /** Where chip pixel (c, r) was sampled in the image (its red and green values). */
    private static double[] sampledAt(RgbImage chip, double c, double r) {
        // (c, r) may be a half pixel: the mean of the neighbours, exact since sampling is affine
        int c0 = (int) Math.floor(c);
        int r0 = (int) Math.floor(r);
        int c1 = c == c0 ? c0 : c0 + 1;
        int r1 = r == r0 ? r0 : r0 + 1;
        double x = 0;
        double y = 0;
        for (int cc : new int[] {c0, c1}) {
            for (int rr : new int[] {r0, r1}) {
                int i = (rr * chip.width() + cc) * 3;
                x += chip.data()[i] / 4.0;
                y += chip.data()[i + 1] / 4.0;
            }
        }
        return new double[] {x, y};
    }

    @Test
    void theChipsAreThePlainChipAndItsEightSmallTurnsShiftsAndZooms() {
        RgbImage image = coordinateImage(420, 400);
        FaceLandmarks face = tiltedFace();
        AlignedFaceChip.Details plain = AlignedFaceChip.details(face);
        List<RgbImage> chips = DescriptorJitter.chips(image, face);
        assertThat(chips).hasSize(9);
        assertThat(chips.get(0).data()).containsExactly(AlignedFaceChip.crop(image, face).data());
        // {dx, dy in chip sides along the chip's own axes, degrees, zoom}: dlib's jitter ranges in symmetric pairs
        double[][] stated = {
            {0, 0, 3, 0.975}, {0, 0, -3, 0.975},
            {0.02, 0, 0, 0.975}, {-0.02, 0, 0, 0.975},
            {0, 0.02, 0, 0.975}, {0, -0.02, 0, 0.975},
            {0, 0, 0, 0.96}, {0, 0, 0, 0.99},
        };
        double last = AlignedFaceChip.SIZE - 1;
        double mid = last / 2;
        for (int k = 0; k < stated.length; k++) {
            RgbImage chip = chips.get(k + 1);
            assertThat(chip.width()).isEqualTo(AlignedFaceChip.SIZE);
            double angle = plain.angle() + Math.toRadians(stated[k][2]);
            double side = plain.side() * stated[k][3];
            // the centre moves along the plain chip's axes (the face's frame), not the image's
            double shiftX = plain.side() * (stated[k][0] * Math.cos(plain.angle()) - stated[k][1] * Math.sin(plain.angle()));
            double shiftY = plain.side() * (stated[k][0] * Math.sin(plain.angle()) + stated[k][1] * Math.cos(plain.angle()));
            double[] centre = sampledAt(chip, mid, mid);
            assertThat(centre[0]).as("chip %d centre x", k + 1).isCloseTo(plain.centreX() + shiftX, within(1e-3));
            assertThat(centre[1]).as("chip %d centre y", k + 1).isCloseTo(plain.centreY() + shiftY, within(1e-3));
            // the chip's top row runs from its left to its right corner: the chip's angle and side (dlib's rect is a pixel narrower)
            double[] left = sampledAt(chip, 0, mid);
            double[] right = sampledAt(chip, last, mid);
            assertThat(Math.atan2(right[1] - left[1], right[0] - left[0])).as("chip %d angle", k + 1)
                    .isCloseTo(angle, within(1e-6));
            assertThat(Math.hypot(right[0] - left[0], right[1] - left[1])).as("chip %d side", k + 1)
                    .isCloseTo(side - 1, within(1e-3));
        }
    }

    @Test
    void copiesWithNoPixelInTheImageAreLeftOut() {
        FaceLandmarks face = tiltedFace();
        List<RgbImage> none = DescriptorJitter.chips(coordinateImage(400, 400),
                new FaceLandmarks(shifted(face, -2000), new float[2 * FaceLandmarks.COUNT], new PixelRect(0, 0, 1, 1)));
        assertThat(none).hasSize(1);
        assertThat(none.get(0).width()).isZero();
    }

    private static double[] shifted(FaceLandmarks face, double dx) {
        double[] points = new double[2 * FaceLandmarks.COUNT];
        for (int i = 0; i < FaceLandmarks.COUNT; i++) {
            points[2 * i] = face.x(i) + dx;
            points[2 * i + 1] = face.y(i);
        }
        return points;
    }

    @Test
    void theScopeNamesAreTheConfigValues() {
        assertThat(DescriptorJitter.Scope.names()).containsExactly("off", "regions", "all");
        assertThat(DescriptorJitter.Scope.named("regions")).isEqualTo(DescriptorJitter.Scope.REGIONS);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DescriptorJitter.Scope.named("some"))
                .hasMessageContaining("off, regions, all");
    }
}
