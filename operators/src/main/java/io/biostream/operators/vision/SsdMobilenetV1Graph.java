package io.biostream.operators.vision;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.factory.Nd4j;

/**
 * face-api's SsdMobilenetv1 up to the raw predictor outputs, as an ND4J SameDiff graph in NHWC
 * with the TF filter layouts of the manifest: MobileNetV1 (depthwise 3x3 + batch norm + ReLU6,
 * pointwise 1x1 + offset + ReLU6), the extra feature layers and the six box predictors. Anchor
 * decoding, scores and NMS are plain Java ({@link SsdBoxDecoder}, {@link NonMaxSuppression})
 * with face-api's float32 and double arithmetic.
 *
 * <p>Convolutions use TF 'same' padding: for stride 2 on even sizes that is 0 rows/columns
 * before and 1 after, which libnd4j's SAME mode reproduces (checked layer by layer against the
 * golden activations).
 *
 * <p>The detector runs the graph with each batch norm folded into its depthwise filters and a
 * bias ({@link Form#FOLDED_BATCH_NORM}); {@link Form#REFERENCE} keeps face-api's ops one for one
 * and is what the folded graph is tested against.
 */
final class SsdMobilenetV1Graph {
    static final int INPUT_SIZE = 512;
    /** Placeholder: {@code [batch,512,512,3]}, already normalised ({@code x/127.5 - 1}). */
    static final String INPUT = "normalized_m1_1";
    /** {@code [batch,5118,4]}: {@code [ty,tx,th,tw]} per anchor. */
    static final String BOX_ENCODINGS = "box_encodings_raw";
    /** {@code [batch,5118,3]}: class logits per anchor (index 1 is "face"). */
    static final String CLASS_LOGITS = "class_logits_raw";
    static final int ANCHORS = 5118;
    /** tf.batchNorm's epsilon in face-api (the float32 nearest to 0.001, as a double). */
    private static final double BATCH_NORM_EPSILON = 0.0010000000474974513;
    private static final int[] MOBILENET_CHANNELS = {64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024};
    /** Named activations, in order, matching the golden layer dumps. */
    static final List<String> LAYERS = layerNames();

    /**
     * The reference graph has face-api's ops one for one (depthwise conv, then batch norm); the
     * fast one folds each batch norm into its depthwise filters and a bias at build time (13 ops
     * and a pass over their activations fewer per call). Both NHWC: NCHW measured 1.3-2.2x slower
     * on this oneDNN build (docs/benchmarks.md, "SSD detector").
     */
    enum Form { REFERENCE, FOLDED_BATCH_NORM }

    private final SameDiff sd = SameDiff.create();
    private final FaceApiWeights weights;
    private final Form form;

    private SsdMobilenetV1Graph(FaceApiWeights weights, Form form) {
        this.weights = weights;
        this.form = form;
    }

    /** The graph the detector runs: batch norm folded. */
    static SameDiff build(FaceApiWeights weights) {
        return build(weights, Form.FOLDED_BATCH_NORM);
    }

    static SameDiff build(FaceApiWeights weights, Form form) {
        return new SsdMobilenetV1Graph(weights, form).network();
    }

    private static List<String> layerNames() {
        List<String> names = new ArrayList<>();
        names.add("mobilenet_conv_0");
        for (int i = 1; i <= 13; i++) {
            names.add("mobilenet_conv_" + i + "_depthwise");
            names.add("mobilenet_conv_" + i + "_pointwise");
        }
        for (int k = 0; k <= 7; k++) {
            names.add("pred_conv_" + k);
        }
        names.add(BOX_ENCODINGS);
        names.add(CLASS_LOGITS);
        return List.copyOf(names);
    }

    private SameDiff network() {
        SDVariable x = sd.placeHolder(INPUT, DataType.FLOAT, -1, INPUT_SIZE, INPUT_SIZE, 3);
        x = convRelu6("mobilenet_conv_0", "MobilenetV1/Conv2d_0_pointwise", x, 3, 3, 32, 2);
        int channels = 32;
        SDVariable conv11 = null;
        for (int i = 1; i <= 13; i++) {
            int stride = i == 2 || i == 4 || i == 6 || i == 12 ? 2 : 1;
            x = depthwiseBatchNormRelu6(i, x, channels, stride);
            int out = MOBILENET_CHANNELS[i - 1];
            x = convRelu6("mobilenet_conv_" + i + "_pointwise", "MobilenetV1/Conv2d_" + i + "_pointwise",
                    x, 1, channels, out, 1);
            channels = out;
            if (i == 11) {
                conv11 = x;
            }
        }
        SDVariable conv13 = x;
        // Extra feature layers: {kernel, in, out, stride}.
        int[][] extra = {{1, 1024, 256, 1}, {3, 256, 512, 2}, {1, 512, 128, 1}, {3, 128, 256, 2},
                {1, 256, 128, 1}, {3, 128, 256, 2}, {1, 256, 64, 1}, {3, 64, 128, 2}};
        SDVariable[] pred = new SDVariable[extra.length];
        SDVariable y = conv13;
        for (int k = 0; k < extra.length; k++) {
            y = convRelu6("pred_conv_" + k, "Prediction/Conv2d_" + k + "_pointwise", y,
                    extra[k][0], extra[k][1], extra[k][2], extra[k][3]);
            pred[k] = y;
        }
        SDVariable[] features = {conv11, conv13, pred[1], pred[3], pred[5], pred[7]};
        int[] featureChannels = {512, 1024, 512, 256, 256, 128};
        int[] featureSizes = {32, 16, 8, 4, 2, 1};
        int[] anchorsPerCell = {3, 6, 6, 6, 6, 6};
        SDVariable[] boxes = new SDVariable[features.length];
        SDVariable[] classes = new SDVariable[features.length];
        for (int j = 0; j < features.length; j++) {
            String prefix = "Prediction/BoxPredictor_" + j;
            // Row-major (y, x, anchor) order, as face-api's reshape of the NHWC conv output.
            long anchors = (long) featureSizes[j] * featureSizes[j] * anchorsPerCell[j];
            boxes[j] = predictor(prefix + "/BoxEncodingPredictor", features[j], featureChannels[j],
                    anchorsPerCell[j] * 4).reshape(-1, anchors, 4);
            classes[j] = predictor(prefix + "/ClassPredictor", features[j], featureChannels[j],
                    anchorsPerCell[j] * 3).reshape(-1, anchors, 3);
        }
        sd.concat(BOX_ENCODINGS, 1, boxes);
        sd.concat(CLASS_LOGITS, 1, classes);
        return sd;
    }

    /** depthwise 3x3 'same' → batch norm → ReLU6 (face-api's depthwiseConvLayer). */
    private SDVariable depthwiseBatchNormRelu6(int layer, SDVariable x, int channels, int stride) {
        String prefix = "MobilenetV1/Conv2d_" + layer + "_depthwise";
        String name = "mobilenet_conv_" + layer + "_depthwise";
        FaceApiWeights.Tensor filters = weights.get(prefix + "/depthwise_weights", 3, 3, channels, 1);
        FaceApiWeights.Tensor mean = weights.get(prefix + "/BatchNorm/moving_mean", channels);
        FaceApiWeights.Tensor variance = weights.get(prefix + "/BatchNorm/moving_variance", channels);
        FaceApiWeights.Tensor gamma = weights.get(prefix + "/BatchNorm/gamma", channels);
        FaceApiWeights.Tensor beta = weights.get(prefix + "/BatchNorm/beta", channels);
        if (form == Form.FOLDED_BATCH_NORM) {
            FoldedDepthwise folded = FoldedDepthwise.of(filters.values(), mean.values(), variance.values(),
                    gamma.values(), beta.values(), BATCH_NORM_EPSILON);
            SDVariable out = sd.cnn.depthWiseConv2d(x,
                    sd.constant(filters.name(), Nd4j.create(folded.filters(), filters.longShape(), 'c')),
                    sd.constant(prefix + "/folded_bias", Nd4j.create(folded.bias(), new long[] {channels}, 'c')),
                    convConfig(3, stride));
            return sd.nn.relu6(name, out, 0.0);
        }
        SDVariable out = sd.cnn.depthWiseConv2d(x, constant(filters), convConfig(3, stride));
        out = sd.nn.batchNorm(out, constant(mean), constant(variance), constant(gamma), constant(beta),
                BATCH_NORM_EPSILON, 3);
        return sd.nn.relu6(name, out, 0.0);
    }

    /**
     * A depthwise filter with the inference batch norm after it folded in: per channel c,
     * {@code scale = gamma / sqrt(variance + eps)}, filters times scale and
     * {@code bias = beta - mean * scale}; computed in double, rounded once to float.
     */
    record FoldedDepthwise(float[] filters, float[] bias) {
        /** {@code filters} is {@code [kH,kW,channels,1]} row-major: channel is the fastest index. */
        static FoldedDepthwise of(float[] filters, float[] mean, float[] variance, float[] gamma, float[] beta,
                                  double epsilon) {
            int channels = mean.length;
            double[] scale = new double[channels];
            float[] bias = new float[channels];
            for (int c = 0; c < channels; c++) {
                scale[c] = gamma[c] / Math.sqrt(variance[c] + epsilon);
                bias[c] = (float) (beta[c] - mean[c] * scale[c]);
            }
            float[] folded = new float[filters.length];
            for (int i = 0; i < filters.length; i++) {
                folded[i] = (float) (filters[i] * scale[i % channels]);
            }
            return new FoldedDepthwise(folded, bias);
        }
    }

    /** conv 'same' + convolution_bn_offset → ReLU6 (face-api's pointwiseConvLayer, any kernel). */
    private SDVariable convRelu6(String name, String prefix, SDVariable x, int kernel, int in, int out, int stride) {
        SDVariable filters = constant(weights.get(prefix + "/weights", kernel, kernel, in, out));
        SDVariable offset = constant(weights.get(prefix + "/convolution_bn_offset", out));
        return sd.nn.relu6(name, sd.cnn.conv2d(x, filters, offset, convConfig(kernel, stride)), 0.0);
    }

    /** 1x1 conv + biases, no activation. */
    private SDVariable predictor(String prefix, SDVariable x, int in, int out) {
        SDVariable filters = constant(weights.get(prefix + "/weights", 1, 1, in, out));
        SDVariable biases = constant(weights.get(prefix + "/biases", out));
        return sd.cnn.conv2d(x, filters, biases, convConfig(1, 1));
    }

    private static Conv2DConfig convConfig(int kernel, int stride) {
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
