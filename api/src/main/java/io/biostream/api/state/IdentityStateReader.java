package io.biostream.api.state;

import io.biostream.schemas.SessionSummary;
import io.biostream.schemas.Sightings;
import java.util.Optional;

/** The routes' way to the job's identity states: sightings per subject, counts per capture session. */
public interface IdentityStateReader {

    /** The subject's recent sightings, or empty when the job has none for that subject. */
    Optional<Sightings> sightings(String subjectId) throws StateUnavailableException;

    /** The session's counts, or empty when the job has seen nothing of that session. */
    Optional<SessionSummary> session(String sessionId) throws StateUnavailableException;
}
