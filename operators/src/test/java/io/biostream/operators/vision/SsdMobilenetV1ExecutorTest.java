package io.biostream.operators.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The executor the detector runs against the SameDiff graph it replaces (batch norm folded, the
 * same ops and weights) on two demo photos: raw outputs and a few activations along the net
 * agree, at batch 2 and at batch 1, through calls that reuse the arrays and calls that change
 * the batch size. The goldens test the detector, and so the executor, against face-api itself.
 */
class SsdMobilenetV1ExecutorTest {
    /** The same libnd4j ops on the same arrays; the graph differs only in how it calls them. */
    private static final double MAX_DELTA = 1e-5;
    private static final int PIXELS = SsdMobilenetV1Graph.INPUT_SIZE * SsdMobilenetV1Graph.INPUT_SIZE * 3;
    /** The two raw outputs and activations early, in the middle and at the end of the backbone. */
    private static final List<String> COMPARED = List.of(SsdMobilenetV1Graph.BOX_ENCODINGS, SsdMobilenetV1Graph.CLASS_LOGITS,
            "mobilenet_conv_0", "mobilenet_conv_1_depthwise", "mobilenet_conv_2_depthwise", "mobilenet_conv_6_pointwise",
            "mobilenet_conv_13_pointwise", "pred_conv_3", "pred_conv_7");
    /** Loaded once for both tests: parsing the weights takes a second or two here. */
    private static final FaceApiWeights WEIGHTS = FaceApiWeights.fromClasspath(SsdMobilenetV1Detector.WEIGHTS);

    @Test
    void executorMatchesTheFoldedGraphAcrossReusedArraysAndBatchSizes() throws IOException {
        float[] first = input(1);
        float[] second = input(2);
        float[] both = concat(first, second);
        SameDiff graph = SsdMobilenetV1Graph.build(WEIGHTS);
        Map<String, float[]> reference = run(graph, both);
        NetGraphs.releaseConstants(graph);
        double worst = 0;
        try (SsdMobilenetV1Executor executor = new SsdMobilenetV1Executor(WEIGHTS)) {
            executor.run(both, 2);
            worst = Math.max(worst, compare("batch [1,2]", executor, reference, 0, 2));
            // Same batch size, the arrays reused: the images swapped must give swapped outputs.
            executor.run(concat(second, first), 2);
            worst = Math.max(worst, compareShifted("batch [2,1], arrays reused", executor, reference, 0, 1));
            worst = Math.max(worst, compareShifted("batch [2,1], arrays reused", executor, reference, 1, 0));
            executor.run(first, 1);
            worst = Math.max(worst, compare("batch [1] after batch 2", executor, reference, 0, 1));
            assertThat(executor.allocatedBatch()).as("arrays for one batch size at a time").isEqualTo(1);
            executor.run(both, 2);
            worst = Math.max(worst, compare("batch [1,2] after batch 1", executor, reference, 0, 2));
        }
        System.out.printf("ssd executor vs folded graph: max |delta| %.3g over %d arrays x 4 calls%n", worst, COMPARED.size());
    }

    @Test
    void rejectsAnInputOfTheWrongSizeAndCallsAfterClose() {
        SsdMobilenetV1Executor executor = new SsdMobilenetV1Executor(WEIGHTS);
        assertThatThrownBy(() -> executor.values(SsdMobilenetV1Graph.BOX_ENCODINGS)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> executor.run(new float[PIXELS + 1], 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("batch of 1");
        assertThatThrownBy(() -> executor.run(new float[0], 0)).isInstanceOf(IllegalArgumentException.class);
        executor.close();
        assertThatThrownBy(() -> executor.run(new float[PIXELS], 1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
    }

    /**
     * The executor's outputs for images {@code from..from+count-1} of the reference batch, which
     * the executor ran as its images {@code 0..count-1}.
     */
    private static double compare(String call, SsdMobilenetV1Executor executor, Map<String, float[]> reference,
                                  int from, int count) {
        double worst = 0;
        for (String name : COMPARED) {
            float[] expected = reference.get(name);
            int perImage = expected.length / 2;
            float[] actual = executor.values(name);
            assertThat(actual.length).as("%s: length of %s", call, name).isEqualTo(perImage * count);
            double delta = DetectorGoldens.maxAbs(Arrays.copyOfRange(expected, from * perImage, (from + count) * perImage),
                    actual);
            assertThat(delta).as("%s: max |delta| of %s", call, name).isLessThanOrEqualTo(MAX_DELTA);
            worst = Math.max(worst, delta);
        }
        return worst;
    }

    /** The executor's image {@code at} against the reference's image {@code referenceImage}. */
    private static double compareShifted(String call, SsdMobilenetV1Executor executor, Map<String, float[]> reference,
                                         int at, int referenceImage) {
        double worst = 0;
        for (String name : COMPARED) {
            float[] expected = reference.get(name);
            int perImage = expected.length / 2;
            double delta = DetectorGoldens.maxAbs(
                    Arrays.copyOfRange(expected, referenceImage * perImage, (referenceImage + 1) * perImage),
                    Arrays.copyOfRange(executor.values(name), at * perImage, (at + 1) * perImage));
            assertThat(delta).as("%s: max |delta| of %s, image %d", call, name, at).isLessThanOrEqualTo(MAX_DELTA);
            worst = Math.max(worst, delta);
        }
        return worst;
    }

    private static float[] input(int sample) throws IOException {
        float[] input = new float[PIXELS];
        DetectorInput.squareResizedMinusOneToOne(Goldens.png(Goldens.dir().resolve("images/sample" + sample + ".png")),
                SsdMobilenetV1Graph.INPUT_SIZE, input, 0);
        return input;
    }

    private static float[] concat(float[] a, float[] b) {
        float[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    private static Map<String, float[]> run(SameDiff graph, float[] batch) {
        int size = SsdMobilenetV1Graph.INPUT_SIZE;
        INDArray input = Nd4j.create(batch, new long[] {batch.length / PIXELS, size, size, 3}, 'c');
        Map<String, INDArray> out = graph.output(Map.of(SsdMobilenetV1Graph.INPUT, input), COMPARED.toArray(String[]::new));
        Map<String, float[]> values = new LinkedHashMap<>();
        out.forEach((name, array) -> values.put(name, NetGraphs.values(array)));
        return values;
    }
}
