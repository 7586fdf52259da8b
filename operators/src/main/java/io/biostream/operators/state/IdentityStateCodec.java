package io.biostream.operators.state;

import io.biostream.schemas.SessionSummary;
import io.biostream.schemas.Sightings;
import io.biostream.schemas.WireFormat;
import java.io.IOException;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * The bytes inside subject-sightings and session-summary (see {@link QueryableStateNames}): Avro
 * single-object encoding, like camera-latest ({@link CameraStateCodec}).
 */
public final class IdentityStateCodec {
    private IdentityStateCodec() {}

    public static byte[] encodeSightings(Sightings sightings) {
        return WireFormat.encode(sightings);
    }

    public static Sightings decodeSightings(byte[] bytes) {
        return decode(Sightings.class, bytes, QueryableStateNames.SUBJECT_SIGHTINGS);
    }

    public static byte[] encodeSessionSummary(SessionSummary summary) {
        return WireFormat.encode(summary);
    }

    public static SessionSummary decodeSessionSummary(byte[] bytes) {
        return decode(SessionSummary.class, bytes, QueryableStateNames.SESSION_SUMMARY);
    }

    private static <T extends SpecificRecordBase> T decode(Class<T> type, byte[] bytes, String state) {
        try {
            return WireFormat.decode(type, bytes);
        } catch (IOException | AvroRuntimeException e) {
            throw new IllegalStateException("state " + state + " does not hold a " + type.getSimpleName()
                    + " of this schema (Avro single-object encoding): " + e.getMessage(), e);
        }
    }
}
