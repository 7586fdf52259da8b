package io.biostream.operators.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.biostream.operators.vision.FaceLandmarks.Region;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The landmark record's helpers and the landmark net's pure post-processing steps. */
class FaceLandmarksTest {

    /** Point i at (i, 2i + 10). */
    private static FaceLandmarks ramp() {
        double[] points = new double[2 * FaceLandmarks.COUNT];
        for (int i = 0; i < FaceLandmarks.COUNT; i++) {
            points[2 * i] = i;
            points[2 * i + 1] = 2 * i + 10;
        }
        return new FaceLandmarks(points, new float[2 * FaceLandmarks.COUNT], new PixelRect(0, 0, 10, 10));
    }

    @Test
    void regionsCoverThe68PointsInOrder() {
        int next = 0;
        for (Region region : Region.values()) {
            assertEquals(next, region.first(), region.name());
            next = region.end();
        }
        assertEquals(FaceLandmarks.COUNT, next);
        assertEquals(17, Region.JAW.size());
        assertEquals(9, Region.NOSE.size());
        assertEquals(6, Region.LEFT_EYE.size());
        assertEquals(20, Region.MOUTH.size());
    }

    @Test
    void regionPointsAndCentres() {
        FaceLandmarks landmarks = ramp();
        assertThat(landmarks.points(Region.RIGHT_EYE)).hasSize(12).startsWith(42, 94, 43, 96);
        assertThat(landmarks.centre(Region.LEFT_EYE)).containsExactly(38.5, 87.0);
        assertEquals(27.0, landmarks.x(27));
        assertEquals(64.0, landmarks.y(27));
    }

    @Test
    void alignedRectIsTheBoundingBoxGrownByATenthEachSide() {
        FaceLandmarks.Box box = ramp().alignedRect();
        // points span x 0..67 and y 10..144
        assertThat(box.x()).isCloseTo(-6.7, within(1e-12));
        assertThat(box.y()).isCloseTo(10 - 13.4, within(1e-12));
        assertThat(box.width()).isCloseTo(67 * 1.2, within(1e-12));
        assertThat(box.height()).isCloseTo(134 * 1.2, within(1e-12));
    }

    @Test
    void rejectsWrongLengths() {
        assertThatThrownBy(() -> new FaceLandmarks(new double[10], new float[136], new PixelRect(0, 0, 1, 1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void valueEquality() {
        assertEquals(ramp(), ramp());
        assertEquals(ramp().hashCode(), ramp().hashCode());
    }

    /**
     * A portrait 50x100 crop is scaled to 56x112 and padded by 28 each side in face-api's
     * arithmetic, so raw x 0.25 (28 px of 112) is the crop's left edge and 0.75 its right edge.
     */
    @Test
    void rawOutputsOfAPortraitCropAreMadeRelativeToTheCrop() {
        float[] raw = new float[136];
        Arrays.fill(raw, 0.5f);
        raw[0] = 0.25f;
        raw[2] = 0.75f;
        raw[3] = 1f;
        float[] relative = FaceLandmarkNet.relativeToCrop(raw, 50, 100);
        assertThat(relative[0]).isEqualTo(0f);
        assertThat(relative[2]).isEqualTo(1f);
        assertThat(relative[4]).isEqualTo(0.5f);
        assertThat(relative[1]).isEqualTo(0.5f);
        assertThat(relative[3]).isEqualTo(1f);
    }

    /** Positions are shifted by the detection box as detected, not by the floored crop corner. */
    @Test
    void imagePointsAreShiftedByTheUnflooredBox() {
        float[] raw = new float[136];
        Arrays.fill(raw, 0.5f);
        FaceLandmarks landmarks = FaceLandmarkNet.toImage(raw, new PixelRect(10, 20, 112, 112), 10.75, 20.25);
        assertThat(landmarks.x(0)).isEqualTo(56 + 10.75);
        assertThat(landmarks.y(67)).isEqualTo(56 + 20.25);
        assertThat(landmarks.crop()).isEqualTo(new PixelRect(10, 20, 112, 112));
    }

    @Test
    void cropRegionClipsAndFloorsLikeFaceApi() {
        assertEquals(new PixelRect(0, 3, 9, 6),
                FaceLandmarkNet.cropRegion(new DetectedFace(-2.5f, 3.75f, 12f, 40f, 0.9f), 100, 10));
        assertThatThrownBy(() -> FaceLandmarkNet.cropRegion(new DetectedFace(120f, 3f, 12f, 4f, 0.9f), 100, 10))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
