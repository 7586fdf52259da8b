package io.biostream.api.state;

import io.biostream.api.ApiConfig;
import io.biostream.operators.state.IdentityStateCodec;
import io.biostream.operators.state.QueryableStateNames;
import io.biostream.operators.state.StateSeal;
import io.biostream.schemas.SessionSummary;
import io.biostream.schemas.Sightings;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;

/**
 * Reads subject-sightings and session-summary through Flink's queryable-state proxy (contract in
 * {@link QueryableStateNames}), with the same timeouts and retries as the camera reader.
 */
public final class QueryableStateIdentityReader implements IdentityStateReader, AutoCloseable {
    private final KvStateQueries queries;
    private final StateSeal seal;

    /**
     * @param job  the id of the job to read from, looked up on each read (empty while none runs)
     * @param seal opens the sealed values (the API's key ring)
     */
    public QueryableStateIdentityReader(ApiConfig config, Supplier<Optional<JobID>> job, StateSeal seal) {
        this.queries = new KvStateQueries(config, job);
        this.seal = Objects.requireNonNull(seal, "seal");
    }

    @Override
    public Optional<Sightings> sightings(String subjectId) throws StateUnavailableException {
        return read(QueryableStateNames.subjectSightingsDescriptor(), subjectId, IdentityStateCodec::openSightings);
    }

    @Override
    public Optional<SessionSummary> session(String sessionId) throws StateUnavailableException {
        return read(QueryableStateNames.sessionSummaryDescriptor(), sessionId, IdentityStateCodec::openSessionSummary);
    }

    private <T> Optional<T> read(ValueStateDescriptor<byte[]> descriptor, String key, SealedValues.Opener<T> opener)
            throws StateUnavailableException {
        Optional<ValueState<byte[]>> state = queries.query(descriptor.getName(), key, descriptor, queries.retryDeadline());
        if (state.isEmpty()) {
            return Optional.empty();
        }
        byte[] bytes;
        try {
            bytes = state.get().value();
        } catch (Exception e) {
            throw new IllegalStateException("cannot read " + descriptor.getName(), e);
        }
        return bytes == null ? Optional.empty() : SealedValues.open(descriptor.getName(), key, bytes, seal, opener);
    }

    @Override
    public void close() {
        queries.close();
    }
}
