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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The port against face-api 1.7.15's own outputs (goldens/README.md). One net instance for the
 * whole class, loaded by the first test that runs (each test first checks the goldens are
 * there, so a missing shared folder shows as skipped tests with the reason).
 */
class FaceDescriptorNetGoldenTest {
    /** Per element; the two JavaScript backends differ by 4.5e-7 (PREPROCESSING.md section 8). */
    private static final double MAX_ABS = 1e-4;
    /** Measured 1.3e-6. */
    private static final double MAX_DISTANCE = GoldenTolerances.MAX_DESCRIPTOR_DISTANCE;

    private static FaceDescriptorNet sharedNet;
    /** One-by-one descriptors of the direct crops, by id, computed once for the class. */
    private static Map<String, float[]> singleDescriptors;

    private final Path goldens = Goldens.dir();
    private final FaceDescriptorNet net = net();

    private static synchronized FaceDescriptorNet net() {
        if (sharedNet == null) {
            sharedNet = FaceDescriptorNet.load();
        }
        return sharedNet;
    }

    @AfterAll
    static void closeNet() {
        if (sharedNet != null) {
            sharedNet.close();
        }
    }

    private record Golden(String id, RgbImage crop, float[] descriptor) {
    }

    private List<Golden> directGoldens() throws IOException {
        List<Golden> goldenCrops = new ArrayList<>();
        for (JsonNode crop : Goldens.json(goldens.resolve("out/direct_recognition_150.json")).get("crops")) {
            goldenCrops.add(new Golden(crop.get("id").asText(), Goldens.png(goldens.resolve(crop.get("file").asText())),
                    Goldens.floats(crop.get("descriptor"))));
        }
        return goldenCrops;
    }

    private static synchronized Map<String, float[]> singleDescriptors(List<Golden> cases) {
        if (singleDescriptors == null) {
            singleDescriptors = new HashMap<>();
            for (Golden golden : cases) {
                singleDescriptors.put(golden.id(), net().describe(golden.crop()));
            }
        }
        return singleDescriptors;
    }

    @Test
    void everyCropMatchesFaceApi() throws IOException {
        List<Golden> cases = directGoldens();
        TreeSet<String> cropFiles;
        try (Stream<Path> files = Files.list(goldens.resolve("crops"))) {
            cropFiles = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith("_150.png"))
                    .map(n -> n.substring(0, n.length() - "_150.png".length()))
                    .collect(TreeSet::new, TreeSet::add, TreeSet::addAll);
        }
        assertThat(cases.stream().map(Golden::id)).containsExactlyInAnyOrderElementsOf(cropFiles);

        Deviation worst = new Deviation();
        for (Golden golden : cases) {
            float[] descriptor = singleDescriptors(cases).get(golden.id());
            assertEquals(FaceDescriptorNet.DESCRIPTOR_LENGTH, descriptor.length);
            worst.check(golden.id(), golden.descriptor(), descriptor);
        }
        System.out.printf("direct 150 crops (%d): max |delta| %.3g, max distance %.3g%n",
                cases.size(), worst.maxAbs, worst.maxDistance);
    }

    @Test
    void oneBatchGivesWhatSingleCallsGive() throws IOException {
        List<Golden> cases = directGoldens();
        float[][] batch = net.describe(cases.stream().map(Golden::crop).toList());
        assertEquals(cases.size(), batch.length);
        Deviation fromSingle = new Deviation();
        Deviation fromGolden = new Deviation();
        for (int i = 0; i < cases.size(); i++) {
            fromSingle.check(cases.get(i).id(), singleDescriptors(cases).get(cases.get(i).id()), batch[i]);
            fromGolden.check(cases.get(i).id(), cases.get(i).descriptor(), batch[i]);
        }
        System.out.printf("batch of %d vs single calls: max |delta| %.3g; vs face-api: max |delta| %.3g%n",
                cases.size(), fromSingle.maxAbs, fromGolden.maxAbs);
    }

    /** Crops of any size are padded and resized inside the net's input step, as face-api does. */
    @Test
    void pipelineCropsOfOtherSizesMatchFaceApi() throws IOException {
        Deviation worst = new Deviation();
        int faces = 0;
        for (int sample = 1; sample <= 4; sample++) {
            JsonNode result = Goldens.json(goldens.resolve("out/sample" + sample + ".json"));
            RgbImage image = Goldens.png(goldens.resolve(result.get("image").get("png").asText()));
            List<RgbImage> crops = new ArrayList<>();
            List<float[]> expected = new ArrayList<>();
            for (JsonNode face : result.get("faces")) {
                JsonNode region = face.get("descriptorAlignment").get("cropRegion");
                crops.add(ImageOps.crop(image, region.get("x").asInt(), region.get("y").asInt(),
                        region.get("width").asInt(), region.get("height").asInt()));
                expected.add(Goldens.floats(face.get("descriptor")));
            }
            float[][] descriptors = net.describe(crops);
            for (int i = 0; i < crops.size(); i++) {
                worst.check("sample" + sample + " face " + i, expected.get(i), descriptors[i]);
            }
            faces += crops.size();
        }
        assertThat(faces).as("faces in the four samples").isEqualTo(13);
        System.out.printf("pipeline crops (%d): max |delta| %.3g, max distance %.3g%n",
                faces, worst.maxAbs, worst.maxDistance);
    }

    @Test
    void everyLayerMatchesFaceApiOnOneCrop() throws IOException {
        Path dump = goldens.resolve("layers/recognition_s1_f00_150");
        RgbImage crop = Goldens.png(goldens.resolve("crops/s1_f00_150.png"));
        List<String> names = new ArrayList<>();
        names.add(FaceRecognitionGraph.INPUT);
        names.addAll(FaceRecognitionGraph.LAYERS);
        Map<String, float[][]> activations = net.activations(List.of(crop), names.toArray(String[]::new));
        int compared = 0;
        for (JsonNode layer : Goldens.json(dump.resolve("index.json")).get("layers")) {
            float[][] actual = activations.get(layer.get("name").asText());
            if (actual == null) {
                continue; // the raw 0..255 input, checked through "normalized"
            }
            float[] expected = littleEndianFloats(dump.resolve(layer.get("file").asText()));
            assertEquals(expected.length, actual[0].length, layer.get("name").asText());
            double maxAbs = 0;
            for (int i = 0; i < expected.length; i++) {
                maxAbs = Math.max(maxAbs, Math.abs(expected[i] - actual[0][i]));
            }
            assertThat(maxAbs).as("max |delta| of layer %s", layer.get("name").asText()).isLessThanOrEqualTo(MAX_ABS);
            compared++;
        }
        assertEquals(names.size(), compared, "layers compared");
    }

    @Test
    void emptyCropGivesZerosLikeFaceApi() {
        float[][] descriptors = net.describe(List.of(new RgbImage(0, 0, new float[0])));
        assertThat(descriptors[0]).hasSize(FaceDescriptorNet.DESCRIPTOR_LENGTH).containsOnly(0f);
        assertEquals("face-api-recognition-1.7.15", net.modelId());
    }

    private static float[] littleEndianFloats(Path file) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[bytes.remaining() / Float.BYTES];
        bytes.asFloatBuffer().get(values);
        return values;
    }

    /** Asserts the tolerances and keeps the worst values seen, for the report. */
    private static final class Deviation {
        double maxAbs;
        double maxDistance;

        void check(String id, float[] expected, float[] actual) {
            assertEquals(expected.length, actual.length, id);
            double abs = 0;
            double squares = 0;
            for (int i = 0; i < expected.length; i++) {
                double d = (double) expected[i] - actual[i];
                abs = Math.max(abs, Math.abs(d));
                squares += d * d;
            }
            double distance = Math.sqrt(squares);
            assertThat(abs).as("max |delta| for %s", id).isLessThanOrEqualTo(MAX_ABS);
            assertThat(distance).as("Euclidean distance for %s", id).isLessThanOrEqualTo(MAX_DISTANCE);
            maxAbs = Math.max(maxAbs, abs);
            maxDistance = Math.max(maxDistance, distance);
        }
    }
}
