package io.biostream.operators.vision;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.Op;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A face net run op by op on libnd4j without SameDiff's per-call session (op set-up, shape
 * inference, dependency tracking), as {@link SsdMobilenetV1Executor} runs the SSD: the ops
 * SameDiff's graph creates for the net, with the same weights and configs in the same order, on
 * arrays allocated once per batch size. Element-wise steps run in place on their input where the
 * graph no longer reads it; that changes where a result is written, not how it is computed.
 *
 * <p>The job calls the nets with batches of 1-32 crops that vary call to call, so the arrays of
 * several batch sizes are kept, least recently used evicted first, as long as they hold no more
 * than {@code maxCachedCrops} crops in all (the current batch always kept).
 *
 * <p>Not thread-safe: one caller at a time (the nets serialise their calls).
 */
abstract class NetExecutor implements AutoCloseable {
    private final String name;
    private final String inputName;
    private final int inputSize;
    private final int maxCachedCrops;
    private final List<INDArray> weights = new ArrayList<>();
    private final LinkedHashMap<Integer, Plan> plans = new LinkedHashMap<>(8, 0.75f, true);
    private Plan last;
    private boolean closed;
    /** Weights and constants by name, loaded once. */
    final Map<String, INDArray> loaded = new HashMap<>();
    /** The parsed weights, only while the first plan is built. */
    private FaceApiWeights source;

    NetExecutor(String name, String inputName, int inputSize, int maxCachedCrops) {
        this.name = name;
        this.inputName = inputName;
        this.inputSize = inputSize;
        this.maxCachedCrops = maxCachedCrops;
    }

    /** Lays out the net's ops for one batch size on {@code plan}, starting from its input. */
    abstract void build(Plan plan);

    /** A weight tensor as a native array kept until {@link #close}. */
    final INDArray weight(FaceApiWeights.Tensor tensor) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray array = Nd4j.create(tensor.values(), tensor.longShape(), 'c');
            weights.add(array);
            return array;
        }
    }

    /** Loads every weight once (the plan of batch 1 stays cached), then lets the parsed floats go. */
    final void loadWeights(FaceApiWeights weights) {
        source = weights;
        prepare(1);
        source = null;
    }

    /** The named weight tensor of {@code shape}, loaded on first use by {@link #loadWeights}. */
    final INDArray tensor(String name, int... shape) {
        return loaded.computeIfAbsent(name, n -> weight(source.get(n, shape)));
    }

    /**
     * A tensor computed from loaded weights (a scale folded into a conv's filters), made once
     * by {@link #loadWeights} from {@code source}'s parsed weights and kept until {@link #close}.
     */
    final INDArray derived(String name, long[] shape, Function<FaceApiWeights, float[]> values) {
        return loaded.computeIfAbsent(name, n -> {
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                return constant(Nd4j.create(values.apply(source), shape, 'c'));
            }
        });
    }

    /** A constant array (pads' paddings) kept until {@link #close}. */
    final INDArray constant(INDArray array) {
        weights.add(array);
        return array;
    }

    /** Allocates (or keeps) the arrays of one batch size without running. */
    final void prepare(int batch) {
        if (!plans.containsKey(batch)) {
            // Outside any workspace the caller may have open: these arrays outlive the call.
            Plan plan;
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                plan = new Plan(batch, inputSize);
                plan.name(inputName, plan.input);
                build(plan);
            }
            plans.put(batch, plan);
            evict(batch);
        }
    }

    /**
     * Runs the net on {@code batch} inputs, NHWC row-major ({@code [batch,size,size,3]}), already
     * normalised. Read the outputs with {@link #values} before the next call.
     */
    final void run(float[] input, int batch) {
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
        if (batch < 1 || input.length != (long) batch * inputSize * inputSize * 3) {
            throw new IllegalArgumentException(input.length + " input values for a batch of " + batch
                    + " " + inputSize + "x" + inputSize + " RGB crops");
        }
        prepare(batch);
        Plan plan = plans.get(batch);
        last = plan;
        plan.run(input);
    }

    private void evict(int keep) {
        int crops = plans.keySet().stream().mapToInt(Integer::intValue).sum();
        for (Iterator<Map.Entry<Integer, Plan>> it = plans.entrySet().iterator();
             it.hasNext() && crops > maxCachedCrops; ) {
            Map.Entry<Integer, Plan> eldest = it.next();
            if (eldest.getKey() != keep) {
                crops -= eldest.getKey();
                eldest.getValue().close();
                it.remove();
            }
        }
    }

    /** A named array of the last call, flattened per crop (a copy). */
    final float[][] values(String array) {
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
        if (last == null) {
            throw new IllegalStateException("nothing run yet");
        }
        INDArray values = last.named.get(array);
        if (values == null) {
            throw new IllegalArgumentException("no array named " + array);
        }
        return values.reshape('c', last.batch, values.length() / last.batch).toFloatMatrix();
    }

    /** The batch sizes whose arrays are allocated now, least recently used first. */
    final List<Integer> allocatedBatches() {
        return List.copyOf(plans.keySet());
    }

    /** Bytes of activations allocated now, all batch sizes together. */
    final long allocatedBytes() {
        return plans.values().stream().mapToLong(Plan::bytes).sum();
    }

    @Override
    public final void close() {
        if (closed) {
            return;
        }
        closed = true;
        plans.values().forEach(Plan::close);
        plans.clear();
        last = null;
        weights.forEach(INDArray::close);
    }

    /** The arrays and ops of one batch size: the ops hold their input and output arrays. */
    static final class Plan {
        final int batch;
        final INDArray input;
        private final Map<String, INDArray> named = new LinkedHashMap<>();
        private final List<INDArray> owned = new ArrayList<>();
        private final List<Runnable> steps = new ArrayList<>();
        private final Map<String, INDArray> scratch = new HashMap<>();

        Plan(int batch, int size) {
            this.batch = batch;
            input = allocate(batch, size, size, 3);
        }

        /** A new uninitialised float array owned by this plan. */
        INDArray allocate(long... shape) {
            INDArray array = Nd4j.createUninitialized(DataType.FLOAT, shape, 'c');
            owned.add(array);
            return array;
        }

        /**
         * An array shared by every step that asks for the same {@code use} and shape: for values
         * that the very next op consumes (a depthwise conv's output, a relu'd sum), so that the
         * activations kept are the named ones plus one array per use and shape.
         */
        INDArray scratch(String use, long... shape) {
            return scratch.computeIfAbsent(use + Arrays.toString(shape), k -> allocate(shape));
        }

        /** A custom op (conv, pool, pad, add, mul, matmul) with its output arrays set. */
        void custom(CustomOp op) {
            steps.add(() -> Nd4j.exec(op));
        }

        /** A legacy op (reduce) with its output array set. */
        void legacy(Op op) {
            steps.add(() -> Nd4j.getExecutioner().exec(op));
        }

        /** {@code sd.nn.relu(x, 0)} in place. */
        void relu(INDArray x) {
            legacy(new RectifiedLinear(x, x, 0.0));
        }

        void name(String name, INDArray array) {
            named.put(name, array);
        }

        long bytes() {
            return owned.stream().mapToLong(a -> a.length() * 4L).sum();
        }

        void run(float[] values) {
            input.data().setData(values);
            for (Runnable step : steps) {
                step.run();
            }
        }

        void close() {
            owned.forEach(INDArray::close);
        }
    }
}
