package io.biostream.operators.vision;

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
 * face-api's TinyFaceDetector net (a tiny-YOLOv2 with depthwise separable convolutions) as an
 * ND4J SameDiff graph in NHWC with the manifest's TF filter layouts. Up to the raw
 * {@code [batch, cells, cells, 5 anchors x 5]} output; the box decoding is
 * {@link TinyYoloDecoder}.
 *
 * <p>conv0 is a 'valid' 3x3 conv (416→414); conv1..conv5 are face-api's explicit 1-pixel zero
 * pad + 'valid' separable conv, which equals a stride-1 'same' conv; max pools are 2x2 TF
 * 'same', which pads only at the bottom/right (libnd4j's SAME does the same, and max pooling
 * ignores the pad).
 */
final class TinyFaceDetectorGraph {
    /** Placeholder: {@code [batch,size,size,3]}, already normalised ((x - mean) / 255). */
    static final String INPUT = "normalized";
    static final String OUTPUT = "conv8_raw_output";
    static final int ANCHORS = 5;
    /** Per anchor: tx, ty, tw, th, objectness. */
    static final int BOX_ENCODING = 5;
    /** face-api's leaky slope: the float32 nearest to 0.1. */
    private static final double LEAKY_SLOPE = 0.1f;
    private static final int[] CHANNELS = {16, 32, 64, 128, 256, 512};
    /** Named activations, in order, matching the golden layer dumps. */
    static final List<String> LAYERS = List.of("conv0", "maxpool0", "conv1", "maxpool1", "conv2", "maxpool2",
            "conv3", "maxpool3", "conv4", "maxpool4", "conv5", "maxpool5_s1", OUTPUT);

    private final SameDiff sd = SameDiff.create();
    private final FaceApiWeights weights;

    private TinyFaceDetectorGraph(FaceApiWeights weights) {
        this.weights = weights;
    }

    /** The net for square inputs of {@code inputSize} (a multiple of 32). */
    static SameDiff build(FaceApiWeights weights, int inputSize) {
        return new TinyFaceDetectorGraph(weights).network(inputSize);
    }

    private SameDiff network(int inputSize) {
        SDVariable x = sd.placeHolder(INPUT, DataType.FLOAT, -1, inputSize, inputSize, 3);
        SDVariable filters = constant(weights.get("conv0/filters", 3, 3, 3, CHANNELS[0]));
        SDVariable bias = constant(weights.get("conv0/bias", CHANNELS[0]));
        x = leaky("conv0", sd.cnn.conv2d(x, filters, bias, convConfig(3, PaddingMode.VALID)));
        x = sd.cnn.maxPooling2d("maxpool0", x, maxPool(2));
        for (int i = 1; i <= 5; i++) {
            x = separableConv("conv" + i, x, CHANNELS[i - 1], CHANNELS[i]);
            // The last pool has stride 1 and keeps the 13x13 grid (pads one row/column after).
            x = sd.cnn.maxPooling2d(i < 5 ? "maxpool" + i : "maxpool5_s1", x, maxPool(i < 5 ? 2 : 1));
        }
        int out = ANCHORS * BOX_ENCODING;
        sd.cnn.conv2d(OUTPUT, x, constant(weights.get("conv8/filters", 1, 1, CHANNELS[5], out)),
                constant(weights.get("conv8/bias", out)), convConfig(1, PaddingMode.VALID));
        return sd;
    }

    /** depthwise 3x3 + pointwise 1x1 + bias, leaky; zero padding 1 on every side. */
    private SDVariable separableConv(String name, SDVariable x, int in, int out) {
        SDVariable depthwise = constant(weights.get(name + "/depthwise_filter", 3, 3, in, 1));
        SDVariable pointwise = constant(weights.get(name + "/pointwise_filter", 1, 1, in, out));
        SDVariable bias = constant(weights.get(name + "/bias", out));
        SDVariable y = sd.cnn.depthWiseConv2d(x, depthwise, convConfig(3, PaddingMode.SAME));
        return leaky(name, sd.cnn.conv2d(y, pointwise, bias, convConfig(1, PaddingMode.VALID)));
    }

    /** face-api's leaky ReLU, evaluated as it does: {@code relu(x - 0.1x) + 0.1x}. */
    private SDVariable leaky(String name, SDVariable x) {
        SDVariable min = x.mul(LEAKY_SLOPE);
        return sd.nn.relu(x.sub(min), 0.0).add(name, min);
    }

    private static Conv2DConfig convConfig(int kernel, PaddingMode padding) {
        return Conv2DConfig.builder()
                .kH(kernel).kW(kernel).sH(1).sW(1)
                .paddingMode(padding)
                .dataFormat(Conv2DConfig.NHWC)
                .weightsFormat(WeightsFormat.YXIO)
                .build();
    }

    private static Pooling2DConfig maxPool(int stride) {
        return Pooling2DConfig.builder()
                .kH(2).kW(2).sH(stride).sW(stride)
                .paddingMode(PaddingMode.SAME)
                .isNHWC(true)
                .build();
    }

    private SDVariable constant(FaceApiWeights.Tensor tensor) {
        return sd.constant(tensor.name(), Nd4j.create(tensor.values(), tensor.longShape(), 'c'));
    }
}
