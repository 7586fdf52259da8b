package io.biostream.operators.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.biostream.operators.image.RgbImage;
import io.biostream.operators.vision.FaceLandmarks.Region;
import org.junit.jupiter.api.Test;

/** face-api's dlib-style descriptor crop on hand-made landmarks, values worked out by hand. */
class FaceApiDescriptorCropTest {

    /**
     * Eyes at (100,100) and (140,100), mouth at (120,140), shifted by {@code dx}: eye-to-mouth
     * distance sqrt(20^2 + 40^2) = 44.72, size floor(44.72 / 0.45) = 99, ref point
     * (120 + dx, 113.33), so the rect's corner is (floor(70.5 + dx), floor(70.77)).
     */
    static FaceLandmarks face(double dx, PixelRect landmarkCrop) {
        double[] points = new double[2 * FaceLandmarks.COUNT];
        for (int i = 0; i < FaceLandmarks.COUNT; i++) {
            double x = 120;
            double y = 120;
            if (i >= Region.LEFT_EYE.first() && i < Region.LEFT_EYE.end()) {
                x = 100 + (i % 2 == 0 ? -3 : 3); // pairs average to the centre
                y = 100;
            } else if (i >= Region.RIGHT_EYE.first() && i < Region.RIGHT_EYE.end()) {
                x = 140;
                y = 100 + (i % 2 == 0 ? -2 : 2);
            } else if (i >= Region.MOUTH.first() && i < Region.MOUTH.end()) {
                x = 120;
                y = 140;
            }
            points[2 * i] = x + dx;
            points[2 * i + 1] = y;
        }
        return new FaceLandmarks(points, new float[2 * FaceLandmarks.COUNT], landmarkCrop);
    }

    private static final PixelRect LARGE_CROP = new PixelRect(60, 60, 200, 200);

    @Test
    void squareAroundEyesAndMouth() {
        FaceApiDescriptorCrop.Alignment alignment = FaceApiDescriptorCrop.align(face(0, LARGE_CROP));
        assertThat(alignment.leftEyeCentre()).containsExactly(100, 100);
        assertThat(alignment.rightEyeCentre()).containsExactly(140, 100);
        assertThat(alignment.mouthCentre()).containsExactly(120, 140);
        assertThat(alignment.eyeToMouthDistance()).isEqualTo(Math.sqrt(2000));
        assertEquals(99, alignment.size());
        assertEquals(new PixelRect(70, 70, 99, 99), alignment.rect());
        assertEquals(new PixelRect(70, 70, 99, 99), FaceApiDescriptorCrop.region(face(0, LARGE_CROP), 400, 300));
    }

    /** face-api caps the side at landmark-crop width + x: a quirk, kept. */
    @Test
    void sideIsCappedByTheLandmarkCropSize() {
        PixelRect smallCrop = new PixelRect(60, 60, 20, 10);
        assertEquals(new PixelRect(70, 70, 90, 80), FaceApiDescriptorCrop.align(face(0, smallCrop)).rect());
    }

    /** The corner is clamped at 0 without moving the far edge back: the square shrinks, off-centre. */
    @Test
    void cornerIsClampedAtTheTopLeftBorder() {
        assertEquals(new PixelRect(10, 70, 99, 99), FaceApiDescriptorCrop.align(face(-60, LARGE_CROP)).rect());
        assertEquals(new PixelRect(0, 70, 99, 99), FaceApiDescriptorCrop.align(face(-100, LARGE_CROP)).rect());
    }

    @Test
    void cropIsClippedAtTheImageBorderAndKeepsThePixels() {
        float[] data = new float[150 * 120 * 3];
        for (int i = 0; i < data.length; i++) {
            data[i] = i % 251;
        }
        RgbImage image = new RgbImage(150, 120, data);
        RgbImage crop = FaceApiDescriptorCrop.crop(image, face(0, LARGE_CROP));
        assertEquals(80, crop.width());
        assertEquals(50, crop.height());
        assertEquals(image.get(70, 70, 0), crop.get(0, 0, 0));
        assertEquals(image.get(149, 119, 2), crop.get(79, 49, 2));
    }

    @Test
    void regionOutsideTheImageGivesAnEmptyCrop() {
        RgbImage image = new RgbImage(50, 50, new float[50 * 50 * 3]);
        assertThat(FaceApiDescriptorCrop.region(face(0, LARGE_CROP), 50, 50).isEmpty()).isTrue();
        RgbImage crop = FaceApiDescriptorCrop.crop(image, face(0, LARGE_CROP));
        assertEquals(0, crop.width());
        assertEquals(0, crop.height());
    }
}
