package io.biostream.operators.functions;

import io.biostream.operators.records.ControlRecord;
import io.biostream.operators.records.FrameRecord;
import io.biostream.operators.records.Outbound;
import io.biostream.operators.vision.BatchConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * The analysis step with a micro-batch across the frames (and cameras) of one subtask: each frame
 * is decoded and its faces detected as it arrives ({@link AnalyzeFrameFunction#admit}); the
 * landmark and descriptor nets then run once over the faces of the whole batch
 * ({@link AnalyzeFrameFunction#complete}), and each frame is finished under its own camera's key.
 *
 * <p>A batch is completed when it reaches {@link BatchConfig#maxFrames} frames or
 * {@link BatchConfig#maxFaces} faces, when it holds a quarter of the decode budget, when its first
 * frame has waited {@link BatchConfig#latencyBudget} (a processing-time callback), before a control
 * event (so every frame sees the gallery and settings it would have seen alone), at the end of the
 * input, and before every checkpoint barrier ({@link #prepareSnapshotPreBarrier}). So no frame is
 * in the batch when the operator's state is snapshot: the results of every frame before a barrier
 * are emitted before it, inside that checkpoint's transaction, and a frame after it is replayed
 * from the source after a failure. Exactly-once needs no state for the batch.
 *
 * <p>With {@link BatchConfig#enabled()} false it is the plain keyed broadcast operator: one frame
 * at a time, as {@link AnalyzeFrameFunction#processElement}.
 */
public final class MicroBatchAnalyzeOperator extends CoBroadcastWithKeyedOperator<String, FrameRecord, ControlRecord, Outbound> {
    private static final long serialVersionUID = 1L;
    /** The timer service of CoBroadcastWithKeyedOperator, which the function's timers live in. */
    private static final String USER_TIMERS = "user-timers";

    private final AnalyzeFrameFunction analysis;
    private final BatchConfig batchConfig;
    private transient long maxHeldBytes;
    private transient List<AnalyzeFrameFunction.PendingFrame> batch;
    private transient int batchFaces;
    private transient long batchBytes;
    private transient long batchDeadline;
    private transient InternalTimerService<VoidNamespace> timers;

    public MicroBatchAnalyzeOperator(AnalyzeFrameFunction analysis, BatchConfig batchConfig) {
        super(analysis, Arrays.asList(ControlState.descriptors()));
        this.analysis = analysis;
        this.batchConfig = batchConfig;
    }

    @Override
    public void open() throws Exception {
        super.open();
        batch = new ArrayList<>();
        // Decoded images in a batch keep their decode budget share: a quarter of the process's
        // budget leaves room for the next frame's decode (and other subtasks') without a wait.
        maxHeldBytes = analysis.decodeBudgetBytes() / 4;
        timers = getInternalTimerService(USER_TIMERS, VoidNamespaceSerializer.INSTANCE, this);
    }

    /** Frames waiting for their batch now. */
    int pendingFrames() {
        return batch.size();
    }

    @Override
    public void processElement1(StreamRecord<FrameRecord> element) throws Exception {
        if (!batchConfig.enabled()) {
            super.processElement1(element);
            return;
        }
        Long timestamp = element.hasTimestamp() ? element.getTimestamp() : null;
        AnalyzeFrameFunction.PendingFrame frame = analysis.admit(element.getValue(),
                descriptor -> getOperatorStateBackend().getBroadcastState(descriptor), outputs(timestamp), timestamp);
        if (frame == null) {
            return; // dead-lettered at once: a bad frame never waits for (or holds up) a batch
        }
        if (batch.isEmpty()) {
            batchDeadline = getProcessingTimeService().getCurrentProcessingTime() + batchConfig.latencyBudget().toMillis();
            getProcessingTimeService().registerTimer(batchDeadline, this::onBatchDeadline);
        }
        batch.add(frame);
        batchFaces += frame.detected.measurableFaces();
        batchBytes += frame.heldBytes();
        if (batch.size() >= batchConfig.maxFrames() || batchFaces >= batchConfig.maxFaces() || batchBytes >= maxHeldBytes) {
            completeBatch();
        }
    }

    /** A deadline of a batch completed early finds a newer batch (with a later deadline) or none: nothing to do. */
    private void onBatchDeadline(long time) throws Exception {
        if (!batch.isEmpty() && batchDeadline <= time) {
            completeBatch();
        }
    }

    @Override
    public void processElement2(StreamRecord<ControlRecord> element) throws Exception {
        completeBatch();
        super.processElement2(element);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        completeBatch();
        super.prepareSnapshotPreBarrier(checkpointId);
    }

    @Override
    public void finish() throws Exception {
        completeBatch();
        super.finish();
    }

    @Override
    public void close() throws Exception {
        if (batch != null) { // a failing task: the frames are replayed from the last checkpoint
            batch.forEach(AnalyzeFrameFunction.PendingFrame::close);
            batch.clear();
        }
        super.close();
    }

    private void completeBatch() throws Exception {
        if (batch.isEmpty()) {
            return;
        }
        List<AnalyzeFrameFunction.PendingFrame> frames = batch;
        batch = new ArrayList<>();
        batchFaces = 0;
        batchBytes = 0;
        Object key = getCurrentKey();
        try {
            analysis.complete(frames, frame -> {
                setCurrentKey(frame.cameraId());
                return outputs(frame.timestamp);
            });
        } finally {
            if (key != null) {
                setCurrentKey(key);
            }
        }
    }

    /** A frame's outputs: records with the frame's timestamp, timers under the current key (the frame's camera). */
    private AnalyzeFrameFunction.FrameOutputs outputs(Long timestamp) {
        return new AnalyzeFrameFunction.FrameOutputs() {
            @Override
            public void collect(Outbound outbound) {
                output.collect(record(outbound));
            }

            @Override
            public <T> void output(OutputTag<T> tag, T value) {
                output.collect(tag, record(value));
            }

            @Override
            public void registerProcessingTimeTimer(long time) {
                timers.registerProcessingTimeTimer(VoidNamespace.INSTANCE, time);
            }

            private <T> StreamRecord<T> record(T value) {
                return timestamp == null ? new StreamRecord<>(value) : new StreamRecord<>(value, timestamp);
            }
        };
    }
}
