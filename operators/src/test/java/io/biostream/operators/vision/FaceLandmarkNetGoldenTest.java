package io.biostream.operators.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.biostream.operators.image.RgbImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The full landmark net against face-api 1.7.15's own outputs (goldens/README.md): on the fixed
 * 112 crops, layer by layer on one crop, and in the pipeline from each golden SSD detection box.
 * One net for the class, loaded by the first test that runs.
 */
class FaceLandmarkNetGoldenTest {
    /** Raw outputs; the two JavaScript backends differ by 3.6e-7 (PREPROCESSING.md section 8). */
    private static final double MAX_RAW = 1e-4;
    /** Pixels; measured 7.8e-5 px from face-api's own boxes. */
    private static final double MAX_PX = GoldenTolerances.MAX_LANDMARK_PX;
    /** Intermediate activations; the JavaScript backends differ by up to 1e-4. */
    private static final double MAX_ACTIVATION = 1e-4;

    private static FaceLandmarkNet sharedNet;

    private final Path goldens = Goldens.dir();
    private final FaceLandmarkNet net = net();

    private static synchronized FaceLandmarkNet net() {
        if (sharedNet == null) {
            sharedNet = FaceLandmarkNet.load(FaceLandmarkNet.Variant.FULL);
        }
        return sharedNet;
    }

    @AfterAll
    static void closeNet() {
        if (sharedNet != null) {
            sharedNet.close();
        }
    }

    @Test
    void fixedCropsGiveFaceApisRawOutputs() throws IOException {
        JsonNode direct = Goldens.json(goldens.resolve("out/direct_landmarks_112.json"));
        List<RgbImage> crops = new ArrayList<>();
        List<JsonNode> cases = new ArrayList<>();
        for (JsonNode crop : direct.get("crops")) {
            crops.add(Goldens.png(goldens.resolve(crop.get("file").asText())));
            cases.add(crop);
        }
        assertThat(cases).hasSize(13);
        float[][] raw = net.rawOutputs(crops);
        double worstRaw = 0;
        double worstPostProcessed = 0;
        for (int i = 0; i < cases.size(); i++) {
            String id = cases.get(i).get("id").asText();
            worstRaw = Math.max(worstRaw, maxAbs(id, Goldens.floats(cases.get(i).get("raw136")), raw[i], MAX_RAW));
            // Post-processing of the golden raw values alone must be float32-exact.
            float[] relative = FaceLandmarkNet.relativeToCrop(Goldens.floats(cases.get(i).get("raw136")),
                    FaceLandmarkNet.INPUT_SIZE, FaceLandmarkNet.INPUT_SIZE);
            worstPostProcessed = Math.max(worstPostProcessed,
                    maxAbs(id, Goldens.floats(cases.get(i).get("postProcessed136")), relative, 0));
        }
        System.out.printf("landmark68 direct 112 crops (%d): max |raw delta| %.3g, post-processing %.3g%n",
                cases.size(), worstRaw, worstPostProcessed);
    }

    @Test
    void everyLayerMatchesFaceApiOnOneCrop() throws IOException {
        Path dump = goldens.resolve("layers/landmark68_s1_f00_112");
        RgbImage crop = Goldens.png(goldens.resolve("crops/s1_f00_112.png"));
        List<String> names = new ArrayList<>();
        names.add(FaceLandmarkGraph.INPUT);
        names.addAll(FaceLandmarkGraph.layers(FaceLandmarkNet.Variant.FULL));
        Map<String, float[][]> activations = net.activations(List.of(crop), names.toArray(String[]::new));
        int compared = 0;
        StringBuilder report = new StringBuilder("landmark68 layers, max |delta|:");
        for (JsonNode layer : Goldens.json(dump.resolve("index.json")).get("layers")) {
            String name = layer.get("name").asText();
            float[][] actual = activations.get(name);
            if (actual == null) {
                continue; // the raw 0..255 input, checked through "normalized"
            }
            float[] expected = littleEndianFloats(dump.resolve(layer.get("file").asText()));
            report.append(String.format(" %s %.2g", name, maxAbs(name, expected, actual[0], MAX_ACTIVATION)));
            compared++;
        }
        assertEquals(names.size(), compared, "layers compared");
        System.out.println(report);
    }

    @Test
    void pipelineFromEachGoldenDetectionMatchesFaceApi() throws IOException {
        double worstRaw = 0;
        double worstPx = 0;
        int faces = 0;
        for (int sample = 1; sample <= 4; sample++) {
            JsonNode result = Goldens.json(goldens.resolve("out/sample" + sample + ".json"));
            RgbImage image = Goldens.png(goldens.resolve(result.get("image").get("png").asText()));
            List<DetectedFace> boxes = new ArrayList<>();
            for (JsonNode face : result.get("faces")) {
                boxes.add(detectedFace(face.get("detection")));
            }
            List<FaceLandmarks> landmarks = net.detect(image, boxes);
            assertEquals(boxes.size(), landmarks.size());
            for (int i = 0; i < boxes.size(); i++) {
                JsonNode face = result.get("faces").get(i);
                String id = "sample" + sample + " face " + i;
                FaceLandmarks actual = landmarks.get(i);
                assertEquals(rect(face.get("landmarkCrop")), actual.crop(), id + " landmark crop");
                worstRaw = Math.max(worstRaw,
                        maxAbs(id, Goldens.floats(face.get("landmarkNetRaw")), actual.raw(), MAX_RAW));
                worstPx = Math.max(worstPx, maxAbs(id, points(face.get("landmarks")), actual.points(), MAX_PX));
            }
            faces += boxes.size();
        }
        assertEquals(13, faces);
        System.out.printf("landmark68 pipeline (%d faces): max |raw delta| %.3g, max |point delta| %.3g px%n",
                faces, worstRaw, worstPx);
    }

    /** From face-api's own raw outputs, crop and box, the mapping to the image is exact. */
    @Test
    void postProcessingOfGoldenRawOutputsIsExact() throws IOException {
        double worstRelative = 0;
        double worstPoint = 0;
        double worstAligned = 0;
        for (int sample = 1; sample <= 4; sample++) {
            for (JsonNode face : Goldens.json(goldens.resolve("out/sample" + sample + ".json")).get("faces")) {
                PixelRect crop = rect(face.get("landmarkCrop"));
                float[] raw = Goldens.floats(face.get("landmarkNetRaw"));
                worstRelative = Math.max(worstRelative, maxAbs("relative",
                        Goldens.floats(face.get("landmarkNetPostProcessed")),
                        FaceLandmarkNet.relativeToCrop(raw, crop.width(), crop.height()), 0));
                JsonNode box = face.get("detection").get("box");
                FaceLandmarks landmarks = FaceLandmarkNet.toImage(raw, crop, box.get("x").asDouble(),
                        box.get("y").asDouble());
                worstPoint = Math.max(worstPoint, maxAbs("points", points(face.get("landmarks")),
                        landmarks.points(), 1e-9));
                JsonNode aligned = face.get("alignedRectMinBbox");
                FaceLandmarks.Box box2 = landmarks.alignedRect();
                worstAligned = Math.max(worstAligned, maxAbs("alignedRect",
                        new double[] {aligned.get("x").asDouble(), aligned.get("y").asDouble(),
                            aligned.get("width").asDouble(), aligned.get("height").asDouble()},
                        new double[] {box2.x(), box2.y(), box2.width(), box2.height()}, 1e-9));
            }
        }
        System.out.printf("landmark post-processing from golden raw: relative %.3g, points %.3g px,"
                + " alignedRect %.3g px%n", worstRelative, worstPoint, worstAligned);
    }

    @Test
    void singleCallsGiveWhatOneBatchGives() throws IOException {
        JsonNode result = Goldens.json(goldens.resolve("out/sample4.json"));
        RgbImage image = Goldens.png(goldens.resolve(result.get("image").get("png").asText()));
        List<DetectedFace> boxes = new ArrayList<>();
        for (JsonNode face : result.get("faces")) {
            boxes.add(detectedFace(face.get("detection")));
        }
        List<FaceLandmarks> batch = net.detect(image, boxes);
        double worst = 0;
        for (int i = 0; i < boxes.size(); i++) {
            FaceLandmarks single = net.detect(image, boxes.get(i));
            assertEquals(batch.get(i).crop(), single.crop());
            worst = Math.max(worst, maxAbs("face " + i, batch.get(i).raw(), single.raw(), 1e-5));
        }
        System.out.printf("landmark68 batch of %d vs single calls: max |raw delta| %.3g%n", boxes.size(), worst);
    }

    static DetectedFace detectedFace(JsonNode detection) {
        JsonNode box = detection.get("box");
        return new DetectedFace((float) box.get("x").asDouble(), (float) box.get("y").asDouble(),
                (float) box.get("width").asDouble(), (float) box.get("height").asDouble(),
                (float) detection.get("score").asDouble());
    }

    static PixelRect rect(JsonNode rect) {
        return new PixelRect(rect.get("x").asInt(), rect.get("y").asInt(), rect.get("width").asInt(),
                rect.get("height").asInt());
    }

    /** {@code [[x0,y0],[x1,y1],...]} to interleaved x,y. */
    static double[] points(JsonNode pairs) {
        double[] points = new double[2 * pairs.size()];
        for (int i = 0; i < pairs.size(); i++) {
            points[2 * i] = pairs.get(i).get(0).asDouble();
            points[2 * i + 1] = pairs.get(i).get(1).asDouble();
        }
        return points;
    }

    private static double maxAbs(String id, float[] expected, float[] actual, double tolerance) {
        double[] e = new double[expected.length];
        double[] a = new double[actual.length];
        for (int i = 0; i < e.length; i++) {
            e[i] = expected[i];
        }
        for (int i = 0; i < a.length; i++) {
            a[i] = actual[i];
        }
        return maxAbs(id, e, a, tolerance);
    }

    /** Asserts every element within {@code tolerance} and returns the largest difference. */
    static double maxAbs(String id, double[] expected, double[] actual, double tolerance) {
        assertEquals(expected.length, actual.length, id + " length");
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        assertThat(worst).as("max |delta| for %s", id).isLessThanOrEqualTo(tolerance);
        return worst;
    }

    private static float[] littleEndianFloats(Path file) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[bytes.remaining() / Float.BYTES];
        bytes.asFloatBuffer().get(values);
        return values;
    }
}
