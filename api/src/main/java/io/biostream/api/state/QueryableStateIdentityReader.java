package io.biostream.api.state;

import io.biostream.api.ApiConfig;
import io.biostream.operators.state.IdentityStateCodec;
import io.biostream.operators.state.QueryableStateNames;
import io.biostream.schemas.SessionSummary;
import io.biostream.schemas.Sightings;
import java.util.Optional;
import java.util.function.Function;
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

    /** @param job the id of the job to read from, looked up on each read (empty while none runs) */
    public QueryableStateIdentityReader(ApiConfig config, Supplier<Optional<JobID>> job) {
        this.queries = new KvStateQueries(config, job);
    }

    @Override
    public Optional<Sightings> sightings(String subjectId) throws StateUnavailableException {
        return read(QueryableStateNames.subjectSightingsDescriptor(), subjectId, IdentityStateCodec::decodeSightings);
    }

    @Override
    public Optional<SessionSummary> session(String sessionId) throws StateUnavailableException {
        return read(QueryableStateNames.sessionSummaryDescriptor(), sessionId, IdentityStateCodec::decodeSessionSummary);
    }

    private <T> Optional<T> read(ValueStateDescriptor<byte[]> descriptor, String key, Function<byte[], T> decode)
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
        return bytes == null ? Optional.empty() : Optional.of(decode.apply(bytes));
    }

    @Override
    public void close() {
        queries.close();
    }
}
