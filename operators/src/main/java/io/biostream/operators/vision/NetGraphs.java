package io.biostream.operators.vision;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Small SameDiff chores shared by the detector nets. */
final class NetGraphs {
    private NetGraphs() {
    }

    /** All values of an array in row-major order (views and non-contiguous arrays included). */
    static float[] values(INDArray array) {
        return array.reshape('c', new long[] {array.length()}).toFloatVector();
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
