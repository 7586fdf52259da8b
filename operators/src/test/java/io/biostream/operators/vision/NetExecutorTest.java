package io.biostream.operators.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biostream.operators.image.RgbImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The executors the descriptor and landmark nets run against the SameDiff graphs they replace, on
 * real face crops: every named layer agrees at batch 3, then batch 1 (another set of arrays), then
 * batch 3 again with the crops in another order (the arrays of batch 3 reused). The goldens test
 * the nets, and so the executors, against face-api itself.
 */
class NetExecutorTest {
    /**
     * The landmark nets: the same libnd4j ops on the same values, the graph differing only in how
     * it calls them and where results are written: bit for bit the same (a sum in another order is not).
     */
    private static final double SAME_OPS_MAX_DELTA = 0;
    /**
     * The descriptor net folds each conv's scale and shift into its filters and bias (two passes
     * over every conv's output fewer): the same arithmetic rounded at other places. Measured:
     * 1.8e-5 in any activation, 4.2e-7 in the descriptors.
     */
    private static final double FOLDED_MAX_DELTA = 1e-4;
    private static final List<String> FACES = List.of("s1_f00", "s1_f01", "s1_f02");

    @Test
    void descriptorExecutorMatchesTheGraphAcrossBatchSizes() throws IOException {
        FaceApiWeights weights = FaceApiWeights.fromClasspath(FaceDescriptorNet.WEIGHTS);
        List<String> names = new ArrayList<>(FaceRecognitionGraph.LAYERS);
        names.add(FaceRecognitionGraph.INPUT);
        try (FaceRecognitionExecutor executor = new FaceRecognitionExecutor(weights)) {
            double worst = compareAcrossBatches(FaceRecognitionGraph.build(weights), FaceRecognitionGraph.INPUT, executor,
                    crops(FaceDescriptorNet.INPUT_SIZE), FaceDescriptorNet.INPUT_SIZE, names, FOLDED_MAX_DELTA);
            System.out.printf("descriptor executor vs graph: max |delta| %.3g; %.2f MB of activations per crop%n", worst,
                    executor.allocatedBytes() / 4.0 / 1e6);
        }
    }

    @Test
    void landmarkExecutorsMatchTheGraphsAcrossBatchSizes() throws IOException {
        for (FaceLandmarkNet.Variant variant : FaceLandmarkNet.Variant.values()) {
            FaceApiWeights weights = FaceApiWeights.fromClasspath(variant.weights());
            List<String> names = new ArrayList<>(FaceLandmarkGraph.layers(variant));
            names.add(FaceLandmarkGraph.INPUT);
            try (FaceLandmarkExecutor executor = new FaceLandmarkExecutor(weights, variant)) {
                double worst = compareAcrossBatches(FaceLandmarkGraph.build(weights, variant), FaceLandmarkGraph.INPUT,
                        executor, crops(FaceLandmarkNet.INPUT_SIZE), FaceLandmarkNet.INPUT_SIZE, names, SAME_OPS_MAX_DELTA);
                System.out.printf("%s landmark executor vs graph: max |delta| %.3g; %.2f MB of activations per crop%n",
                        variant, worst, executor.allocatedBytes() / 4.0 / 1e6);
            }
        }
    }

    @Test
    void batchSizesBeyondTheCachedCropsAreEvictedLeastRecentlyUsedFirst() throws IOException {
        FaceLandmarkNet.Variant variant = FaceLandmarkNet.Variant.TINY;
        List<RgbImage> crops = crops(FaceLandmarkNet.INPUT_SIZE);
        try (FaceLandmarkExecutor executor = new FaceLandmarkExecutor(FaceApiWeights.fromClasspath(variant.weights()), variant)) {
            assertThat(executor.allocatedBatches()).as("batch 1 prepared at construction").containsExactly(1);
            float[][] single = runRepeated(executor, crops.get(0), 1);
            runRepeated(executor, crops.get(1), 40);
            assertThat(executor.allocatedBatches()).containsExactly(1, 40);
            // 40 + 30 crops exceed the 64 kept: batch 1 and then 40, least recently used, go.
            float[][] thirty = runRepeated(executor, crops.get(0), 30);
            assertThat(executor.allocatedBatches()).containsExactly(30);
            assertThat(thirty[29]).containsExactly(single[0]);
            assertThat(runRepeated(executor, crops.get(0), 1)[0]).containsExactly(single[0]);
            assertThat(executor.allocatedBatches()).containsExactly(30, 1);
        }
    }

    @Test
    void rejectsBadInputUnknownNamesAndCallsAfterClose() {
        FaceRecognitionExecutor executor = new FaceRecognitionExecutor(FaceApiWeights.fromClasspath(FaceDescriptorNet.WEIGHTS));
        int pixels = FaceDescriptorNet.INPUT_SIZE * FaceDescriptorNet.INPUT_SIZE * 3;
        assertThatThrownBy(() -> executor.values(FaceRecognitionGraph.DESCRIPTOR)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("nothing run yet");
        assertThatThrownBy(() -> executor.run(new float[pixels + 1], 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("batch of 1");
        assertThatThrownBy(() -> executor.run(new float[2 * pixels], 1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> executor.run(new float[0], 0)).isInstanceOf(IllegalArgumentException.class);
        executor.run(new float[pixels], 1);
        assertThatThrownBy(() -> executor.values("conv999")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("conv999");
        executor.close();
        assertThatThrownBy(() -> executor.run(new float[pixels], 1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> executor.values(FaceRecognitionGraph.DESCRIPTOR)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        assertThat(executor.allocatedBytes()).as("activations freed at close").isZero();
    }

    /**
     * Runs the three crops through the graph once, then through the executor as [0,1,2], [1] and
     * [2,0,1], comparing every named array per crop; returns the largest difference.
     */
    private static double compareAcrossBatches(SameDiff graph, String inputName, NetExecutor executor, List<RgbImage> crops,
                                               int size, List<String> names, double maxDelta) {
        float[] input = NetGraphs.centredRegionsInput(crops, NetGraphs.wholeCrops(crops), size, FaceDescriptorNet.MEAN_RGB, 255f);
        Map<String, float[][]> reference = new LinkedHashMap<>();
        graph.output(Map.of(inputName, Nd4j.create(input, new long[] {crops.size(), size, size, 3}, 'c')),
                names.toArray(String[]::new)).forEach((name, array) -> reference.put(name, perCrop(array, crops.size())));
        NetGraphs.releaseConstants(graph);
        double worst = 0;
        int pixels = size * size * 3;
        int[][] orders = {{0, 1, 2}, {1}, {2, 0, 1}};
        for (int[] order : orders) {
            float[] batch = new float[order.length * pixels];
            for (int i = 0; i < order.length; i++) {
                System.arraycopy(input, order[i] * pixels, batch, i * pixels, pixels);
            }
            executor.run(batch, order.length);
            for (String name : names) {
                float[][] actual = executor.values(name);
                assertThat(actual).as("%s, batch %s", name, Arrays.toString(order)).hasNumberOfRows(order.length);
                for (int i = 0; i < order.length; i++) {
                    float[] expected = reference.get(name)[order[i]];
                    assertThat(actual[i]).as("%s of crop %d, batch %s", name, order[i], Arrays.toString(order))
                            .hasSameSizeAs(expected);
                    double delta = DetectorGoldens.maxAbs(expected, actual[i]);
                    assertThat(delta).as("max |delta| of %s, crop %d, batch %s", name, order[i], Arrays.toString(order))
                            .isLessThanOrEqualTo(maxDelta);
                    worst = Math.max(worst, delta);
                }
            }
        }
        assertThat(executor.allocatedBatches()).as("arrays of both batch sizes kept, the last used last").containsExactly(1, 3);
        return worst;
    }

    private static float[][] runRepeated(NetExecutor executor, RgbImage crop, int times) {
        List<RgbImage> crops = java.util.Collections.nCopies(times, crop);
        executor.run(NetGraphs.centredRegionsInput(crops, NetGraphs.wholeCrops(crops), FaceLandmarkNet.INPUT_SIZE,
                FaceDescriptorNet.MEAN_RGB, 255f), times);
        return executor.values(FaceLandmarkGraph.RAW);
    }

    private static float[][] perCrop(INDArray array, int crops) {
        float[] values = NetGraphs.values(array);
        int each = values.length / crops;
        float[][] result = new float[crops][];
        for (int i = 0; i < crops; i++) {
            result[i] = Arrays.copyOfRange(values, i * each, (i + 1) * each);
        }
        return result;
    }

    private static List<RgbImage> crops(int size) throws IOException {
        List<RgbImage> crops = new ArrayList<>();
        for (String face : FACES) {
            crops.add(Goldens.png(Goldens.dir().resolve("crops/" + face + "_" + size + ".png")));
        }
        return crops;
    }
}
