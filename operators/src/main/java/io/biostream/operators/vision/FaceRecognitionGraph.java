package io.biostream.operators.vision;

import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.enums.PadMode;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.factory.Nd4j;

/**
 * face-api's FaceRecognitionNet (a dlib ResNet-29 variant) as an ND4J SameDiff graph in NHWC with
 * the TF filter layout {@code [kh,kw,in,out]}, so the manifest tensors go in untouched and every
 * activation lines up with the goldens. Ops follow face-api one for one (conv, + bias, * scale,
 * + shift, relu); folding the scale layer into the conv would be equal in exact arithmetic but
 * changes float rounding.
 */
final class FaceRecognitionGraph {
    /** Placeholder: {@code [batch,150,150,3]}, already normalised ((x - mean) / 255). */
    static final String INPUT = "normalized";
    static final String DESCRIPTOR = "fc_descriptor";
    /** Named activations, in order, matching the golden layer dumps. */
    static final List<String> LAYERS = List.of("conv32_down", "maxpool3x3s2", "conv32_1", "conv32_2",
            "conv32_3", "conv64_down", "conv64_1", "conv64_2", "conv64_3", "conv128_down", "conv128_1",
            "conv128_2", "conv256_down", "conv256_1", "conv256_2", "conv256_down_out", "global_avg",
            DESCRIPTOR);

    private final SameDiff sd = SameDiff.create();
    private final FaceApiWeights weights;

    private FaceRecognitionGraph(FaceApiWeights weights) {
        this.weights = weights;
    }

    static SameDiff build(FaceApiWeights weights) {
        return new FaceRecognitionGraph(weights).network();
    }

    private SameDiff network() {
        SDVariable x = sd.placeHolder(INPUT, DataType.FLOAT, -1, FaceDescriptorNet.INPUT_SIZE,
                FaceDescriptorNet.INPUT_SIZE, 3);
        x = relu("conv32_down", convLayer("conv32_down", x, 7, 3, 32, 2, PaddingMode.VALID));
        x = sd.cnn.maxPooling2d("maxpool3x3s2", x, pooling(3, 2));
        int size = validSize(validSize(FaceDescriptorNet.INPUT_SIZE, 7, 2), 3, 2); // 150 -> 72 -> 35
        x = residual("conv32_1", x, 32);
        x = residual("conv32_2", x, 32);
        x = residual("conv32_3", x, 32);
        x = residualDown("conv64_down", x, size, 32, 64);
        size = validSize(size, 2, 2);
        x = residual("conv64_1", x, 64);
        x = residual("conv64_2", x, 64);
        x = residual("conv64_3", x, 64);
        x = residualDown("conv128_down", x, size, 64, 128);
        size = validSize(size, 2, 2);
        x = residual("conv128_1", x, 128);
        x = residual("conv128_2", x, 128);
        x = residualDown("conv256_down", x, size, 128, 256);
        size = validSize(size, 2, 2);
        x = residual("conv256_1", x, 256);
        x = residual("conv256_2", x, 256);
        x = residualDown("conv256_down_out", x, size, 256, 256);
        x = sd.mean("global_avg", x, 1, 2);
        // matMul without bias and without L2 normalisation, as face-api does.
        sd.mmul(DESCRIPTOR, x, constant(weights.get("fc", 256, FaceDescriptorNet.DESCRIPTOR_LENGTH)));
        return sd;
    }

    /** relu(scale2(conv2(relu(scale1(conv1(x))))) + x), both 3x3 stride 1 'same'. */
    private SDVariable residual(String block, SDVariable x, int channels) {
        SDVariable out = relu(null, convLayer(block + "/conv1", x, 3, channels, channels, 1, PaddingMode.SAME));
        out = convLayer(block + "/conv2", out, 3, channels, channels, 1, PaddingMode.SAME);
        return relu(block, out.add(x));
    }

    /**
     * conv1 is 3x3 stride 2 'valid'; the shortcut is a 2x2 stride 2 average pool of x with zero
     * channels appended when the width grows, and when the pooled map is one larger than the
     * main branch (8→3 vs 4, 4→1 vs 2), the main branch gets one zero row at the bottom and one
     * zero column at the right (face-api's quirk).
     */
    private SDVariable residualDown(String block, SDVariable x, int inSize, int inChannels, int outChannels) {
        SDVariable out = relu(null, convLayer(block + "/conv1", x, 3, inChannels, outChannels, 2, PaddingMode.VALID));
        out = convLayer(block + "/conv2", out, 3, outChannels, outChannels, 1, PaddingMode.SAME);
        SDVariable shortcut = sd.cnn.avgPooling2d(x, pooling(2, 2));
        if (outChannels != inChannels) {
            shortcut = zeroPad(shortcut, 0, 0, outChannels - inChannels);
        }
        int missing = validSize(inSize, 2, 2) - validSize(inSize, 3, 2);
        if (missing != 0) {
            // face-api appends exactly one row and one column, whatever the difference.
            out = zeroPad(out, 1, 1, 0);
        }
        return relu(block, out.add(shortcut));
    }

    /** Output size of a 'valid' convolution or pooling. */
    static int validSize(int in, int kernel, int stride) {
        return (in - kernel) / stride + 1;
    }

    private SDVariable relu(String name, SDVariable x) {
        return sd.nn.relu(name, x, 0.0);
    }

    /** conv + bias, then the per-channel affine "scale" layer (relu is the caller's). */
    private SDVariable convLayer(String prefix, SDVariable x, int kernel, int in, int out,
                                 int stride, PaddingMode padding) {
        SDVariable filters = constant(weights.get(prefix + "/conv/filters", kernel, kernel, in, out));
        SDVariable bias = constant(weights.get(prefix + "/conv/bias", out));
        SDVariable y = sd.cnn.conv2d(x, filters, bias, convConfig(kernel, stride, padding));
        return y.mul(constant(weights.get(prefix + "/scale/weights", out)))
                .add(constant(weights.get(prefix + "/scale/biases", out)));
    }

    /** NHWC, TF filter layout {@code [kh,kw,in,out]}. */
    static Conv2DConfig convConfig(int kernel, int stride, PaddingMode padding) {
        return Conv2DConfig.builder()
                .kH(kernel).kW(kernel).sH(stride).sW(stride)
                .paddingMode(padding)
                .dataFormat(Conv2DConfig.NHWC)
                .weightsFormat(WeightsFormat.YXIO)
                .build();
    }

    static Pooling2DConfig pooling(int kernel, int stride) {
        return Pooling2DConfig.builder()
                .kH(kernel).kW(kernel).sH(stride).sW(stride)
                .paddingMode(PaddingMode.VALID)
                .isNHWC(true)
                .build();
    }

    /** Appends zeros after the data along H, W and C of an NHWC tensor. */
    private SDVariable zeroPad(SDVariable x, int bottom, int right, int channels) {
        SDVariable paddings = sd.constant(Nd4j.createFromArray(new int[][] {
                {0, 0}, {0, bottom}, {0, right}, {0, channels}}));
        return sd.nn.pad(x, paddings, PadMode.CONSTANT, 0.0);
    }

    private SDVariable constant(FaceApiWeights.Tensor tensor) {
        return sd.constant(tensor.name(), Nd4j.create(tensor.values(), tensor.longShape(), 'c'));
    }
}
