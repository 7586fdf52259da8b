package io.biostream.operators.vision;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.factory.Nd4j;

/**
 * face-api's FaceLandmark68Net and FaceLandmark68TinyNet as ND4J SameDiff graphs in NHWC with the
 * TF filter layouts as stored ({@code [kh,kw,in,out]}, depthwise {@code [kh,kw,in,1]}). Every op
 * follows face-api one for one, additions in face-api's order ({@code out1 + (out2 + (out3 +
 * out4))}), because float addition is not associative and the goldens are float32-exact.
 */
final class FaceLandmarkGraph {
    /** Placeholder: {@code [batch,112,112,3]}, already normalised ((x - mean) / 255). */
    static final String INPUT = "normalized";
    /** The 136 fc outputs, interleaved x0,y0,...,x67,y67, relative to the 112x112 input. */
    static final String RAW = "fc_raw";
    static final int POINTS = 68;
    static final int OUTPUTS = 2 * POINTS;

    private final SameDiff sd = SameDiff.create();
    private final FaceApiWeights weights;

    private FaceLandmarkGraph(FaceApiWeights weights) {
        this.weights = weights;
    }

    static SameDiff build(FaceApiWeights weights, FaceLandmarkNet.Variant variant) {
        return new FaceLandmarkGraph(weights).network(variant);
    }

    /**
     * Named activations in order, matching the golden layer dumps of the full net
     * ({@code denseN_out1}, {@code denseN}, the pool, {@link #RAW}).
     */
    static List<String> layers(FaceLandmarkNet.Variant variant) {
        List<String> names = new ArrayList<>();
        for (int block = 0; block < variant.blocks(); block++) {
            names.add("dense" + block + "_out1");
            names.add("dense" + block);
        }
        names.add(poolName(variant));
        names.add(RAW);
        return names;
    }

    private SameDiff network(FaceLandmarkNet.Variant variant) {
        int size = FaceLandmarkNet.INPUT_SIZE;
        SDVariable x = sd.placeHolder(INPUT, DataType.FLOAT, -1, size, size, 3);
        int channelsIn = 3;
        int channels = 32;
        for (int block = 0; block < variant.blocks(); block++) {
            x = denseBlock("dense" + block, x, channelsIn, channels, variant.convsPerBlock(), block == 0);
            size = (size + 1) / 2; // stride 2 'same'
            channelsIn = channels;
            channels *= 2;
        }
        // 'valid' pool of the whole map: 7x7 (full) or 14x14 (tiny), stride 2 -> 1x1.
        x = sd.cnn.avgPooling2d(poolName(variant), x, poolConfig(size));
        x = sd.reshape(x, sd.constant(Nd4j.createFromArray(-1L, channelsIn)));
        SDVariable fc = sd.mmul(x, constant(weights.get("fc/weights", channelsIn, OUTPUTS)));
        fc.add(RAW, constant(weights.get("fc/bias", OUTPUTS)));
        return sd;
    }

    /** 'valid' pool of the whole {@code size x size} map, stride 2 -> 1x1. */
    static Pooling2DConfig poolConfig(int size) {
        return Pooling2DConfig.builder()
                .kH(size).kW(size).sH(2).sW(2)
                .paddingMode(PaddingMode.VALID)
                .isNHWC(true)
                .build();
    }

    static String poolName(FaceLandmarkNet.Variant variant) {
        int size = FaceLandmarkNet.INPUT_SIZE >> variant.blocks();
        return "avgpool" + size + "x" + size + "s2";
    }

    /**
     * denseBlock4 (or denseBlock3 with three convs): {@code out1 = relu(conv0_s2(x))},
     * {@code out_k = sep(relu(out1 + (out2 + (... + out_{k-1}))))}, result = the relu of the full
     * right-nested sum. The first block's conv0 is a full 3x3 conv, the others' separable.
     */
    private SDVariable denseBlock(String block, SDVariable x, int in, int out, int convs, boolean first) {
        SDVariable conv0 = first
                ? conv(block + "/conv0", x, in, out)
                : separable(block + "/conv0", x, in, out, 2);
        SDVariable out1 = sd.nn.relu(block + "_out1", conv0, 0.0);
        List<SDVariable> outs = new ArrayList<>();
        outs.add(out1);
        for (int c = 1; c < convs; c++) {
            SDVariable input = c == 1 ? out1 : sd.nn.relu(nestedSum(outs), 0.0);
            outs.add(separable(block + "/conv" + c, input, out, out, 1));
        }
        return sd.nn.relu(block, nestedSum(outs), 0.0);
    }

    /** {@code a + (b + (c + d))}: face-api's order. */
    private static SDVariable nestedSum(List<SDVariable> terms) {
        SDVariable sum = terms.get(terms.size() - 1);
        for (int i = terms.size() - 2; i >= 0; i--) {
            sum = terms.get(i).add(sum);
        }
        return sum;
    }

    /** Full 3x3 conv, stride 2 'same' (TF: the odd padding row/column goes bottom/right), + bias. */
    private SDVariable conv(String prefix, SDVariable x, int in, int out) {
        SDVariable filters = constant(weights.get(prefix + "/filters", 3, 3, in, out));
        SDVariable bias = constant(weights.get(prefix + "/bias", out));
        return sd.cnn.conv2d(x, filters, bias, config(3, 2));
    }

    /** tf.separableConv2d (depthwise 3x3 'same', then pointwise 1x1) + bias, no activation. */
    private SDVariable separable(String prefix, SDVariable x, int in, int out, int stride) {
        SDVariable depthwise = constant(weights.get(prefix + "/depthwise_filter", 3, 3, in, 1));
        SDVariable pointwise = constant(weights.get(prefix + "/pointwise_filter", 1, 1, in, out));
        SDVariable bias = constant(weights.get(prefix + "/bias", out));
        SDVariable y = sd.cnn.depthWiseConv2d(x, depthwise, config(3, stride));
        return sd.cnn.conv2d(y, pointwise, bias, config(1, 1));
    }

    static Conv2DConfig config(int kernel, int stride) {
        return Conv2DConfig.builder()
                .kH(kernel).kW(kernel).sH(stride).sW(stride)
                .paddingMode(PaddingMode.SAME)
                .dataFormat(Conv2DConfig.NHWC)
                .weightsFormat(WeightsFormat.YXIO)
                .build();
    }

    private SDVariable constant(FaceApiWeights.Tensor tensor) {
        return sd.constant(tensor.name(), Nd4j.create(tensor.values(), tensor.longShape(), 'c'));
    }
}
