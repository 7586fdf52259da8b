package io.biostream.operators.pipeline;

/**
 * Names of the job's queryable state: an API contract (../shared/DESIGN.md). Values are Avro
 * single-object encoded bytes unless noted.
 */
public final class QueryableStateNames {
    /** Key: cameraId (String). Value: byte[] = CameraLatest in Avro single-object encoding. */
    public static final String CAMERA_LATEST = "camera-latest";
    /** Key: {@link #CAMERA_INDEX_KEY}. Value: MapState cameraId -> processed time of its latest frame (epoch ms). */
    public static final String CAMERA_INDEX = "camera-index";
    public static final String CAMERA_INDEX_KEY = "all";

    private QueryableStateNames() {}
}
