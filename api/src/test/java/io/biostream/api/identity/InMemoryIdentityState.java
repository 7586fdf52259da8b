package io.biostream.api.identity;

import io.biostream.api.state.IdentityStateReader;
import io.biostream.api.state.StateUnavailableException;
import io.biostream.schemas.SessionSummary;
import io.biostream.schemas.Sightings;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The route tests' identity state: what the job would have written, held in memory, and open to outages. */
public final class InMemoryIdentityState implements IdentityStateReader {
    private final Map<String, Sightings> sightings = new ConcurrentHashMap<>();
    private final Map<String, SessionSummary> sessions = new ConcurrentHashMap<>();
    private volatile StateUnavailableException unavailable;

    public void put(Sightings value) {
        sightings.put(value.getSubjectId(), value);
    }

    public void put(SessionSummary value) {
        sessions.put(value.getSession().getSessionId(), value);
    }

    /** Every read fails with {@code e} from now on; null to read again. */
    public void failWith(StateUnavailableException e) {
        unavailable = e;
    }

    @Override
    public Optional<Sightings> sightings(String subjectId) throws StateUnavailableException {
        throwIfUnavailable();
        return Optional.ofNullable(sightings.get(subjectId));
    }

    @Override
    public Optional<SessionSummary> session(String sessionId) throws StateUnavailableException {
        throwIfUnavailable();
        return Optional.ofNullable(sessions.get(sessionId));
    }

    private void throwIfUnavailable() throws StateUnavailableException {
        if (unavailable != null) {
            throw unavailable;
        }
    }
}
