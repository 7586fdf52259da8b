package io.biostream.operators.state;

import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.api.common.typeutils.base.array.BytePrimitiveArraySerializer;
import org.apache.flink.api.common.typeutils.base.array.LongPrimitiveArraySerializer;

/**
 * The queryable-state contract between the pipeline job (writer) and the API (reader). Both sides
 * must use these names and these serializers; the bytes inside are described in
 * {@link CameraStateCodec}.
 *
 * <ul>
 *   <li>{@value #CAMERA_LATEST}: keyed by cameraId (String, {@link StringSerializer}); a
 *       {@code ValueState<byte[]>} ({@link BytePrimitiveArraySerializer}) holding the camera's
 *       latest {@code CameraLatest} in Avro single-object encoding ({@code WireFormat.encode}).
 *   <li>{@value #CAMERA_INDEX}: keyed by the constant {@value #CAMERA_INDEX_KEY} (String); a
 *       {@code MapState<String, long[]>} ({@link StringSerializer}, {@link LongPrimitiveArraySerializer})
 *       from cameraId to {@code {lastSeenEpochMillis, lastSequence}}.
 *   <li>{@value #SUBJECT_SIGHTINGS}: keyed by subjectId (String); a {@code ValueState<byte[]>}
 *       holding the subject's {@code Sightings} (newest first, at most {@value #MAX_SIGHTINGS},
 *       {@code total} counts all) in Avro single-object encoding. Absent for a subject never
 *       matched, and cleared when the subject is erased.
 *   <li>{@value #SESSION_SUMMARY}: keyed by sessionId (String); a {@code ValueState<byte[]>}
 *       holding the session's {@code SessionSummary} in Avro single-object encoding.
 *   <li>{@value #CAMERA_ANALYTICS_MINUTE} and {@value #CAMERA_ANALYTICS_HOUR}: keyed by cameraId
 *       (String); a {@code MapState<Long, byte[]>} ({@link LongSerializer},
 *       {@link BytePrimitiveArraySerializer}) from a closed window's start (epoch millis) to its
 *       {@code CameraAnalytics} in Avro single-object encoding, sealed with the key
 *       {@link #analyticsKey(String, long)}.
 *   <li>{@value #SUBJECT_VISITS}: keyed by subjectId (String); a {@code ValueState<byte[]>} holding
 *       the subject's {@code SubjectVisits} (per camera: closed visits and dwell time) in Avro
 *       single-object encoding, sealed. Cleared when the subject is erased.
 * </ul>
 *
 * Queryable state cannot carry a TTL in Flink: retention must clear these states with timers.
 * The job registers each with {@code descriptor.setQueryable(descriptor.getName())}.
 */
public final class QueryableStateNames {
    public static final String CAMERA_LATEST = "camera-latest";
    public static final String CAMERA_INDEX = "camera-index";
    /** The one key under which camera-index lives (all cameras in one map). */
    public static final String CAMERA_INDEX_KEY = "all";
    /** Position of lastSeenEpochMillis in a camera-index value. */
    public static final int INDEX_LAST_SEEN = 0;
    /** Position of lastSequence in a camera-index value. */
    public static final int INDEX_LAST_SEQUENCE = 1;

    public static final String SUBJECT_SIGHTINGS = "subject-sightings";
    public static final String SESSION_SUMMARY = "session-summary";
    /** Most sightings kept per subject (the newest); {@code Sightings.total} counts all of them. */
    public static final int MAX_SIGHTINGS = 100;

    public static final String CAMERA_ANALYTICS_MINUTE = "camera-analytics-minute";
    public static final String CAMERA_ANALYTICS_HOUR = "camera-analytics-hour";

    public static final String SUBJECT_VISITS = "subject-visits";

    private QueryableStateNames() {}

    public static ValueStateDescriptor<byte[]> subjectVisitsDescriptor() {
        return new ValueStateDescriptor<>(SUBJECT_VISITS, BytePrimitiveArraySerializer.INSTANCE);
    }

    public static MapStateDescriptor<Long, byte[]> cameraAnalyticsDescriptor(String name) {
        if (!CAMERA_ANALYTICS_MINUTE.equals(name) && !CAMERA_ANALYTICS_HOUR.equals(name)) {
            throw new IllegalArgumentException("not an analytics state: " + name);
        }
        return new MapStateDescriptor<>(name, LongSerializer.INSTANCE, BytePrimitiveArraySerializer.INSTANCE);
    }

    /** The key an analytics window's value is sealed under ({@link StateSeal}): its camera and start. */
    public static String analyticsKey(String cameraId, long windowStart) {
        return cameraId + "@" + windowStart;
    }

    public static ValueStateDescriptor<byte[]> cameraLatestDescriptor() {
        return new ValueStateDescriptor<>(CAMERA_LATEST, BytePrimitiveArraySerializer.INSTANCE);
    }

    public static MapStateDescriptor<String, long[]> cameraIndexDescriptor() {
        return new MapStateDescriptor<>(CAMERA_INDEX, StringSerializer.INSTANCE, LongPrimitiveArraySerializer.INSTANCE);
    }

    public static ValueStateDescriptor<byte[]> subjectSightingsDescriptor() {
        return new ValueStateDescriptor<>(SUBJECT_SIGHTINGS, BytePrimitiveArraySerializer.INSTANCE);
    }

    public static ValueStateDescriptor<byte[]> sessionSummaryDescriptor() {
        return new ValueStateDescriptor<>(SESSION_SUMMARY, BytePrimitiveArraySerializer.INSTANCE);
    }
}
