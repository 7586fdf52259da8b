package io.biostream.operators.vision;

import static io.biostream.operators.vision.FaceLandmarkNetGoldenTest.detectedFace;
import static io.biostream.operators.vision.FaceLandmarkNetGoldenTest.maxAbs;
import static io.biostream.operators.vision.FaceLandmarkNetGoldenTest.points;
import static io.biostream.operators.vision.FaceLandmarkNetGoldenTest.rect;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.biostream.operators.image.RgbImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * face-api's descriptor crop against the goldens: the alignment values from face-api's own
 * landmarks, and the whole chain golden detection box, landmark net, crop, descriptor net.
 */
class FaceApiDescriptorCropGoldenTest {
    private static final double MAX_DISTANCE = GoldenTolerances.MAX_DESCRIPTOR_DISTANCE;

    private static FaceLandmarkNet sharedLandmarks;
    private static FaceDescriptorNet sharedDescriptors;

    private final Path goldens = Goldens.dir();

    private static synchronized FaceLandmarkNet landmarkNet() {
        if (sharedLandmarks == null) {
            sharedLandmarks = FaceLandmarkNet.load(FaceLandmarkNet.Variant.FULL);
        }
        return sharedLandmarks;
    }

    private static synchronized FaceDescriptorNet descriptorNet() {
        if (sharedDescriptors == null) {
            sharedDescriptors = FaceDescriptorNet.load();
        }
        return sharedDescriptors;
    }

    @AfterAll
    static void closeNets() {
        if (sharedLandmarks != null) {
            sharedLandmarks.close();
        }
        if (sharedDescriptors != null) {
            sharedDescriptors.close();
        }
    }

    @Test
    void alignmentFromGoldenLandmarksIsFaceApis() throws IOException {
        double worst = 0;
        int faces = 0;
        for (int sample = 1; sample <= 4; sample++) {
            JsonNode result = Goldens.json(goldens.resolve("out/sample" + sample + ".json"));
            JsonNode dims = result.get("image");
            for (JsonNode face : result.get("faces")) {
                String id = "sample" + sample + " face " + face.get("index").asInt();
                FaceLandmarks landmarks = new FaceLandmarks(points(face.get("landmarks")),
                        Goldens.floats(face.get("landmarkNetRaw")), rect(face.get("landmarkCrop")));
                JsonNode expected = face.get("descriptorAlignment");
                FaceApiDescriptorCrop.Alignment alignment = FaceApiDescriptorCrop.align(landmarks);
                worst = Math.max(worst, maxAbs(id + " left eye", pair(expected.get("leftEyeCenter")),
                        alignment.leftEyeCentre(), 0));
                worst = Math.max(worst, maxAbs(id + " right eye", pair(expected.get("rightEyeCenter")),
                        alignment.rightEyeCentre(), 0));
                worst = Math.max(worst, maxAbs(id + " mouth", pair(expected.get("mouthCenter")),
                        alignment.mouthCentre(), 0));
                worst = Math.max(worst, maxAbs(id + " ref point", pair(expected.get("refPoint")),
                        alignment.refPoint(), 0));
                worst = Math.max(worst, maxAbs(id + " distance",
                        new double[] {expected.get("eyeToMouthDist").asDouble()},
                        new double[] {alignment.eyeToMouthDistance()}, 0));
                assertEquals(expected.get("size").asInt(), alignment.size(), id + " size");
                assertEquals(rect(expected.get("rect")), alignment.rect(), id + " rect");
                assertEquals(rect(expected.get("cropRegion")),
                        FaceApiDescriptorCrop.region(landmarks, dims.get("width").asInt(), dims.get("height").asInt()),
                        id + " crop region");
                faces++;
            }
        }
        assertEquals(13, faces);
        System.out.printf("descriptor alignment from golden landmarks (%d faces): max |delta| %.3g%n", faces, worst);
    }

    @Test
    void detectionBoxToDescriptorMatchesFaceApi() throws IOException {
        double worstDistance = 0;
        double worstAbs = 0;
        int faces = 0;
        for (int sample = 1; sample <= 4; sample++) {
            JsonNode result = Goldens.json(goldens.resolve("out/sample" + sample + ".json"));
            RgbImage image = Goldens.png(goldens.resolve(result.get("image").get("png").asText()));
            List<DetectedFace> boxes = new ArrayList<>();
            for (JsonNode face : result.get("faces")) {
                boxes.add(detectedFace(face.get("detection")));
            }
            List<FaceLandmarks> landmarks = landmarkNet().detect(image, boxes);
            List<RgbImage> crops = new ArrayList<>();
            for (int i = 0; i < boxes.size(); i++) {
                JsonNode face = result.get("faces").get(i);
                assertEquals(rect(face.get("descriptorAlignment").get("cropRegion")),
                        FaceApiDescriptorCrop.region(landmarks.get(i), image.width(), image.height()),
                        "sample" + sample + " face " + i + " crop region");
                crops.add(FaceApiDescriptorCrop.crop(image, landmarks.get(i)));
            }
            float[][] descriptors = descriptorNet().describe(crops);
            for (int i = 0; i < boxes.size(); i++) {
                float[] expected = Goldens.floats(result.get("faces").get(i).get("descriptor"));
                double squares = 0;
                for (int k = 0; k < expected.length; k++) {
                    double d = (double) expected[k] - descriptors[i][k];
                    squares += d * d;
                    worstAbs = Math.max(worstAbs, Math.abs(d));
                }
                double distance = Math.sqrt(squares);
                assertThat(distance).as("descriptor distance, sample%d face %d", sample, i)
                        .isLessThanOrEqualTo(MAX_DISTANCE);
                worstDistance = Math.max(worstDistance, distance);
            }
            faces += boxes.size();
        }
        assertEquals(13, faces);
        System.out.printf("box -> landmarks -> crop -> descriptor (%d faces): max distance %.3g, max |delta| %.3g%n",
                faces, worstDistance, worstAbs);
    }

    private static double[] pair(JsonNode xy) {
        return new double[] {xy.get(0).asDouble(), xy.get(1).asDouble()};
    }
}
