package io.biostream.operators.state;

import io.biostream.schemas.WireFormat;
import io.biostream.schemas.CameraAnalytics;
import io.biostream.schemas.CameraLatest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.Optional;
import java.time.Instant;
import org.apache.avro.AvroRuntimeException;

/**
 * The bytes inside the queryable states (see {@link QueryableStateNames}). camera-latest holds
 * Avro single-object encoding: a 2-byte marker, the schema's 8-byte fingerprint, then the binary
 * record, so a writer on another schema is reported as such instead of being misread; the job
 * keeps it sealed ({@link #sealLatest}, {@link StateSeal}).
 */
public final class CameraStateCodec {
    private CameraStateCodec() {}

    public static byte[] encodeLatest(CameraLatest latest) {
        return WireFormat.encode(latest);
    }

    /** Decodes camera-latest bytes; fails with a clear message on any other schema or bytes. */
    public static CameraLatest decodeLatest(byte[] bytes) {
        try {
            return WireFormat.decode(CameraLatest.class, bytes);
        } catch (IOException | AvroRuntimeException e) {
            throw new IllegalStateException("state " + QueryableStateNames.CAMERA_LATEST
                    + " does not hold a CameraLatest of this API's schema (Avro single-object encoding): "
                    + e.getMessage(), e);
        }
    }

    /** The latest result of {@code cameraId}, sealed ({@link StateSeal}): what the job keeps in camera-latest. */
    public static byte[] sealLatest(StateSeal seal, String cameraId, CameraLatest latest) throws GeneralSecurityException {
        return seal.seal(QueryableStateNames.CAMERA_LATEST, cameraId, encodeLatest(latest));
    }

    /** Opens a camera-latest value; empty when its key is gone. */
    public static Optional<CameraLatest> openLatest(StateSeal seal, String cameraId, byte[] stored) throws GeneralSecurityException {
        return seal.open(QueryableStateNames.CAMERA_LATEST, cameraId, stored).map(CameraStateCodec::decodeLatest);
    }

    /** A closed analytics window of {@code stateName} (minute or hour), sealed: what the job keeps in the analytics states. */
    public static byte[] sealAnalytics(StateSeal seal, String stateName, CameraAnalytics window) throws GeneralSecurityException {
        return seal.seal(stateName, QueryableStateNames.analyticsKey(window.getCameraId(), window.getStart().toEpochMilli()),
                WireFormat.encode(window));
    }

    /** Opens an analytics window; empty when its key is gone. */
    public static Optional<CameraAnalytics> openAnalytics(StateSeal seal, String stateName, String cameraId, long windowStart,
                                                          byte[] stored) throws GeneralSecurityException {
        return seal.open(stateName, QueryableStateNames.analyticsKey(cameraId, windowStart), stored).map(bytes -> {
            try {
                return WireFormat.decode(CameraAnalytics.class, bytes);
            } catch (IOException | AvroRuntimeException e) {
                throw new IllegalStateException("state " + stateName + " does not hold a CameraAnalytics of this schema: "
                        + e.getMessage(), e);
            }
        });
    }

    /** A camera-index value. */
    public static long[] indexEntry(long lastSeenEpochMillis, long lastSequence) {
        long[] entry = new long[2];
        entry[QueryableStateNames.INDEX_LAST_SEEN] = lastSeenEpochMillis;
        entry[QueryableStateNames.INDEX_LAST_SEQUENCE] = lastSequence;
        return entry;
    }

    public static CameraSeen cameraSeen(String cameraId, long[] entry) {
        if (entry == null || entry.length < 2) {
            throw new IllegalStateException("state " + QueryableStateNames.CAMERA_INDEX + " entry for a camera"
                    + " must be {lastSeenEpochMillis, lastSequence}");
        }
        return new CameraSeen(cameraId, Instant.ofEpochMilli(entry[QueryableStateNames.INDEX_LAST_SEEN]),
                entry[QueryableStateNames.INDEX_LAST_SEQUENCE]);
    }
}
