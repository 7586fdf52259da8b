package io.biostream.operators.state;

import io.biostream.schemas.SessionSummary;
import io.biostream.schemas.Sightings;
import io.biostream.schemas.SubjectVisits;
import io.biostream.schemas.WireFormat;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.util.Optional;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * The bytes inside subject-sightings and session-summary (see {@link QueryableStateNames}): Avro
 * single-object encoding, like camera-latest ({@link CameraStateCodec}), kept sealed by the job
 * ({@link StateSeal}).
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

    /** The subject's sightings sealed ({@link StateSeal}): what the job keeps in subject-sightings. */
    public static byte[] sealSightings(StateSeal seal, String subjectId, Sightings sightings) throws GeneralSecurityException {
        return seal.seal(QueryableStateNames.SUBJECT_SIGHTINGS, subjectId, encodeSightings(sightings));
    }

    /** Opens a subject-sightings value; empty when its key is gone. */
    public static Optional<Sightings> openSightings(StateSeal seal, String subjectId, byte[] stored) throws GeneralSecurityException {
        return seal.open(QueryableStateNames.SUBJECT_SIGHTINGS, subjectId, stored).map(IdentityStateCodec::decodeSightings);
    }

    /** The session's summary sealed ({@link StateSeal}): what the job keeps in session-summary. */
    public static byte[] sealSessionSummary(StateSeal seal, String sessionId, SessionSummary summary) throws GeneralSecurityException {
        return seal.seal(QueryableStateNames.SESSION_SUMMARY, sessionId, encodeSessionSummary(summary));
    }

    /** Opens a session-summary value; empty when its key is gone. */
    public static Optional<SessionSummary> openSessionSummary(StateSeal seal, String sessionId, byte[] stored)
            throws GeneralSecurityException {
        return seal.open(QueryableStateNames.SESSION_SUMMARY, sessionId, stored).map(IdentityStateCodec::decodeSessionSummary);
    }

    public static byte[] sealVisits(StateSeal seal, String subjectId, SubjectVisits visits) throws GeneralSecurityException {
        return seal.seal(QueryableStateNames.SUBJECT_VISITS, subjectId, WireFormat.encode(visits));
    }

    public static Optional<SubjectVisits> openVisits(StateSeal seal, String subjectId, byte[] stored) throws GeneralSecurityException {
        return seal.open(QueryableStateNames.SUBJECT_VISITS, subjectId, stored)
                .map(bytes -> decode(SubjectVisits.class, bytes, QueryableStateNames.SUBJECT_VISITS));
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
