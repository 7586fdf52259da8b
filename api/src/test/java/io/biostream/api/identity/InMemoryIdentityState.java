package io.biostream.api.identity;

import io.biostream.api.state.IdentityStateReader;
import io.biostream.schemas.SessionSummary;
import io.biostream.schemas.Sightings;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The route tests' identity state: what the job would have written, held in memory. */
public final class InMemoryIdentityState implements IdentityStateReader {
    private final Map<String, Sightings> sightings = new ConcurrentHashMap<>();
    private final Map<String, SessionSummary> sessions = new ConcurrentHashMap<>();

    public void put(Sightings value) {
        sightings.put(value.getSubjectId(), value);
    }

    public void put(SessionSummary value) {
        sessions.put(value.getSession().getSessionId(), value);
    }

    @Override
    public Optional<Sightings> sightings(String subjectId) {
        return Optional.ofNullable(sightings.get(subjectId));
    }

    @Override
    public Optional<SessionSummary> session(String sessionId) {
        return Optional.ofNullable(sessions.get(sessionId));
    }
}
