package io.biostream.api.state;

import io.biostream.operators.state.CameraSeen;
import io.biostream.operators.state.CameraStateCodec;
import io.biostream.operators.state.QueryableStateNames;
import io.biostream.operators.state.StateSeal;
import io.biostream.api.ApiConfig;
import io.biostream.schemas.AnalyticsStep;
import io.biostream.schemas.CameraAnalytics;
import io.biostream.schemas.CameraLatest;
import java.time.Instant;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;

/**
 * Reads the job's camera states through Flink's queryable-state proxy (contract in
 * {@link QueryableStateNames}). Each query is bounded by the configured timeout; while the job has
 * not registered the state yet, a read retries with backoff until the configured deadline.
 */
public final class QueryableStateCameraReader implements CameraStateReader, AutoCloseable {
    private final KvStateQueries queries;
    private final Duration retryDeadline;
    private final StateSeal seal;

    /**
     * @param job the id of the job to read from, looked up on each read (empty while none runs)
     */
    public QueryableStateCameraReader(ApiConfig config, Supplier<Optional<JobID>> job, StateSeal seal) {
        this.queries = new KvStateQueries(config, job);
        this.retryDeadline = config.stateRetryDeadline();
        this.seal = Objects.requireNonNull(seal, "seal");
    }

    /** Reads from the job named by {@code api.state.job-id}. */
    public static QueryableStateCameraReader forConfiguredJob(ApiConfig config, StateSeal seal) {
        Optional<JobID> job = config.optionalJobId().map(JobID::fromHexString);
        return new QueryableStateCameraReader(config, () -> job, seal);
    }

    @Override
    public Optional<CameraLatest> latest(String cameraId) throws StateUnavailableException {
        Optional<ValueState<byte[]>> state =
                queries.query(QueryableStateNames.CAMERA_LATEST, cameraId, QueryableStateNames.cameraLatestDescriptor(), retryDeadline);
        if (state.isEmpty()) {
            return Optional.empty();
        }
        byte[] bytes = valueOf(state.get());
        return bytes == null ? Optional.empty()
                : SealedValues.open(QueryableStateNames.CAMERA_LATEST, cameraId, bytes, seal, CameraStateCodec::openLatest);
    }

    @Override
    public List<CameraAnalytics> analytics(String cameraId, AnalyticsStep step, Instant from, Instant to)
            throws StateUnavailableException {
        String name = step == AnalyticsStep.HOUR ? QueryableStateNames.CAMERA_ANALYTICS_HOUR : QueryableStateNames.CAMERA_ANALYTICS_MINUTE;
        Optional<MapState<Long, byte[]>> state =
                queries.query(name, cameraId, QueryableStateNames.cameraAnalyticsDescriptor(name), retryDeadline);
        List<CameraAnalytics> windows = new ArrayList<>();
        if (state.isEmpty()) {
            return windows;
        }
        List<Map.Entry<Long, byte[]>> entries = new ArrayList<>();
        try {
            for (Map.Entry<Long, byte[]> e : state.get().entries()) {
                if (e.getKey() >= from.toEpochMilli() && e.getKey() < to.toEpochMilli()) {
                    entries.add(Map.entry(e.getKey(), e.getValue()));
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot read " + name, e);
        }
        for (Map.Entry<Long, byte[]> e : entries) {
            long start = e.getKey();
            SealedValues.open(name, QueryableStateNames.analyticsKey(cameraId, start), e.getValue(), seal,
                    (s, key, stored) -> CameraStateCodec.openAnalytics(s, name, cameraId, start, stored)).ifPresent(windows::add);
        }
        windows.sort(Comparator.comparing(CameraAnalytics::getStart));
        return windows;
    }

    @Override
    public List<CameraSeen> cameras() throws StateUnavailableException {
        return readIndex(retryDeadline);
    }

    /** One attempt, no retries: health checks must answer quickly. */
    @Override
    public StateStatus status() {
        try {
            readIndex(Duration.ZERO);
            return StateStatus.REACHABLE;
        } catch (StateUnavailableException e) {
            return e.reason() == StateUnavailableException.Reason.NOT_READY ? StateStatus.NOT_READY : StateStatus.UNREACHABLE;
        }
    }

    private List<CameraSeen> readIndex(Duration deadline) throws StateUnavailableException {
        Optional<MapState<String, long[]>> index = queries.query(QueryableStateNames.CAMERA_INDEX,
                QueryableStateNames.CAMERA_INDEX_KEY, QueryableStateNames.cameraIndexDescriptor(), deadline);
        List<CameraSeen> cameras = new ArrayList<>();
        if (index.isPresent()) {
            try {
                for (Map.Entry<String, long[]> e : index.get().entries()) {
                    cameras.add(CameraStateCodec.cameraSeen(e.getKey(), e.getValue()));
                }
            } catch (Exception e) {
                throw new IllegalStateException("cannot read " + QueryableStateNames.CAMERA_INDEX, e);
            }
        }
        cameras.sort(Comparator.comparing(CameraSeen::cameraId));
        return cameras;
    }

    private static byte[] valueOf(ValueState<byte[]> state) {
        try {
            return state.value();
        } catch (Exception e) {
            throw new IllegalStateException("cannot read " + QueryableStateNames.CAMERA_LATEST, e);
        }
    }

    @Override
    public void close() {
        queries.close();
    }
}
