package io.biostream.operators.vision;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.AvgPooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.DepthwiseConv2D;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;

/**
 * {@link FaceLandmarkGraph} (either variant) run without SameDiff's session ({@link NetExecutor}):
 * the same ops one for one, the dense blocks' sums in face-api's order ({@code out1 + (out2 +
 * (out3 + out4))}), the relus in place. Only the arrays the golden tests read back and the
 * convs' outputs that later sums read are kept apart; a depthwise conv's output and a sum the
 * next conv reads live in arrays shared per shape. Every array of
 * {@link FaceLandmarkGraph#layers} and {@link FaceLandmarkGraph#INPUT} can be read back.
 */
final class FaceLandmarkExecutor extends NetExecutor {
    /** Batch sizes kept allocated: up to two full chunks' worth of crops. */
    static final int MAX_CACHED_CROPS = 2 * FaceLandmarkNet.MAX_BATCH;

    private final FaceLandmarkNet.Variant variant;

    FaceLandmarkExecutor(FaceApiWeights weights, FaceLandmarkNet.Variant variant) {
        super("FaceLandmarkExecutor", FaceLandmarkGraph.INPUT, FaceLandmarkNet.INPUT_SIZE, MAX_CACHED_CROPS);
        this.variant = variant;
        loadWeights(weights);
    }

    @Override
    void build(Plan plan) {
        INDArray x = plan.input;
        int channelsIn = 3;
        int channels = 32;
        for (int block = 0; block < variant.blocks(); block++) {
            x = denseBlock(plan, "dense" + block, x, channelsIn, channels, block == 0);
            channelsIn = channels;
            channels *= 2;
        }
        int size = (int) x.size(1);
        INDArray pooled = plan.allocate(plan.batch, 1, 1, channelsIn);
        plan.custom(new AvgPooling2D(x, pooled, FaceLandmarkGraph.poolConfig(size)));
        plan.name(FaceLandmarkGraph.poolName(variant), pooled);
        INDArray raw = plan.allocate(plan.batch, FaceLandmarkGraph.OUTPUTS);
        plan.custom(new Mmul(pooled.reshape('c', plan.batch, channelsIn),
                tensor("fc/weights", channelsIn, FaceLandmarkGraph.OUTPUTS), raw, MMulTranspose.allFalse()));
        plan.custom(new AddOp(raw, tensor("fc/bias", FaceLandmarkGraph.OUTPUTS), raw));
        plan.name(FaceLandmarkGraph.RAW, raw);
    }

    /** As {@code FaceLandmarkGraph.denseBlock}. */
    private INDArray denseBlock(Plan plan, String block, INDArray x, int in, int out, boolean first) {
        INDArray out1 = first ? conv(plan, block + "/conv0", x, in, out) : separable(plan, block + "/conv0", x, in, out, 2);
        plan.relu(out1);
        plan.name(block + "_out1", out1);
        List<INDArray> outs = new ArrayList<>();
        outs.add(out1);
        for (int c = 1; c < variant.convsPerBlock(); c++) {
            INDArray input = out1;
            if (c > 1) {
                input = nestedSum(plan, outs, plan.scratch("sum", out1.shape()));
                plan.relu(input);
            }
            outs.add(separable(plan, block + "/conv" + c, input, out, out, 1));
        }
        INDArray result = nestedSum(plan, outs, plan.allocate(out1.shape()));
        plan.relu(result);
        plan.name(block, result);
        return result;
    }

    /** {@code a + (b + (c + d))} into {@code sum}, in that order. */
    private static INDArray nestedSum(Plan plan, List<INDArray> terms, INDArray sum) {
        int last = terms.size() - 1;
        plan.custom(new AddOp(terms.get(last - 1), terms.get(last), sum));
        for (int i = last - 2; i >= 0; i--) {
            plan.custom(new AddOp(terms.get(i), sum, sum));
        }
        return sum;
    }

    /** Full 3x3 conv, stride 2 'same', + bias. */
    private INDArray conv(Plan plan, String prefix, INDArray x, int in, int out) {
        INDArray y = plan.allocate(plan.batch, (x.size(1) + 1) / 2, (x.size(2) + 1) / 2, out);
        plan.custom(new Conv2D(x, tensor(prefix + "/filters", 3, 3, in, out), tensor(prefix + "/bias", out), y,
                FaceLandmarkGraph.config(3, 2)));
        return y;
    }

    /** Depthwise 3x3 'same' (no bias), then pointwise 1x1 + bias. */
    private INDArray separable(Plan plan, String prefix, INDArray x, int in, int out, int stride) {
        long size = (x.size(1) + stride - 1) / stride;
        INDArray depthwise = plan.scratch("depthwise", plan.batch, size, size, in);
        plan.custom(new DepthwiseConv2D(x, tensor(prefix + "/depthwise_filter", 3, 3, in, 1), null, depthwise,
                FaceLandmarkGraph.config(3, stride)));
        INDArray pointwise = plan.allocate(plan.batch, size, size, out);
        plan.custom(new Conv2D(depthwise, tensor(prefix + "/pointwise_filter", 1, 1, in, out),
                tensor(prefix + "/bias", out), pointwise, FaceLandmarkGraph.config(1, 1)));
        return pointwise;
    }
}
