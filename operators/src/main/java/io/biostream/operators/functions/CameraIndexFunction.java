package io.biostream.operators.functions;

import io.biostream.operators.records.CameraSighting;
import io.biostream.operators.state.CameraStateCodec;
import io.biostream.operators.state.QueryableStateNames;
import org.apache.flink.api.common.functions.OpenContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keeps the queryable index of cameras seen (camera id -> time and sequence of its latest processed
 * frame) under one constant key, since queryable state cannot list keys. One small entry per camera;
 * a camera not seen for the retention leaves the index (a producer inventing camera ids cannot grow
 * it forever). Queryable state cannot have a state TTL, so a processing-time timer, at most one a
 * minute, sweeps the index.
 */
public class CameraIndexFunction extends KeyedProcessFunction<String, CameraSighting, Void> {
    /** Sweeps are rounded up to this, so a busy index has at most one timer a minute. */
    static final long SWEEP_GRANULARITY_MS = 60_000L;

    private final long retentionMs;
    private transient MapState<String, long[]> lastSeen;

    /** @param retention how long a camera stays in the index after its latest frame */
    public CameraIndexFunction(Duration retention) {
        this.retentionMs = retention.toMillis();
    }

    @Override
    public void open(OpenContext openContext) {
        MapStateDescriptor<String, long[]> descriptor = QueryableStateNames.cameraIndexDescriptor();
        descriptor.setQueryable(QueryableStateNames.CAMERA_INDEX);
        lastSeen = getRuntimeContext().getMapState(descriptor);
    }

    @Override
    public void processElement(CameraSighting sighting, Context ctx, Collector<Void> out) throws Exception {
        long[] previous = lastSeen.get(sighting.cameraId);
        if (previous == null || previous[QueryableStateNames.INDEX_LAST_SEQUENCE] < sighting.sequence) {
            lastSeen.put(sighting.cameraId, CameraStateCodec.indexEntry(sighting.processedTime, sighting.sequence));
        }
        long due = ctx.timerService().currentProcessingTime() + retentionMs;
        ctx.timerService().registerProcessingTimeTimer((due / SWEEP_GRANULARITY_MS + 1) * SWEEP_GRANULARITY_MS);
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Void> out) throws Exception {
        List<String> expired = new ArrayList<>();
        for (Map.Entry<String, long[]> e : lastSeen.entries()) {
            if (e.getValue()[QueryableStateNames.INDEX_LAST_SEEN] + retentionMs <= timestamp) {
                expired.add(e.getKey());
            }
        }
        for (String cameraId : expired) {
            lastSeen.remove(cameraId);
        }
    }
}
