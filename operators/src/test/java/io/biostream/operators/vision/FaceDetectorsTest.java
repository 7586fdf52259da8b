package io.biostream.operators.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biostream.operators.image.RgbImage;
import org.junit.jupiter.api.Test;

/** The face-api detectors' options and edge cases (weights from the classpath, no goldens needed). */
class FaceDetectorsTest {

    private static RgbImage gray(int width, int height) {
        float[] data = new float[width * height * 3];
        java.util.Arrays.fill(data, 128f);
        return new RgbImage(width, height, data);
    }

    @Test
    void tinyDetectorValidatesItsOptions() {
        FaceApiWeights weights = FaceApiWeights.fromClasspath(TinyFaceDetector.WEIGHTS);
        assertThatThrownBy(() -> new TinyFaceDetector(weights, 400, 0.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TinyFaceDetector(weights, 0, 0.5)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TinyFaceDetector(weights, 416, 1.0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void tinyDetectorRunsAtOtherInputSizesAndFindsNoFaceInAPlainImage() {
        try (TinyFaceDetector detector = TinyFaceDetector.load(320, 0.5)) {
            assertThat(detector.name()).isEqualTo("tiny");
            assertThat(detector.inputSize()).isEqualTo(320);
            assertThat(detector.cells()).isEqualTo(10);
            assertThat(detector.rawOutput(gray(64, 48))).hasSize(10 * 10 * 25);
            assertThat(detector.detect(gray(64, 48))).isEmpty();
            assertThat(detector.detect(new RgbImage(0, 0, new float[0]))).isEmpty();
            detector.close();
            assertThatThrownBy(() -> detector.detect(gray(8, 8))).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void ssdDetectorValidatesItsOptionsAndHandlesPlainAndEmptyImages() {
        FaceApiWeights weights = FaceApiWeights.fromClasspath(SsdMobilenetV1Detector.WEIGHTS);
        assertThatThrownBy(() -> new SsdMobilenetV1Detector(weights, 0.5, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SsdMobilenetV1Detector(weights, 1.5, 100)).isInstanceOf(IllegalArgumentException.class);
        try (SsdMobilenetV1Detector detector = new SsdMobilenetV1Detector(weights, 0.5, 100)) {
            assertThat(detector.name()).isEqualTo("ssd");
            assertThat(detector.predict(gray(64, 48)).scores()).hasSize(5118);
            assertThat(detector.detect(gray(64, 48))).isEmpty();
            assertThat(detector.detect(new RgbImage(0, 0, new float[0]))).isEmpty();
            detector.close();
            assertThatThrownBy(() -> detector.detect(gray(8, 8))).isInstanceOf(IllegalStateException.class);
        }
    }
}
