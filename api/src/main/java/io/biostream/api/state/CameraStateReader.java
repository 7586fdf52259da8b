package io.biostream.api.state;

import io.biostream.operators.state.CameraSeen;
import io.biostream.schemas.AnalyticsStep;
import io.biostream.schemas.CameraAnalytics;
import io.biostream.schemas.CameraLatest;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The routes' only way to the job's state. Today it is Flink queryable state
 * ({@link QueryableStateCameraReader}); it can move to another store without touching routes.
 */
public interface CameraStateReader {

    /** The camera's latest result, or empty when the job holds nothing for that camera. */
    Optional<CameraLatest> latest(String cameraId) throws StateUnavailableException;

    /** Every camera the job has seen, ordered by camera id. */
    List<CameraSeen> cameras() throws StateUnavailableException;

    /**
     * The camera's closed analytics windows of one step (minute or hour) whose start lies in
     * [{@code from}, {@code to}), oldest first; empty when the job holds none for that camera.
     */
    List<CameraAnalytics> analytics(String cameraId, AnalyticsStep step, Instant from, Instant to) throws StateUnavailableException;

    /** Whether the state can be read now; must answer quickly (no long retries). */
    default StateStatus status() {
        try {
            cameras();
            return StateStatus.REACHABLE;
        } catch (StateUnavailableException e) {
            return e.reason() == StateUnavailableException.Reason.NOT_READY ? StateStatus.NOT_READY : StateStatus.UNREACHABLE;
        }
    }

    enum StateStatus {
        /** The state answered. */
        REACHABLE,
        /** The store answered but the job has not registered the state yet. */
        NOT_READY,
        /** The store, or the job, could not be reached. */
        UNREACHABLE
    }
}
