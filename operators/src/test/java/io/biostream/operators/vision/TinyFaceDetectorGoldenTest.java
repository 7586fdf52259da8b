package io.biostream.operators.vision;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.biostream.operators.image.RgbImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The tiny face detector port against face-api 1.7.15's own outputs (goldens/README.md):
 * detections of the four sample images (inputSize 416, score 0.5), the raw 13x13x25 outputs and
 * the layer dumps of sample1. One detector for the whole class; each test first checks the
 * goldens are there, so a missing shared folder shows as skipped tests with the reason.
 */
class TinyFaceDetectorGoldenTest {
    /** Pixels; measured 6.9e-5 px; the two JavaScript backends differ by 6.5e-4 px (PREPROCESSING.md section 8). */
    private static final double MAX_BOX_PX = GoldenTolerances.MAX_BOX_PX;
    private static final double MAX_SCORE = 1e-4;
    /** Raw outputs and activations; the JavaScript backends differ by up to 3.5e-4. */
    private static final double MAX_ACTIVATION = 5e-4;

    private static TinyFaceDetector sharedDetector;

    private final Path goldens = Goldens.dir();
    private final TinyFaceDetector detector = detector();

    private static synchronized TinyFaceDetector detector() {
        if (sharedDetector == null) {
            sharedDetector = TinyFaceDetector.load();
        }
        return sharedDetector;
    }

    @AfterAll
    static void closeDetector() {
        if (sharedDetector != null) {
            sharedDetector.close();
        }
    }

    private JsonNode sample(int n) throws IOException {
        return Goldens.json(goldens.resolve("out/sample" + n + ".json"));
    }

    private RgbImage image(JsonNode sample) throws IOException {
        return Goldens.png(goldens.resolve(sample.get("image").get("png").asText()));
    }

    @Test
    void detectionsMatchFaceApiOnEverySample() throws IOException {
        DetectorGoldens.DetectionDeviation worst = new DetectorGoldens.DetectionDeviation(MAX_BOX_PX, MAX_SCORE);
        for (int n = 1; n <= DetectorGoldens.SAMPLES; n++) {
            JsonNode sample = sample(n);
            JsonNode section = sample.get("tinyFaceDetector");
            assertThat(section.get("options").get("inputSize").asInt()).isEqualTo(TinyFaceDetector.DEFAULT_INPUT_SIZE);
            assertThat(section.get("options").get("scoreThreshold").asDouble())
                    .isEqualTo(TinyFaceDetector.DEFAULT_SCORE_THRESHOLD);
            assertThat(section.get("iouThreshold").asDouble()).isEqualTo(TinyFaceDetector.IOU_THRESHOLD);
            worst.check("sample" + n, section.get("detections"), detector.detect(image(sample)));
        }
        assertThat(worst.detections).as("face-api's tiny detections in the four samples").isEqualTo(10);
        System.out.printf("tiny detections (%d): max box delta %.3g px, max score delta %.3g%n",
                worst.detections, worst.box, worst.score);
    }

    @Test
    void rawOutputsMatchFaceApiOnEverySample() throws IOException {
        double worst = 0;
        for (int n = 1; n <= DetectorGoldens.SAMPLES; n++) {
            float[] expected = DetectorGoldens.layer(goldens.resolve("layers/tiny_sample" + n), TinyFaceDetectorGraph.OUTPUT);
            worst = Math.max(worst, DetectorGoldens.maxAbs(expected, detector.rawOutput(image(sample(n)))));
        }
        assertThat(worst).as("max |delta| of the raw 13x13x25 outputs").isLessThanOrEqualTo(MAX_ACTIVATION);
        System.out.printf("tiny raw outputs: max |delta| %.3g%n", worst);
    }

    /**
     * Sample1's input and every activation: element by element where face-api dumped the values,
     * by mean and L2 norm where it kept only the statistics.
     */
    @Test
    void everyLayerOfSample1MatchesFaceApi() throws IOException {
        Path dump = goldens.resolve("layers/tiny_sample1");
        RgbImage image = image(sample(1));
        assertThat(DetectorGoldens.maxAbs(DetectorGoldens.layer(dump, "input_batch_0_255"),
                DetectorInput.squareResized(image, TinyFaceDetector.DEFAULT_INPUT_SIZE)))
                .as("max |delta| of the 416x416 input (levels)").isLessThanOrEqualTo(1e-4);
        List<String> names = new ArrayList<>(TinyFaceDetectorGraph.LAYERS);
        names.add(TinyFaceDetectorGraph.INPUT);
        Map<String, float[]> activations = detector.activations(image, names.toArray(String[]::new));
        // The raw 0..255 input is checked above; anchors and post-processing by other tests.
        int compared = DetectorGoldens.compareLayers(dump, activations, MAX_ACTIVATION, 1e-6);
        assertThat(compared).isEqualTo(names.size());
    }
}
