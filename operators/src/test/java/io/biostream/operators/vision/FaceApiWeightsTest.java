package io.biostream.operators.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FaceApiWeightsTest {

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = FaceApiWeightsTest.class.getClassLoader()
                .getResourceAsStream(FaceApiWeights.CLASSPATH_DIR + name)) {
            assertThat(in).as("classpath resource %s (mvn generate-resources fetches it)", name).isNotNull();
            return in.readAllBytes();
        }
    }

    @Test
    void recognitionModelHasEveryManifestTensor() {
        FaceApiWeights weights = FaceApiWeights.fromClasspath("face_recognition_model");
        assertEquals(117, weights.size());
        assertEquals(6_444_032L, weights.byteSize());
        long offset = 0;
        for (String name : weights.names()) {
            FaceApiWeights.Tensor tensor = weights.get(name);
            assertEquals(offset, tensor.byteOffset(), name);
            assertEquals(Arrays.stream(tensor.shape()).reduce(1, (a, b) -> a * b), tensor.size(), name);
            assertEquals(tensor.size() * (tensor.quantization() == null ? 4 : 1), tensor.byteLength(), name);
            offset += tensor.byteLength();
        }
        assertEquals(weights.byteSize(), offset);
        // Offsets and storage listed in goldens/WEIGHTS.md.
        assertEquals(60_672L, weights.get("conv64_down/conv1/conv/filters").byteOffset());
        assertThat(weights.get("conv64_down/conv1/conv/filters").quantization()).isNull();
        assertEquals(6_411_264L, weights.get("fc", 256, 128).byteOffset());
    }

    @Test
    void quantisedValuesFollowTheTfjsFormula() throws IOException {
        FaceApiWeights weights = FaceApiWeights.fromClasspath("face_recognition_model");
        byte[] bin = resource("face_recognition_model.bin");
        // conv32_down/scale/weights: uint8, scale 0.06814416062598135, min 5.788674831390381 (WEIGHTS.md).
        FaceApiWeights.Tensor scale = weights.get("conv32_down/scale/weights", 32);
        for (int i = 0; i < scale.size(); i++) {
            int q = bin[(int) scale.byteOffset() + i] & 0xff;
            assertEquals((float) (q * 0.06814416062598135 + 5.788674831390381), scale.values()[i], 0f);
        }
        // Raw float32 filters are read little-endian as they are.
        FaceApiWeights.Tensor raw = weights.get("conv64_down/conv2/conv/filters", 3, 3, 64, 64);
        ByteBuffer le = ByteBuffer.wrap(bin).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(le.getFloat((int) raw.byteOffset() + 4 * 1000), raw.values()[1000], 0f);
    }

    @Test
    void everyFaceApiModelLoads() {
        String[] models = {"ssd_mobilenetv1_model", "face_landmark_68_model", "face_landmark_68_tiny_model",
            "tiny_face_detector_model"};
        int[] counts = {151, 49, 28, 19};
        long[] sizes = {5_616_957L, 356_840L, 77_224L, 193_321L};
        for (int i = 0; i < models.length; i++) {
            FaceApiWeights weights = FaceApiWeights.fromClasspath(models[i]);
            assertEquals(counts[i], weights.size(), models[i]);
            assertEquals(sizes[i], weights.byteSize(), models[i]);
        }
        FaceApiWeights ssd = FaceApiWeights.fromClasspath("ssd_mobilenetv1_model");
        // int32 entries: Math.round(q*scale+min), here scale 1 and min 5118.
        assertThat(ssd.get("Postprocessor/stack/1").values()).containsExactly(5118f);
        assertThat(ssd.get("Output/extra_dim", 1, 5118, 4).quantization()).isNull();
    }

    @Test
    void readsAFolderAndRoundsInt32HalfUp(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("toy-weights_manifest.json"), """
                [{"paths": ["toy.bin"], "weights": [
                  {"name": "a", "shape": [2], "dtype": "float32",
                   "quantization": {"dtype": "uint8", "scale": 0.1, "min": -1}},
                  {"name": "b", "shape": [1, 1], "dtype": "float32"},
                  {"name": "c", "shape": [], "dtype": "int32",
                   "quantization": {"dtype": "uint8", "scale": 1.5, "min": 0}}]}]
                """, StandardCharsets.UTF_8);
        ByteBuffer bin = ByteBuffer.allocate(7).order(ByteOrder.LITTLE_ENDIAN);
        bin.put((byte) 0).put((byte) 255).putFloat(2.25f).put((byte) 1);
        Files.write(dir.resolve("toy.bin"), bin.array());

        FaceApiWeights toy = FaceApiWeights.fromDirectory(dir, "toy");
        assertThat(toy.names()).containsExactly("a", "b", "c");
        assertThat(toy.get("a").values()).containsExactly(-1f, (float) (255 * 0.1 - 1));
        assertThat(toy.get("b", 1, 1).values()).containsExactly(2.25f);
        assertThat(toy.get("c").values()).containsExactly(2f); // 1.5 rounds up, as JS Math.round
        assertEquals(7, toy.byteSize());
        assertThatThrownBy(() -> toy.get("b", 1)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void rejectsShardsThatDoNotMatchTheManifest(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("short-weights_manifest.json"),
                "[{\"paths\": [\"short.bin\"], \"weights\": [{\"name\": \"w\", \"shape\": [3], \"dtype\": \"float32\"}]}]");
        Files.write(dir.resolve("short.bin"), new byte[8]);
        assertThatThrownBy(() -> FaceApiWeights.fromDirectory(dir, "short"))
                .isInstanceOf(UncheckedIOException.class)
                .hasRootCauseMessage("w needs 12 bytes at offset 0, shards end at 8");

        Files.write(dir.resolve("short.bin"), new byte[16]);
        assertThatThrownBy(() -> FaceApiWeights.fromDirectory(dir, "short"))
                .hasRootCauseMessage("manifest describes 12 bytes, shards hold 16");
    }
}
