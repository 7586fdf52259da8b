package io.biostream.operators.vision;

import org.nd4j.enums.PadMode;
import org.nd4j.linalg.api.blas.params.MMulTranspose;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.AvgPooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.MaxPooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.api.ops.impl.reduce.floating.Mean;
import org.nd4j.linalg.api.ops.impl.transforms.Pad;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link FaceRecognitionGraph} run without SameDiff's session ({@link NetExecutor}): the graph's
 * ops in its order ({@code RectifiedLinear}, residual {@code AddOp}, pools, pads, {@code Mean},
 * {@code Mmul}), the element-wise ones in place on the conv's output, except that each conv's
 * scale and shift are folded into its filters and bias at load: two passes over every conv's
 * output fewer (14% less CPU a crop at batch 32), the same values to 2e-5. The first conv's output of a residual block
 * and the pooled shortcut, read only by the next op, live in arrays shared per shape. Every array of {@link FaceRecognitionGraph#LAYERS}
 * and {@link FaceRecognitionGraph#INPUT} can be read back.
 */
final class FaceRecognitionExecutor extends NetExecutor {
    /** Batch sizes kept allocated: up to two full chunks' worth of crops (about 4.4 MB each). */
    static final int MAX_CACHED_CROPS = 2 * FaceDescriptorNet.MAX_BATCH;


    FaceRecognitionExecutor(FaceApiWeights weights) {
        super("FaceRecognitionExecutor", FaceRecognitionGraph.INPUT, FaceDescriptorNet.INPUT_SIZE, MAX_CACHED_CROPS);
        loadWeights(weights);
    }

    @Override
    void build(Plan plan) {
        INDArray x = convLayer(plan, "conv32_down", plan.input, 7, 3, 32, 2, PaddingMode.VALID);
        plan.relu(x);
        plan.name("conv32_down", x);
        int size = FaceRecognitionGraph.validSize(FaceRecognitionGraph.validSize(FaceDescriptorNet.INPUT_SIZE, 7, 2), 3, 2);
        INDArray pooled = plan.allocate(plan.batch, size, size, 32);
        plan.custom(new MaxPooling2D(x, pooled, FaceRecognitionGraph.pooling(3, 2)));
        plan.name("maxpool3x3s2", pooled);
        x = pooled;
        x = residual(plan, "conv32_1", x, 32);
        x = residual(plan, "conv32_2", x, 32);
        x = residual(plan, "conv32_3", x, 32);
        x = residualDown(plan, "conv64_down", x, 32, 64);
        x = residual(plan, "conv64_1", x, 64);
        x = residual(plan, "conv64_2", x, 64);
        x = residual(plan, "conv64_3", x, 64);
        x = residualDown(plan, "conv128_down", x, 64, 128);
        x = residual(plan, "conv128_1", x, 128);
        x = residual(plan, "conv128_2", x, 128);
        x = residualDown(plan, "conv256_down", x, 128, 256);
        x = residual(plan, "conv256_1", x, 256);
        x = residual(plan, "conv256_2", x, 256);
        x = residualDown(plan, "conv256_down_out", x, 256, 256);
        INDArray average = plan.allocate(plan.batch, 256);
        plan.legacy(new Mean(x, average, 1, 2));
        plan.name("global_avg", average);
        INDArray descriptor = plan.allocate(plan.batch, FaceDescriptorNet.DESCRIPTOR_LENGTH);
        plan.custom(new Mmul(average, tensor("fc", 256, FaceDescriptorNet.DESCRIPTOR_LENGTH), descriptor,
                MMulTranspose.allFalse()));
        plan.name(FaceRecognitionGraph.DESCRIPTOR, descriptor);
    }

    /** relu(scale2(conv2(relu(scale1(conv1(x))))) + x), the adds and relus in conv2's output. */
    private INDArray residual(Plan plan, String block, INDArray x, int channels) {
        INDArray out = convLayer(plan, block + "/conv1", x, 3, channels, channels, 1, PaddingMode.SAME, "conv1");
        plan.relu(out);
        out = convLayer(plan, block + "/conv2", out, 3, channels, channels, 1, PaddingMode.SAME);
        plan.custom(new AddOp(out, x, out));
        plan.relu(out);
        plan.name(block, out);
        return out;
    }

    /** As {@code FaceRecognitionGraph.residualDown}: pooled shortcut, zero channels, face-api's pad quirk. */
    private INDArray residualDown(Plan plan, String block, INDArray x, int inChannels, int outChannels) {
        int inSize = (int) x.size(1);
        INDArray out = convLayer(plan, block + "/conv1", x, 3, inChannels, outChannels, 2, PaddingMode.VALID, "conv1");
        plan.relu(out);
        out = convLayer(plan, block + "/conv2", out, 3, outChannels, outChannels, 1, PaddingMode.SAME);
        int pooledSize = FaceRecognitionGraph.validSize(inSize, 2, 2);
        INDArray shortcut = plan.scratch("shortcut", plan.batch, pooledSize, pooledSize, inChannels);
        plan.custom(new AvgPooling2D(x, shortcut, FaceRecognitionGraph.pooling(2, 2)));
        if (outChannels != inChannels) {
            shortcut = zeroPad(plan, shortcut, 0, 0, outChannels - inChannels, "padded shortcut");
        }
        if (pooledSize != out.size(1)) {
            // face-api appends exactly one row and one column, whatever the difference.
            out = zeroPad(plan, out, 1, 1, 0, null);
        }
        plan.custom(new AddOp(out, shortcut, out));
        plan.relu(out);
        plan.name(block, out);
        return out;
    }

    /** conv + bias, {@code * scale}, {@code + shift} (relu is the caller's), all in the conv's output. */
    private INDArray convLayer(Plan plan, String prefix, INDArray x, int kernel, int in, int out, int stride,
                               PaddingMode padding) {
        return convLayer(plan, prefix, x, kernel, in, out, stride, padding, null);
    }

    /** As above, the output in the shared array for {@code scratch} and its shape unless null. */
    private INDArray convLayer(Plan plan, String prefix, INDArray x, int kernel, int in, int out, int stride,
                               PaddingMode padding, String scratch) {
        long inSize = x.size(1);
        long size = padding == PaddingMode.VALID ? (inSize - kernel) / stride + 1 : (inSize + stride - 1) / stride;
        INDArray y = scratch == null ? plan.allocate(plan.batch, size, size, out)
                : plan.scratch(scratch, plan.batch, size, size, out);
        INDArray filters = derived(prefix + "/folded filters", new long[] {kernel, kernel, in, out},
                weights -> foldedFilters(weights, prefix, kernel, in, out));
        INDArray bias = derived(prefix + "/folded bias", new long[] {out}, weights -> foldedBias(weights, prefix, out));
        plan.custom(new Conv2D(x, filters, bias, y, FaceRecognitionGraph.convConfig(kernel, stride, padding)));
        return y;
    }

    /** The conv's filters (HWIO) times the scale of their output channel, one float rounding each. */
    static float[] foldedFilters(FaceApiWeights weights, String prefix, int kernel, int in, int out) {
        float[] filters = weights.get(prefix + "/conv/filters", kernel, kernel, in, out).values();
        float[] scale = weights.get(prefix + "/scale/weights", out).values();
        float[] folded = new float[filters.length];
        for (int i = 0; i < filters.length; i++) {
            folded[i] = filters[i] * scale[i % out];
        }
        return folded;
    }

    /** {@code bias * scale + shift} per output channel, in double, rounded once to float. */
    static float[] foldedBias(FaceApiWeights weights, String prefix, int out) {
        float[] bias = weights.get(prefix + "/conv/bias", out).values();
        float[] scale = weights.get(prefix + "/scale/weights", out).values();
        float[] shift = weights.get(prefix + "/scale/biases", out).values();
        float[] folded = new float[out];
        for (int c = 0; c < out; c++) {
            folded[c] = (float) ((double) bias[c] * scale[c] + shift[c]);
        }
        return folded;
    }

    /** Zeros appended after the data along H, W and C, into a new array. */
    private INDArray zeroPad(Plan plan, INDArray x, int bottom, int right, int channels, String scratch) {
        long[] shape = {plan.batch, x.size(1) + bottom, x.size(2) + right, x.size(3) + channels};
        INDArray padded = scratch == null ? plan.allocate(shape) : plan.scratch(scratch, shape);
        String key = "pad " + bottom + " " + right + " " + channels;
        INDArray paddings = loaded.computeIfAbsent(key, k -> constant(Nd4j.createFromArray(new int[][] {
                {0, 0}, {0, bottom}, {0, right}, {0, channels}})));
        plan.custom(new Pad(x, paddings, padded, PadMode.CONSTANT, 0.0));
        return padded;
    }
}
