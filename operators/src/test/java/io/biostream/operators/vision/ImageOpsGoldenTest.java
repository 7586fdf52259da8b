package io.biostream.operators.vision;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.biostream.operators.image.RgbImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * face-api's own net inputs: the golden crops are its padded and resized float tensors rounded
 * half up to 0..255. They were computed by the tfjs wasm backend, which rounds every step of the
 * interpolation to float32 and so differs from the double-precision cpu backend (which
 * ImageOps follows) by up to 0.0053 levels (PREPROCESSING.md section 2): a value exactly at .5
 * here may have rounded either way there.
 */
class ImageOpsGoldenTest {
    private static final double MAX_LEVELS = 0.5 + 0.0053;

    @Test
    void landmarkAndDescriptorCropsMatchFaceApi() throws IOException {
        Path goldens = Goldens.dir();
        Map<String, RgbImage> images = new HashMap<>();
        int crops = 0;
        int oddPadding = 0;
        for (JsonNode crop : Goldens.json(goldens.resolve("crops/crops.json"))) {
            String png = "images/" + crop.get("image").asText().replace(".jpg", ".png");
            RgbImage image = images.computeIfAbsent(png, name -> read(goldens.resolve(name)));
            for (int size : new int[] {150, 112}) {
                JsonNode source = crop.get("crop" + size + "Source");
                RgbImage region = ImageOps.crop(image, source.get("x").asInt(), source.get("y").asInt(),
                        source.get("width").asInt(), source.get("height").asInt());
                RgbImage input = ImageOps.toSquareInput(region, size, true);
                RgbImage expected = read(goldens.resolve(crop.get("crop" + size).asText()));
                assertThat(input.data().length).isEqualTo(expected.data().length);
                double worst = 0;
                for (int i = 0; i < expected.data().length; i++) {
                    worst = Math.max(worst, Math.abs(input.data()[i] - expected.data()[i]));
                }
                assertThat(worst).as("max |float - golden level| of %s", crop.get("crop" + size).asText())
                        .isLessThanOrEqualTo(MAX_LEVELS);
                crops++;
                if (Math.abs(region.width() - region.height()) % 2 == 1) {
                    oddPadding++;
                }
            }
        }
        assertThat(crops).isEqualTo(26);
        assertThat(oddPadding).as("crops whose centered padding splits an odd difference").isPositive();
    }

    private static RgbImage read(Path png) {
        try {
            return Goldens.png(png);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
