package io.biostream.operators.pipeline;

import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Keeps the queryable index of cameras seen (camera id -> time of its latest processed frame) under one
 * constant key, since queryable state cannot list keys. One small entry per camera.
 */
public class CameraIndexFunction extends KeyedProcessFunction<String, CameraSighting, Void> {
    private transient MapState<String, Long> lastSeen;

    public static MapStateDescriptor<String, Long> indexStateDescriptor() {
        MapStateDescriptor<String, Long> descriptor = new MapStateDescriptor<>(QueryableStateNames.CAMERA_INDEX, Types.STRING, Types.LONG);
        descriptor.setQueryable(QueryableStateNames.CAMERA_INDEX);
        return descriptor;
    }

    @Override
    public void open(OpenContext openContext) {
        lastSeen = getRuntimeContext().getMapState(indexStateDescriptor());
    }

    @Override
    public void processElement(CameraSighting sighting, Context ctx, Collector<Void> out) throws Exception {
        Long previous = lastSeen.get(sighting.cameraId);
        if (previous == null || previous < sighting.processedTime) {
            lastSeen.put(sighting.cameraId, sighting.processedTime);
        }
    }
}
