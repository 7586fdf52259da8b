package io.biostream.operators.vision;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.DepthwiseConv2D;
import org.nd4j.linalg.api.ops.impl.scalar.Relu6;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The SSD net of {@link SsdMobilenetV1Graph} (batch norm folded) run op by op on libnd4j without
 * SameDiff: the same conv2d and depthwise_conv2d ops with the same weights and configs, in the
 * same order, but no per-call session (op set-up, shape inference, dependency tracking: about
 * 20 ms of an 83 ms pass, docs/benchmarks.md "SSD detector"). Every activation has an array
 * allocated once per batch size and reused by every call; ReLU6 runs in place on the conv's
 * output; the twelve predictor outputs are copied into the {@code [batch,5118,4]} box encodings
 * and {@code [batch,5118,3]} class logits.
 *
 * <p>Not thread-safe: one caller at a time (the detector serialises its calls). A call with
 * another batch size than the last frees the old arrays and allocates new ones, so memory is
 * that of one batch size (about 110 MB of activations per image: all 35 are kept, for
 * {@link #values} and the layer-by-layer golden tests).
 */
final class SsdMobilenetV1Executor implements AutoCloseable {
    private static final int SIZE = SsdMobilenetV1Graph.INPUT_SIZE;

    /** One backbone conv's weights, bias and output size. */
    private record Layer(SsdMobilenetV1Graph.Conv conv, INDArray filters, INDArray bias, int outputSize) {
    }

    private final List<Layer> layers = new ArrayList<>();
    /** Per feature map j: box filters and biases at [2j], class ones at [2j+1]. */
    private final List<INDArray[]> predictors = new ArrayList<>();
    private Buffers buffers;
    private boolean closed;

    SsdMobilenetV1Executor(FaceApiWeights weights) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            loadWeights(weights);
        }
    }

    private void loadWeights(FaceApiWeights weights) {
        int size = SIZE;
        for (SsdMobilenetV1Graph.Conv conv : SsdMobilenetV1Graph.BACKBONE) {
            INDArray[] w = conv.depthwise() ? SsdMobilenetV1Graph.foldedDepthwise(weights, conv)
                    : SsdMobilenetV1Graph.convWeights(weights, conv);
            // TF 'same': ceil(size / stride).
            size = (size + conv.stride() - 1) / conv.stride();
            layers.add(new Layer(conv, w[0], w[1], size));
        }
        for (int j = 0; j < SsdMobilenetV1Graph.FEATURE_MAPS.size(); j++) {
            SsdMobilenetV1Graph.FeatureMap map = SsdMobilenetV1Graph.FEATURE_MAPS.get(j);
            predictors.add(SsdMobilenetV1Graph.predictorWeights(weights, SsdMobilenetV1Graph.FeatureMap.predictor(j, true),
                    map.channels(), map.anchorsPerCell() * 4));
            predictors.add(SsdMobilenetV1Graph.predictorWeights(weights, SsdMobilenetV1Graph.FeatureMap.predictor(j, false),
                    map.channels(), map.anchorsPerCell() * 3));
        }
    }

    /**
     * Runs the net on {@code batch} inputs, {@code input} holding them NHWC row-major, already
     * scaled to -1..1 ({@code [batch,512,512,3]}). Read the outputs with {@link #values} before
     * the next call: they live in the reused arrays.
     */
    void run(float[] input, int batch) {
        if (closed) {
            throw new IllegalStateException("SsdMobilenetV1Executor is closed");
        }
        if (batch < 1 || input.length != batch * SIZE * SIZE * 3) {
            throw new IllegalArgumentException(input.length + " input values for a batch of " + batch);
        }
        if (buffers == null || buffers.batch != batch) {
            if (buffers != null) {
                buffers.close();
                buffers = null;
            }
            // Outside any workspace the caller may have open: these arrays outlive the call.
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                buffers = new Buffers(batch);
            }
        }
        buffers.run(input);
    }

    /**
     * A copy of an array of the last call, flattened row-major: {@link SsdMobilenetV1Graph#INPUT},
     * any name of {@link SsdMobilenetV1Graph#LAYERS}, or the two raw outputs.
     */
    float[] values(String name) {
        if (buffers == null) {
            throw new IllegalStateException("nothing run yet");
        }
        INDArray array = buffers.named.get(name);
        if (array == null) {
            throw new IllegalArgumentException("no array named " + name);
        }
        return array.data().asFloat();
    }

    /** The batch size the arrays are allocated for now; 0 before the first call. */
    int allocatedBatch() {
        return buffers == null ? 0 : buffers.batch;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (buffers != null) {
            buffers.close();
            buffers = null;
        }
        for (Layer layer : layers) {
            layer.filters().close();
            layer.bias().close();
        }
        for (INDArray[] predictor : predictors) {
            predictor[0].close();
            predictor[1].close();
        }
    }

    /** The arrays and ops of one batch size: the ops hold their input and output arrays. */
    private final class Buffers {
        final int batch;
        final INDArray input;
        final Map<String, INDArray> named = new LinkedHashMap<>();
        final List<INDArray> owned = new ArrayList<>();
        final List<CustomOp> convs = new ArrayList<>();
        final List<Relu6> relu6 = new ArrayList<>();
        final List<CustomOp> heads = new ArrayList<>();
        /** Pairs (destination slice of the concatenated output, the head's output reshaped to it). */
        final List<INDArray[]> copies = new ArrayList<>();

        Buffers(int batch) {
            this.batch = batch;
            input = allocate(batch, SIZE, SIZE, 3);
            named.put(SsdMobilenetV1Graph.INPUT, input);
            INDArray x = input;
            for (Layer layer : layers) {
                SsdMobilenetV1Graph.Conv conv = layer.conv();
                INDArray out = allocate(batch, layer.outputSize(), layer.outputSize(), conv.out());
                var config = SsdMobilenetV1Graph.convConfig(conv.kernel(), conv.stride());
                convs.add(conv.depthwise() ? new DepthwiseConv2D(x, layer.filters(), layer.bias(), out, config)
                        : new Conv2D(x, layer.filters(), layer.bias(), out, config));
                relu6.add(new Relu6(out, out, 0.0));
                named.put(conv.name(), out);
                x = out;
            }
            INDArray boxes = allocate(batch, SsdMobilenetV1Graph.ANCHORS, 4);
            INDArray logits = allocate(batch, SsdMobilenetV1Graph.ANCHORS, 3);
            named.put(SsdMobilenetV1Graph.BOX_ENCODINGS, boxes);
            named.put(SsdMobilenetV1Graph.CLASS_LOGITS, logits);
            long anchor = 0;
            for (int j = 0; j < SsdMobilenetV1Graph.FEATURE_MAPS.size(); j++) {
                SsdMobilenetV1Graph.FeatureMap map = SsdMobilenetV1Graph.FEATURE_MAPS.get(j);
                INDArray features = named.get(map.layer());
                for (int k = 0; k < 2; k++) {
                    int values = k == 0 ? 4 : 3;
                    INDArray[] w = predictors.get(2 * j + k);
                    INDArray out = allocate(batch, map.size(), map.size(), map.anchorsPerCell() * values);
                    heads.add(new Conv2D(features, w[0], w[1], out, SsdMobilenetV1Graph.convConfig(1, 1)));
                    INDArray slice = (k == 0 ? boxes : logits).get(NDArrayIndex.all(),
                            NDArrayIndex.interval(anchor, anchor + map.anchors()), NDArrayIndex.all());
                    copies.add(new INDArray[] {slice, out.reshape('c', batch, map.anchors(), values)});
                }
                anchor += map.anchors();
            }
        }

        private INDArray allocate(long... shape) {
            INDArray array = Nd4j.createUninitialized(DataType.FLOAT, shape, 'c');
            owned.add(array);
            return array;
        }

        void run(float[] values) {
            input.data().setData(values);
            for (int i = 0; i < convs.size(); i++) {
                Nd4j.exec(convs.get(i));
                Nd4j.getExecutioner().exec(relu6.get(i));
            }
            for (CustomOp head : heads) {
                Nd4j.exec(head);
            }
            for (INDArray[] copy : copies) {
                copy[0].assign(copy[1]);
            }
        }

        void close() {
            for (INDArray array : owned) {
                array.close();
            }
        }
    }
}
