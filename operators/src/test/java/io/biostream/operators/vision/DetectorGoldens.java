package io.biostream.operators.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.assertj.core.data.Percentage;

/** Reading the detector goldens (out/sampleN.json, layers/*_sampleN) and comparing with them. */
final class DetectorGoldens {
    static final int SAMPLES = 4;

    private DetectorGoldens() {
    }

    static float[] littleEndianFloats(Path file) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[bytes.remaining() / Float.BYTES];
        bytes.asFloatBuffer().get(values);
        return values;
    }

    /** The float32 dump of the named layer in a layer folder (see its index.json). */
    static float[] layer(Path dump, String name) throws IOException {
        for (JsonNode layer : Goldens.json(dump.resolve("index.json")).get("layers")) {
            if (layer.get("name").asText().equals(name)) {
                return littleEndianFloats(dump.resolve(layer.get("file").asText()));
            }
        }
        throw new IllegalArgumentException("no layer " + name + " in " + dump);
    }

    static double maxAbs(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, "number of values");
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs((double) expected[i] - actual[i]));
        }
        return worst;
    }

    /**
     * Compares every layer of a dump that {@code activations} holds: element by element where
     * face-api dumped the values, by mean and L2 norm (relative 1e-5) where it kept only the
     * statistics. Returns the number of layers compared.
     */
    static int compareLayers(Path dump, Map<String, float[]> activations, double maxAbs, double maxMeanDelta)
            throws IOException {
        int compared = 0;
        for (JsonNode layer : Goldens.json(dump.resolve("index.json")).get("layers")) {
            String name = layer.get("name").asText();
            float[] actual = activations.get(name);
            if (actual == null) {
                continue;
            }
            assertThat(actual).as(name).hasSize(layer.get("size").asInt());
            if (layer.has("file")) {
                assertThat(maxAbs(littleEndianFloats(dump.resolve(layer.get("file").asText())), actual))
                        .as("max |delta| of %s", name).isLessThanOrEqualTo(maxAbs);
            } else {
                double sum = 0;
                double squares = 0;
                for (float value : actual) {
                    sum += value;
                    squares += (double) value * value;
                }
                assertThat(sum / actual.length).as("mean of %s", name)
                        .isCloseTo(layer.get("mean").asDouble(), Offset.offset(maxMeanDelta));
                assertThat(Math.sqrt(squares)).as("L2 norm of %s", name)
                        .isCloseTo(layer.get("l2").asDouble(), Percentage.withPercentage(1e-3));
            }
            compared++;
        }
        return compared;
    }

    /** Asserts detections equal in count and order within the tolerances; keeps the worst deltas. */
    static final class DetectionDeviation {
        private final double maxBoxPx;
        private final double maxScore;
        double box;
        double score;
        int detections;

        DetectionDeviation(double maxBoxPx, double maxScore) {
            this.maxBoxPx = maxBoxPx;
            this.maxScore = maxScore;
        }

        void check(String id, JsonNode expected, List<DetectedFace> actual) {
            assertThat(actual).as("detections of %s", id).hasSize(expected.size());
            for (int i = 0; i < actual.size(); i++) {
                JsonNode box = expected.get(i).get("box");
                DetectedFace face = actual.get(i);
                double[] deltas = {
                    box.get("x").asDouble() - face.x(), box.get("y").asDouble() - face.y(),
                    box.get("width").asDouble() - face.width(), box.get("height").asDouble() - face.height()};
                for (double delta : deltas) {
                    assertThat(Math.abs(delta)).as("box delta (px) of %s face %d", id, i).isLessThanOrEqualTo(maxBoxPx);
                    this.box = Math.max(this.box, Math.abs(delta));
                }
                double scoreDelta = Math.abs(expected.get(i).get("score").asDouble() - face.score());
                assertThat(scoreDelta).as("score delta of %s face %d", id, i).isLessThanOrEqualTo(maxScore);
                score = Math.max(score, scoreDelta);
                detections++;
            }
        }
    }
}
