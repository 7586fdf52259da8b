package io.biostream.operators.vision;

import io.biostream.operators.image.RgbImage;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import java.util.ArrayList;
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
        return runCentredRegions(graph, inputName, crops, wholeCrops(crops), size, meanRgb, divisor, outputs);
    }

    /**
     * {@link #runCentredCrops} on regions of images (region {@code i} of {@code images.get(i)}),
     * read in place: the same input values as cropping each region first, without the copies.
     */
    static Map<String, float[][]> runCentredRegions(SameDiff graph, String inputName, List<RgbImage> images,
                                                    List<PixelRect> regions, int size, double[] meanRgb, float divisor,
                                                    String... outputs) {
        float[] batch = centredRegionsInput(images, regions, size, meanRgb, divisor);
        INDArray input = Nd4j.create(batch, new long[] {regions.size(), size, size, 3}, 'c');
        // Outputs are left to ND4J's GC-driven deallocation: the session may still hold them.
        Map<String, INDArray> values = graph.output(Map.of(inputName, input), outputs);
        Map<String, float[][]> result = new LinkedHashMap<>();
        for (String name : outputs) {
            result.put(name, values.get(name).reshape(regions.size(), -1).toFloatMatrix());
        }
        return result;
    }

    /** Whole crops as regions of themselves. */
    static List<PixelRect> wholeCrops(List<RgbImage> crops) {
        List<PixelRect> whole = new ArrayList<>(crops.size());
        for (RgbImage crop : crops) {
            whole.add(new PixelRect(0, 0, crop.width(), crop.height()));
        }
        return whole;
    }

    /**
     * The NHWC input batch of {@link #runCentredRegions}, row-major: region {@code i} of
     * {@code images.get(i)} padded to a centred square, resized to {@code size}, normalised.
     */
    static float[] centredRegionsInput(List<RgbImage> images, List<PixelRect> regions, int size, double[] meanRgb,
                                       float divisor) {
        if (images.size() != regions.size()) {
            throw new IllegalArgumentException(images.size() + " images for " + regions.size() + " regions");
        }
        int pixels = size * size * 3;
        float[] batch = new float[regions.size() * pixels];
        for (int i = 0; i < regions.size(); i++) {
            ImageOps.squareInputInto(images.get(i), regions.get(i), size, true, meanRgb, divisor, batch, i * pixels);
        }
        return batch;
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
