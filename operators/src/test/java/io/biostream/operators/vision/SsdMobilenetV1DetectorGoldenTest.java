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
 * The SSD port against face-api 1.7.15's own outputs (goldens/README.md): detections of the four
 * sample images, every anchor's decoded box and score, and the layer dumps of sample1. One
 * detector for the whole class (loading takes seconds); each test first checks the goldens are
 * there, so a missing shared folder shows as skipped tests with the reason.
 */
class SsdMobilenetV1DetectorGoldenTest {
    /** Pixels; measured 2.3e-4 px, as far as the two JavaScript backends are apart (PREPROCESSING.md section 8). */
    private static final double MAX_BOX_PX = GoldenTolerances.MAX_BOX_PX;
    private static final double MAX_SCORE = 1e-4;
    /** Activations 0..6; the JavaScript backends differ by up to 1e-4. */
    private static final double MAX_ACTIVATION = 5e-4;
    /** Decoded boxes are relative to the 512 square: 1e-5 is 0.02 px at 1920. */
    private static final double MAX_RELATIVE_BOX = 1e-5;

    private static SsdMobilenetV1Detector sharedDetector;

    private final Path goldens = Goldens.dir();
    private final SsdMobilenetV1Detector detector = detector();

    private static synchronized SsdMobilenetV1Detector detector() {
        if (sharedDetector == null) {
            sharedDetector = SsdMobilenetV1Detector.load();
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
            JsonNode section = sample.get("ssdMobilenetv1");
            assertThat(section.get("options").get("minConfidence").asDouble())
                    .isEqualTo(SsdMobilenetV1Detector.DEFAULT_MIN_CONFIDENCE);
            assertThat(section.get("options").get("maxResults").asInt()).isEqualTo(SsdMobilenetV1Detector.DEFAULT_MAX_RESULTS);
            assertThat(section.get("iouThreshold").asDouble()).isEqualTo(SsdMobilenetV1Detector.IOU_THRESHOLD);
            worst.check("sample" + n, section.get("detections"), detector.detect(image(sample)));
        }
        assertThat(worst.detections).as("face-api's SSD detections in the four samples").isEqualTo(13);
        System.out.printf("ssd detections (%d): max box delta %.3g px, max score delta %.3g%n",
                worst.detections, worst.box, worst.score);
    }

    @Test
    void everyAnchorsDecodedBoxAndScoreMatchFaceApi() throws IOException {
        double boxes = 0;
        double scores = 0;
        for (int n = 1; n <= DetectorGoldens.SAMPLES; n++) {
            Path dump = goldens.resolve("layers/ssd_sample" + n);
            SsdMobilenetV1Detector.Prediction prediction = detector.predict(image(sample(n)));
            boxes = Math.max(boxes, DetectorGoldens.maxAbs(
                    DetectorGoldens.layer(dump, "decoded_boxes_ymin_xmin_ymax_xmax"), prediction.boxes()));
            scores = Math.max(scores, DetectorGoldens.maxAbs(
                    DetectorGoldens.layer(dump, "scores_sigmoid_class1"), prediction.scores()));
        }
        assertThat(boxes).as("max |delta| of decoded boxes").isLessThanOrEqualTo(MAX_RELATIVE_BOX);
        assertThat(scores).as("max |delta| of scores").isLessThanOrEqualTo(MAX_SCORE);
        System.out.printf("ssd all 5118 anchors x %d samples: decoded boxes max |delta| %.3g, scores %.3g%n",
                DetectorGoldens.SAMPLES, boxes, scores);
    }

    @Test
    void rawPredictorOutputsMatchFaceApiOnEverySample() throws IOException {
        double worst = 0;
        for (int n = 1; n <= DetectorGoldens.SAMPLES; n++) {
            Path dump = goldens.resolve("layers/ssd_sample" + n);
            Map<String, float[]> outputs = detector.activations(image(sample(n)),
                    SsdMobilenetV1Graph.BOX_ENCODINGS, SsdMobilenetV1Graph.CLASS_LOGITS);
            for (String name : outputs.keySet()) {
                worst = Math.max(worst, DetectorGoldens.maxAbs(DetectorGoldens.layer(dump, name), outputs.get(name)));
            }
        }
        assertThat(worst).as("max |delta| of raw box encodings and class logits").isLessThanOrEqualTo(MAX_ACTIVATION);
        System.out.printf("ssd raw outputs: max |delta| %.3g%n", worst);
    }

    /**
     * Sample1's input and every activation: element by element where face-api dumped the values,
     * by mean and L2 norm where it kept only the statistics.
     */
    @Test
    void everyLayerOfSample1MatchesFaceApi() throws IOException {
        Path dump = goldens.resolve("layers/ssd_sample1");
        RgbImage image = image(sample(1));
        assertThat(DetectorGoldens.maxAbs(DetectorGoldens.layer(dump, "input_batch_0_255"),
                DetectorInput.squareResized(image, SsdMobilenetV1Detector.INPUT_SIZE)))
                .as("max |delta| of the 512x512 input (levels)").isLessThanOrEqualTo(1e-4);
        List<String> names = new ArrayList<>(SsdMobilenetV1Graph.LAYERS);
        names.add(SsdMobilenetV1Graph.INPUT);
        Map<String, float[]> activations = detector.activations(image, names.toArray(String[]::new));
        // The raw 0..255 input is checked above; anchors and post-processing by other tests.
        int compared = DetectorGoldens.compareLayers(dump, activations, MAX_ACTIVATION, 1e-5);
        assertThat(compared).isEqualTo(names.size());
    }
}
