package io.biostream.operators.vision;

import io.biostream.operators.image.RgbImage;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Small SameDiff chores shared by the face nets. */
final class NetGraphs {
    private NetGraphs() {
    }

    /** All values of an array in row-major order (views and non-contiguous arrays included). */
    static float[] values(INDArray array) {
        return array.reshape('c', new long[] {array.length()}).toFloatVector();
    }

    /**
     * Runs a graph on face crops as face-api's NetInput prepares them: each crop padded to a square
     * (centred) and resized to {@code size}, then {@code (x - mean) / divisor}, all in one NHWC batch.
     * Returns each output flattened per crop.
     */
    static Map<String, float[][]> runCentredCrops(SameDiff graph, String inputName, List<RgbImage> crops, int size,
                                                  double[] meanRgb, float divisor, String... outputs) {
        int pixels = size * size * 3;
        float[] batch = new float[crops.size() * pixels];
        for (int i = 0; i < crops.size(); i++) {
            RgbImage input = ImageOps.toSquareInput(crops.get(i), size, true);
            ImageOps.normalizeInto(input, meanRgb, divisor, batch, i * pixels);
        }
        INDArray input = Nd4j.create(batch, new long[] {crops.size(), size, size, 3}, 'c');
        // Outputs are left to ND4J's GC-driven deallocation: the session may still hold them.
        Map<String, INDArray> values = graph.output(Map.of(inputName, input), outputs);
        Map<String, float[][]> result = new LinkedHashMap<>();
        for (String name : outputs) {
            result.put(name, values.get(name).reshape(crops.size(), -1).toFloatMatrix());
        }
        return result;
    }

    /** Frees the native memory of a graph's constants (the weights) now rather than at GC. */
    static void releaseConstants(SameDiff graph) {
        for (SDVariable variable : graph.variables()) {
            if (variable.getVariableType() == VariableType.CONSTANT) {
                INDArray array = variable.getArr();
                if (array != null && array.closeable()) {
                    array.close();
                }
            }
        }
    }
}
