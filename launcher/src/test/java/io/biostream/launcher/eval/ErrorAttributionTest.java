package io.biostream.launcher.eval;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which images a verification run's errors involve, at the equal-error operating point. */
class ErrorAttributionTest {

    /**
     * Two people of three images each, on a line (binary fractions: exact distances): a's at 0,
     * 0.125, 0.25 and b's at 1.0, 1.125 and one bad crop of b at 0.375, among a's. The bad crop
     * carries most errors at the equal-error threshold.
     */
    @Test
    void theErrorsAreCountedAgainstTheImagesOfEachWrongPair() {
        List<ErrorAttribution.Image> images = new ArrayList<>();
        List<float[]> descriptors = new ArrayList<>();
        add(images, descriptors, "a/1.png", "a", 0.0, "ssd");
        add(images, descriptors, "a/2.png", "a", 0.125, "ssd");
        add(images, descriptors, "a/3.png", "a", 0.25, "refine");
        add(images, descriptors, "b/1.png", "b", 1.0, "ssd");
        add(images, descriptors, "b/2.png", "b", 1.125, "ssd");
        add(images, descriptors, "b/bad.png", "b", 0.375, "fallback");
        ErrorAttribution attribution = ErrorAttribution.of(images, descriptors);

        // same pairs: 0.125, 0.25, 0.125 (a); 0.125, 0.625, 0.75 (b). Different: 0.375, 0.25, 0.125
        // (the bad crop with a's), the rest 0.75 and more. At 0.375 FRR = FAR = 2/6 = 3/9.
        assertThat(attribution.threshold()).isEqualTo(0.375);
        ErrorAttribution.Counted worst = attribution.counted().get(0);
        assertThat(worst.image().file()).isEqualTo("b/bad.png");
        assertThat(worst.falseRejects()).isEqualTo(2); // with b/1 and b/2
        assertThat(worst.falseAccepts()).isEqualTo(3); // with each of a's
        assertThat(attribution.counted()).filteredOn(c -> c.image().file().equals("b/1.png"))
                .singleElement().satisfies(c -> {
                    assertThat(c.falseRejects()).isEqualTo(1);
                    assertThat(c.falseAccepts()).isZero();
                });
        int errors = attribution.counted().stream().mapToInt(ErrorAttribution.Counted::errors).sum();
        assertThat(errors).as("each wrong pair counted against both its images").isEqualTo(2 * 5);

        JsonNode json = attribution.toJson();
        assertThat(json.get("images")).hasSize(6);
        assertThat(json.get("images").get(0).get("file").asText()).isEqualTo("b/bad.png");
        assertThat(json.get("images").get(0).get("stage").asText()).isEqualTo("fallback");
        assertThat(json.get("images").get(0).get("detection_score").isNull()).isTrue();
        assertThat(json.get("images").get(0).get("false_rejects").asInt()).isEqualTo(2);
        assertThat(json.get("threshold").asDouble()).isEqualTo(0.375);
    }

    private static void add(List<ErrorAttribution.Image> images, List<float[]> descriptors, String file, String identity,
                            double position, String stage) {
        images.add(new ErrorAttribution.Image(file, identity, stage, stage.equals("fallback") ? Double.NaN : 0.9,
                0.5, 0, 0, 0));
        descriptors.add(new float[] {(float) position, 0f});
    }
}
