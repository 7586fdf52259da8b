package io.biostream.operators.vision;

import com.fasterxml.jackson.databind.JsonNode;
import io.biostream.operators.image.RgbImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The faces of the face-api goldens' sample images: box, 68 landmarks and face-api's angles. */
record GoldenFaces(String sample, RgbImage image, List<Face> faces) {

    record Face(DetectedFace box, double[] landmarks, double yaw, double pitch, double roll) {
    }

    /** sample1..sample4; skips the calling test when the shared goldens are absent. */
    static List<GoldenFaces> all() throws IOException {
        List<GoldenFaces> samples = new ArrayList<>();
        for (int n = 1; n <= 4; n++) {
            samples.add(load("sample" + n));
        }
        return samples;
    }

    static GoldenFaces load(String sample) throws IOException {
        Path dir = Goldens.dir();
        JsonNode json = Goldens.json(dir.resolve("out").resolve(sample + ".json"));
        RgbImage image = Goldens.png(dir.resolve(json.get("image").get("png").asText()));
        List<Face> faces = new ArrayList<>();
        for (JsonNode face : json.get("faces")) {
            JsonNode box = face.get("detection").get("box");
            DetectedFace detected = new DetectedFace((float) box.get("x").asDouble(), (float) box.get("y").asDouble(),
                    (float) box.get("width").asDouble(), (float) box.get("height").asDouble(),
                    (float) face.get("detection").get("score").asDouble());
            JsonNode points = face.get("landmarks");
            double[] landmarks = new double[2 * points.size()];
            for (int i = 0; i < points.size(); i++) {
                landmarks[2 * i] = points.get(i).get(0).asDouble();
                landmarks[2 * i + 1] = points.get(i).get(1).asDouble();
            }
            JsonNode angle = face.get("angle");
            faces.add(new Face(detected, landmarks, angle.get("yaw").asDouble(), angle.get("pitch").asDouble(),
                    angle.get("roll").asDouble()));
        }
        return new GoldenFaces(sample, image, faces);
    }
}
