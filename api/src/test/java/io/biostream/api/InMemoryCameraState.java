package io.biostream.api;

import io.biostream.operators.state.CameraSeen;
import io.biostream.api.state.CameraStateReader;
import io.biostream.api.state.StateUnavailableException;
import io.biostream.schemas.AnalyticsStep;
import io.biostream.schemas.CameraAnalytics;
import io.biostream.schemas.CameraLatest;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** The route tests' state: the same interface the queryable-state reader implements, held in memory. */
final class InMemoryCameraState implements CameraStateReader {
    private final Map<String, CameraLatest> latest = new ConcurrentHashMap<>();
    private final Map<String, CameraAnalytics> analytics = new ConcurrentHashMap<>();
    private volatile StateUnavailableException unavailable;

    void putAnalytics(CameraAnalytics window) {
        analytics.put(window.getCameraId() + "/" + window.getStep() + "/" + window.getStart().toEpochMilli(), window);
    }

    void put(CameraLatest result) {
        latest.put(result.getFrameResult().getCameraId(), result);
    }

    void remove(String cameraId) {
        latest.remove(cameraId);
    }

    void failWith(StateUnavailableException e) {
        unavailable = e;
    }

    @Override
    public Optional<CameraLatest> latest(String cameraId) throws StateUnavailableException {
        throwIfUnavailable();
        return Optional.ofNullable(latest.get(cameraId));
    }

    @Override
    public List<CameraSeen> cameras() throws StateUnavailableException {
        throwIfUnavailable();
        return latest.values().stream()
                .map(l -> new CameraSeen(l.getFrameResult().getCameraId(), l.getFrameResult().getProcessedTime(),
                        l.getFrameResult().getSequence()))
                .sorted(Comparator.comparing(CameraSeen::cameraId))
                .toList();
    }

    @Override
    public List<CameraAnalytics> analytics(String cameraId, AnalyticsStep step, Instant from, Instant to)
            throws StateUnavailableException {
        throwIfUnavailable();
        return analytics.values().stream()
                .filter(w -> w.getCameraId().equals(cameraId) && w.getStep() == step
                        && !w.getStart().isBefore(from) && w.getStart().isBefore(to))
                .sorted(Comparator.comparing(CameraAnalytics::getStart))
                .toList();
    }

    private void throwIfUnavailable() throws StateUnavailableException {
        if (unavailable != null) {
            throw unavailable;
        }
    }
}
