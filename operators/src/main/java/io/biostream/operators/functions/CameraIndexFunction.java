package io.biostream.operators.functions;

import io.biostream.operators.records.CameraSighting;
import io.biostream.operators.state.CameraStateCodec;
import io.biostream.operators.state.QueryableStateNames;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keeps the queryable index of cameras seen (camera id -> time and sequence of its latest processed
 * frame) under one constant key, since queryable state cannot list keys. One small entry per camera.
 */
public class CameraIndexFunction extends KeyedProcessFunction<String, CameraSighting, Void> {
    private transient MapState<String, long[]> lastSeen;

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
    }
}
