package io.biostream.operators.vision;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
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
 * <p>{@link Form#FOLDED_BATCH_NORM} folds each batch norm into its depthwise filters and a bias;
 * {@link Form#REFERENCE} keeps face-api's ops one for one and is what the folded graph is tested
 * against. The detector runs the folded net's ops without SameDiff ({@link SsdMobilenetV1Executor},
 * tested against the folded graph) from the layer list here ({@link #BACKBONE}, {@link #FEATURE_MAPS})
 * and the same weights.
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
    /** The backbone's convolutions in order, each followed by ReLU6; their names are the golden layer dumps'. */
    static final List<Conv> BACKBONE = backbone();
    /** The feature maps the six box predictors read, in predictor order. */
    static final List<FeatureMap> FEATURE_MAPS = List.of(
            new FeatureMap("mobilenet_conv_11_pointwise", 512, 32, 3),
            new FeatureMap("mobilenet_conv_13_pointwise", 1024, 16, 6),
            new FeatureMap("pred_conv_1", 512, 8, 6),
            new FeatureMap("pred_conv_3", 256, 4, 6),
            new FeatureMap("pred_conv_5", 256, 2, 6),
            new FeatureMap("pred_conv_7", 128, 1, 6));
    /** Named activations, in order, matching the golden layer dumps. */
    static final List<String> LAYERS = layerNames();

    /**
     * One convolution of MobileNetV1 or of the extra feature layers ('same' padding, then ReLU6):
     * {@code depthwise} is a 3x3 depthwise conv with a batch norm after it, else a conv with
     * {@code convolution_bn_offset} as its bias; weights under {@code weights} in the manifest.
     */
    record Conv(String name, String weights, boolean depthwise, int kernel, int in, int out, int stride) {
    }

    /**
     * A feature map with its box predictor (index {@code j} in {@link #FEATURE_MAPS}): 1x1 convs to
     * {@code anchorsPerCell * 4} box encodings and {@code anchorsPerCell * 3} class logits per cell.
     */
    record FeatureMap(String layer, int channels, int size, int anchorsPerCell) {
        /** Row-major (y, x, anchor) order, as face-api's reshape of the NHWC conv output. */
        int anchors() {
            return size * size * anchorsPerCell;
        }

        static String predictor(int j, boolean boxes) {
            return "Prediction/BoxPredictor_" + j + (boxes ? "/BoxEncodingPredictor" : "/ClassPredictor");
        }
    }

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

    private static List<Conv> backbone() {
        int[] mobilenetChannels = {64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024};
        List<Conv> convs = new ArrayList<>();
        convs.add(new Conv("mobilenet_conv_0", "MobilenetV1/Conv2d_0_pointwise", false, 3, 3, 32, 2));
        int channels = 32;
        for (int i = 1; i <= 13; i++) {
            int stride = i == 2 || i == 4 || i == 6 || i == 12 ? 2 : 1;
            convs.add(new Conv("mobilenet_conv_" + i + "_depthwise", "MobilenetV1/Conv2d_" + i + "_depthwise", true,
                    3, channels, channels, stride));
            int out = mobilenetChannels[i - 1];
            convs.add(new Conv("mobilenet_conv_" + i + "_pointwise", "MobilenetV1/Conv2d_" + i + "_pointwise", false,
                    1, channels, out, 1));
            channels = out;
        }
        // Extra feature layers: {kernel, in, out, stride}.
        int[][] extra = {{1, 1024, 256, 1}, {3, 256, 512, 2}, {1, 512, 128, 1}, {3, 128, 256, 2},
                {1, 256, 128, 1}, {3, 128, 256, 2}, {1, 256, 64, 1}, {3, 64, 128, 2}};
        for (int k = 0; k < extra.length; k++) {
            convs.add(new Conv("pred_conv_" + k, "Prediction/Conv2d_" + k + "_pointwise", false,
                    extra[k][0], extra[k][1], extra[k][2], extra[k][3]));
        }
        return List.copyOf(convs);
    }

    private static List<String> layerNames() {
        List<String> names = new ArrayList<>();
        BACKBONE.forEach(conv -> names.add(conv.name()));
        names.add(BOX_ENCODINGS);
        names.add(CLASS_LOGITS);
        return List.copyOf(names);
    }

    private SameDiff network() {
        SDVariable x = sd.placeHolder(INPUT, DataType.FLOAT, -1, INPUT_SIZE, INPUT_SIZE, 3);
        Map<String, SDVariable> layers = new HashMap<>();
        for (Conv conv : BACKBONE) {
            x = conv.depthwise() ? depthwiseBatchNormRelu6(conv, x) : convRelu6(conv, x);
            layers.put(conv.name(), x);
        }
        SDVariable[] boxes = new SDVariable[FEATURE_MAPS.size()];
        SDVariable[] classes = new SDVariable[FEATURE_MAPS.size()];
        for (int j = 0; j < FEATURE_MAPS.size(); j++) {
            FeatureMap map = FEATURE_MAPS.get(j);
            SDVariable features = layers.get(map.layer());
            boxes[j] = predictor(FeatureMap.predictor(j, true), features, map.channels(), map.anchorsPerCell() * 4)
                    .reshape(-1, map.anchors(), 4);
            classes[j] = predictor(FeatureMap.predictor(j, false), features, map.channels(), map.anchorsPerCell() * 3)
                    .reshape(-1, map.anchors(), 3);
        }
        sd.concat(BOX_ENCODINGS, 1, boxes);
        sd.concat(CLASS_LOGITS, 1, classes);
        return sd;
    }

    /** depthwise 3x3 'same' → batch norm → ReLU6 (face-api's depthwiseConvLayer). */
    private SDVariable depthwiseBatchNormRelu6(Conv conv, SDVariable x) {
        if (form == Form.FOLDED_BATCH_NORM) {
            INDArray[] folded = foldedDepthwise(weights, conv);
            SDVariable out = sd.cnn.depthWiseConv2d(x, sd.constant(conv.weights() + "/depthwise_weights", folded[0]),
                    sd.constant(conv.weights() + "/folded_bias", folded[1]), convConfig(3, conv.stride()));
            return sd.nn.relu6(conv.name(), out, 0.0);
        }
        String prefix = conv.weights();
        int channels = conv.in();
        SDVariable out = sd.cnn.depthWiseConv2d(x, constant(weights.get(prefix + "/depthwise_weights", 3, 3, channels, 1)),
                convConfig(3, conv.stride()));
        out = sd.nn.batchNorm(out, constant(weights.get(prefix + "/BatchNorm/moving_mean", channels)),
                constant(weights.get(prefix + "/BatchNorm/moving_variance", channels)),
                constant(weights.get(prefix + "/BatchNorm/gamma", channels)),
                constant(weights.get(prefix + "/BatchNorm/beta", channels)), BATCH_NORM_EPSILON, 3);
        return sd.nn.relu6(conv.name(), out, 0.0);
    }

    /** A depthwise conv's filters {@code [3,3,channels,1]} and bias {@code [channels]} with its batch norm folded in. */
    static INDArray[] foldedDepthwise(FaceApiWeights weights, Conv conv) {
        String prefix = conv.weights();
        int channels = conv.in();
        FaceApiWeights.Tensor filters = weights.get(prefix + "/depthwise_weights", 3, 3, channels, 1);
        FoldedDepthwise folded = FoldedDepthwise.of(filters.values(),
                weights.get(prefix + "/BatchNorm/moving_mean", channels).values(),
                weights.get(prefix + "/BatchNorm/moving_variance", channels).values(),
                weights.get(prefix + "/BatchNorm/gamma", channels).values(),
                weights.get(prefix + "/BatchNorm/beta", channels).values(), BATCH_NORM_EPSILON);
        return new INDArray[] {Nd4j.create(folded.filters(), filters.longShape(), 'c'),
                Nd4j.create(folded.bias(), new long[] {channels}, 'c')};
    }

    /** A conv's filters {@code [k,k,in,out]} (YXIO) and its {@code convolution_bn_offset} bias. */
    static INDArray[] convWeights(FaceApiWeights weights, Conv conv) {
        return new INDArray[] {array(weights.get(conv.weights() + "/weights", conv.kernel(), conv.kernel(), conv.in(), conv.out())),
                array(weights.get(conv.weights() + "/convolution_bn_offset", conv.out()))};
    }

    /** A box predictor's 1x1 filters {@code [1,1,in,out]} and biases. */
    static INDArray[] predictorWeights(FaceApiWeights weights, String prefix, int in, int out) {
        return new INDArray[] {array(weights.get(prefix + "/weights", 1, 1, in, out)), array(weights.get(prefix + "/biases", out))};
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
    private SDVariable convRelu6(Conv conv, SDVariable x) {
        INDArray[] w = convWeights(weights, conv);
        SDVariable filters = sd.constant(conv.weights() + "/weights", w[0]);
        SDVariable offset = sd.constant(conv.weights() + "/convolution_bn_offset", w[1]);
        return sd.nn.relu6(conv.name(), sd.cnn.conv2d(x, filters, offset, convConfig(conv.kernel(), conv.stride())), 0.0);
    }

    /** 1x1 conv + biases, no activation. */
    private SDVariable predictor(String prefix, SDVariable x, int in, int out) {
        INDArray[] w = predictorWeights(weights, prefix, in, out);
        return sd.cnn.conv2d(x, sd.constant(prefix + "/weights", w[0]), sd.constant(prefix + "/biases", w[1]),
                convConfig(1, 1));
    }

    /** NHWC, YXIO filters, TF 'same' padding: the config of every conv of the net. */
    static Conv2DConfig convConfig(int kernel, int stride) {
        return Conv2DConfig.builder()
                .kH(kernel).kW(kernel).sH(stride).sW(stride)
                .paddingMode(PaddingMode.SAME)
                .dataFormat(Conv2DConfig.NHWC)
                .weightsFormat(WeightsFormat.YXIO)
                .build();
    }

    private SDVariable constant(FaceApiWeights.Tensor tensor) {
        return sd.constant(tensor.name(), array(tensor));
    }

    private static INDArray array(FaceApiWeights.Tensor tensor) {
        return Nd4j.create(tensor.values(), tensor.longShape(), 'c');
    }
}
