package io.biostream.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.biostream.operators.config.Settings;
import io.biostream.operators.vision.Goldens;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code biostream describe}: the job's vision code on files, one JSON line per file, errors per file. */
class DescribeCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private record Run(int status, List<String> lines, String err) {}

    private static Run describe(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = DescribeCommand.run(List.of(args), Settings.of(Map.of()),
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
        float[] want = Goldens.floats(crop.get("descriptor"));
        double sum = 0;
        for (int i = 0; i < want.length; i++) {
            double d = face.get("descriptor").get(i).floatValue() - want[i];
            sum += d * d;
        }
        assertThat(Math.sqrt(sum)).as("distance to face-api's descriptor").isLessThan(1e-3);
        assertThat(run.err()).contains(notAnImage + ": UNSUPPORTED_FORMAT").contains(missing + ": cannot read");
    }

    @Test
    void findsFacesInAGroupPhoto() throws Exception {
        Path sample = Goldens.dir().resolve("images/sample1.png");
        Run run = describe(sample.toString());
        assertThat(run.status()).isZero();
        JsonNode faces = JSON.readTree(run.lines().get(0)).get("faces");
        assertThat(faces.size()).isPositive();
        for (JsonNode face : faces) {
            assertThat(face.get("score").floatValue()).isPositive();
            assertThat(face.get("descriptor").size()).isEqualTo(128);
        }
    }

    @Test
    void withoutFilesPrintsUsage() {
        Run run = describe();
        assertThat(run.status()).isEqualTo(2);
        assertThat(run.err()).contains("usage: biostream describe");
    }
}
