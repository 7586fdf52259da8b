package io.biostream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.biostream.operators.config.Settings;
import io.biostream.operators.vision.GoldenTolerances;
import io.biostream.operators.vision.Goldens;
import io.biostream.operators.vision.PeerPath;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code biostream describe}: the job's vision code on files, one JSON line per file, errors per
 * file; on face-api's path ({@link PeerPath}), whose goldens it is compared with.
 */
class DescribeCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private record Run(int status, List<String> lines, String err) {}

    private static Run describe(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        // face-api's path, not the defaults: the descriptors are compared with face-api's goldens
        int status = DescribeCommand.run(List.of(args), Settings.of(PeerPath.SETTINGS),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        return new Run(status, text.isEmpty() ? List.of() : List.of(text.split("\n")), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void cropModeGivesTheGoldenDescriptorAndBadFilesAreReportedWithoutStoppingTheRest() throws Exception {
        Path goldens = Goldens.dir();
        JsonNode crop = Goldens.json(goldens.resolve("out/direct_recognition_150.json")).get("crops").get(0);
        Path image = goldens.resolve(crop.get("file").asText());
        Path notAnImage = Files.writeString(dir.resolve("notes.txt"), "not an image");
        Path missing = dir.resolve("missing.png");

        Run run = describe("--crop", notAnImage.toString(), image.toString(), missing.toString());

        assertThat(run.status()).isEqualTo(1);
        assertThat(run.lines()).hasSize(1);
        JsonNode line = JSON.readTree(run.lines().get(0));
        assertThat(line.get("file").asText()).isEqualTo(image.toString());
        JsonNode face = line.get("faces").get(0);
        assertThat(face.get("box").get("width").asInt()).isEqualTo(150);
        assertThat(distance(face.get("descriptor"), Goldens.floats(crop.get("descriptor"))))
                .as("distance to face-api's descriptor").isLessThanOrEqualTo(GoldenTolerances.MAX_DESCRIPTOR_DISTANCE);
        assertThat(run.err()).contains(notAnImage + ": UNSUPPORTED_FORMAT").contains(missing + ": cannot read");
    }

    /** The group photos of the goldens: face-api's boxes, scores and descriptors, face by face, in its order. */
    @Test
    void groupPhotosGiveFaceApisBoxesScoresAndDescriptors() throws Exception {
        Path goldens = Goldens.dir();
        List<JsonNode> samples = new ArrayList<>();
        List<String> files = new ArrayList<>();
        for (int n = 1; n <= 4; n++) {
            JsonNode sample = Goldens.json(goldens.resolve("out/sample" + n + ".json"));
            samples.add(sample);
            files.add(goldens.resolve(sample.get("image").get("png").asText()).toString());
        }

        Run run = describe(files.toArray(String[]::new));

        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.lines()).hasSize(samples.size());
        int faces = 0;
        for (int n = 0; n < samples.size(); n++) {
            JsonNode line = JSON.readTree(run.lines().get(n));
            assertThat(line.get("file").asText()).isEqualTo(files.get(n));
            JsonNode want = samples.get(n).get("faces");
            JsonNode got = line.get("faces");
            assertThat(got.size()).as("faces in %s", files.get(n)).isEqualTo(want.size());
            for (int i = 0; i < want.size(); i++) {
                String id = "sample" + (n + 1) + " face " + i;
                JsonNode wantBox = want.get(i).get("detection").get("box");
                for (String k : List.of("x", "y", "width", "height")) {
                    assertThat(got.get(i).get("box").get(k).asDouble()).as("%s box %s", id, k)
                            .isCloseTo(wantBox.get(k).asDouble(), within(GoldenTolerances.MAX_BOX_PX));
                }
                assertThat(got.get(i).get("score").asDouble()).as("%s score", id)
                        .isCloseTo(want.get(i).get("detection").get("score").asDouble(), within(1e-4));
                assertThat(distance(got.get(i).get("descriptor"), Goldens.floats(want.get(i).get("descriptor"))))
                        .as("%s distance to face-api's descriptor", id).isLessThanOrEqualTo(GoldenTolerances.MAX_DESCRIPTOR_DISTANCE);
                faces++;
            }
        }
        assertThat(faces).as("faces face-api found in the four samples").isEqualTo(13);
    }

    private static double distance(JsonNode descriptor, float[] want) {
        assertThat(descriptor.size()).isEqualTo(want.length);
        double sum = 0;
        for (int i = 0; i < want.length; i++) {
            double d = descriptor.get(i).floatValue() - want[i];
            sum += d * d;
        }
        return Math.sqrt(sum);
    }

    @Test
    void withoutFilesPrintsUsage() {
        Run run = describe();
        assertThat(run.status()).isEqualTo(2);
        assertThat(run.err()).contains("usage: biostream describe");
    }
}
