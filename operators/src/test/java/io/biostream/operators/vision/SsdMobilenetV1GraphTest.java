package io.biostream.operators.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import io.biostream.operators.image.RgbImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The detector's graph (batch norm folded into the depthwise filters) against the reference
 * graph with face-api's ops one for one, on a demo photo: every named activation and both raw
 * outputs agree to float rounding. The goldens test the detector against face-api itself.
 */
class SsdMobilenetV1GraphTest {
    /** Raw box encodings and class logits; measured on sample1: 2.3e-5 and 4.0e-5. */
    private static final double MAX_OUTPUT_DELTA = 2e-4;
    /** The ReLU6 activations (0..6) of every layer; measured 1.7e-4 at most. */
    private static final double MAX_ACTIVATION_DELTA = 1e-3;

    @Test
    void foldedGraphMatchesTheReferenceGraphOnADemoPhoto() throws IOException {
        FaceApiWeights weights = FaceApiWeights.fromClasspath(SsdMobilenetV1Detector.WEIGHTS);
        RgbImage image = Goldens.png(Goldens.dir().resolve("images/sample1.png"));
        int size = SsdMobilenetV1Graph.INPUT_SIZE;
        float[] input = new float[size * size * 3];
        DetectorInput.squareResizedMinusOneToOne(image, size, input, 0);
        List<String> names = new ArrayList<>(SsdMobilenetV1Graph.LAYERS);
        Map<String, float[]> reference = run(SsdMobilenetV1Graph.build(weights, SsdMobilenetV1Graph.Form.REFERENCE),
                input, names);
        SameDiff folded = SsdMobilenetV1Graph.build(weights);
        assertThat(folded.getOps().values()).as("ops of the detector's graph")
                .noneMatch(op -> op.getOp().opName().equals("batchnorm"));
        Map<String, float[]> fast = run(folded, input, names);
        double worst = 0;
        for (String name : names) {
            double delta = DetectorGoldens.maxAbs(reference.get(name), fast.get(name));
            boolean rawOutput = name.equals(SsdMobilenetV1Graph.BOX_ENCODINGS) || name.equals(SsdMobilenetV1Graph.CLASS_LOGITS);
            assertThat(delta).as("max |delta| of %s", name)
                    .isLessThanOrEqualTo(rawOutput ? MAX_OUTPUT_DELTA : MAX_ACTIVATION_DELTA);
            worst = Math.max(worst, delta);
        }
        System.out.printf("ssd folded vs reference graph, %d layers: max |delta| %.3g (box encodings %.3g, logits %.3g)%n",
                names.size(), worst,
                DetectorGoldens.maxAbs(reference.get(SsdMobilenetV1Graph.BOX_ENCODINGS), fast.get(SsdMobilenetV1Graph.BOX_ENCODINGS)),
                DetectorGoldens.maxAbs(reference.get(SsdMobilenetV1Graph.CLASS_LOGITS), fast.get(SsdMobilenetV1Graph.CLASS_LOGITS)));
    }

    private static Map<String, float[]> run(SameDiff graph, float[] input, List<String> names) {
        int size = SsdMobilenetV1Graph.INPUT_SIZE;
        INDArray batch = Nd4j.create(input, new long[] {1, size, size, 3}, 'c');
        Map<String, INDArray> out = graph.output(Map.of(SsdMobilenetV1Graph.INPUT, batch), names.toArray(String[]::new));
        Map<String, float[]> values = new LinkedHashMap<>();
        out.forEach((name, array) -> values.put(name, NetGraphs.values(array)));
        NetGraphs.releaseConstants(graph);
        return values;
    }

    /** Per channel: conv(x, w * s) + (beta - mean * s) = batchNorm(conv(x, w)), s = gamma / sqrt(var + eps). */
    @Test
    void foldingScalesEachChannelsFilterAndMovesTheMeanIntoTheBias() {
        // [kH=1, kW=2, channels=2, 1]: channel is the fastest index.
        float[] filters = {1f, 2f, 3f, 4f};
        float[] mean = {0.5f, -1f};
        float[] variance = {3f, 0.25f};
        float[] gamma = {2f, 0.5f};
        float[] beta = {0.1f, -0.2f};
        SsdMobilenetV1Graph.FoldedDepthwise folded = SsdMobilenetV1Graph.FoldedDepthwise.of(filters, mean, variance,
                gamma, beta, 1.0);
        double s0 = 2 / Math.sqrt(4);
        double s1 = 0.5 / Math.sqrt(1.25);
        assertThat(folded.filters()).containsExactly((float) (1 * s0), (float) (2 * s1), (float) (3 * s0), (float) (4 * s1));
        assertThat(folded.bias()).containsExactly((float) (0.1f - 0.5 * s0), (float) (-0.2f + s1));
        // One input patch x through both forms, channel 1: batch norm of the plain conv.
        double x0 = 0.7;
        double x1 = -1.3;
        double plain = x0 * 2 + x1 * 4;
        double normalised = (plain - mean[1]) / Math.sqrt(variance[1] + 1.0) * gamma[1] + beta[1];
        double viaFolded = x0 * folded.filters()[1] + x1 * folded.filters()[3] + folded.bias()[1];
        assertThat(viaFolded).isCloseTo(normalised, offset(1e-6));
    }
}
