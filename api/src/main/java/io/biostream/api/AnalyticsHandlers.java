package io.biostream.api;

import io.biostream.api.state.CameraStateReader;
import io.biostream.api.state.StateUnavailableException;
import io.biostream.operators.config.CameraIds;
import io.biostream.schemas.AnalyticsStep;
import io.biostream.schemas.CameraAnalytics;
import io.javalin.http.Context;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * GET /api/v1/analytics/cameras/{id}?from&to&step: a camera's counts per minute or per hour from
 * the job's closed event-time windows (queryable state). Every step in [from, to) has a bucket; a
 * window with no frames, or not closed yet, counts zero.
 */
final class AnalyticsHandlers {
    /** Most buckets one answer holds (a day of minutes). */
    static final int MAX_BUCKETS = 1440;

    record Bucket(Instant start, long frames, long faces, long described, long subjects, long unknown, long deadLetters) {
        static Bucket of(CameraAnalytics w) {
            return new Bucket(w.getStart(), w.getFrames(), w.getFaces(), w.getDescribed(), w.getSubjects(), w.getUnknown(),
                    w.getDeadLetters());
        }

        static Bucket empty(Instant start) {
            return new Bucket(start, 0, 0, 0, 0, 0, 0);
        }
    }

    record CameraCounts(String cameraId, String step, List<Bucket> buckets) {}

    private final CameraStateReader state;
    private final Clock clock;

    AnalyticsHandlers(CameraStateReader state, Clock clock) {
        this.state = state;
        this.clock = clock;
    }

    /** GET /api/v1/analytics/cameras/{id}: from and to are ISO-8601 instants (defaults: the last hour of minutes, the last day of hours). */
    void camera(Context ctx) throws StateUnavailableException {
        String cameraId = ctx.pathParam("id");
        if (!CameraIds.isValid(cameraId)) {
            throw ApiError.badRequest("invalid_camera_id", "a camera id is 1 to 128 letters, digits or . _ : -");
        }
        String stepText = ctx.queryParam("step") == null ? "minute" : ctx.queryParam("step");
        AnalyticsStep step = switch (stepText) {
            case "minute" -> AnalyticsStep.MINUTE;
            case "hour" -> AnalyticsStep.HOUR;
            default -> throw ApiError.badRequest("invalid_step", "step is minute or hour");
        };
        long stepMs = step == AnalyticsStep.HOUR ? Duration.ofHours(1).toMillis() : Duration.ofMinutes(1).toMillis();
        Instant to = instant(ctx, "to", clock.instant());
        Instant from = instant(ctx, "from", to.minusMillis(stepMs * (step == AnalyticsStep.HOUR ? 24 : 60)));
        // Whole steps: from down to its step, to up to its step.
        long first = Math.floorDiv(from.toEpochMilli(), stepMs) * stepMs;
        long end = -Math.floorDiv(-to.toEpochMilli(), stepMs) * stepMs;
        if (end <= first) {
            throw ApiError.badRequest("invalid_range", "from must be before to");
        }
        if ((end - first) / stepMs > MAX_BUCKETS) {
            throw ApiError.badRequest("range_too_large", "at most " + MAX_BUCKETS + " " + stepText + "s in one request");
        }
        Map<Long, CameraAnalytics> closed = new HashMap<>();
        for (CameraAnalytics w : state.analytics(cameraId, step, Instant.ofEpochMilli(first), Instant.ofEpochMilli(end))) {
            closed.put(w.getStart().toEpochMilli(), w);
        }
        List<Bucket> buckets = new ArrayList<>();
        for (long start = first; start < end; start += stepMs) {
            CameraAnalytics w = closed.get(start);
            buckets.add(w == null ? Bucket.empty(Instant.ofEpochMilli(start)) : Bucket.of(w));
        }
        ctx.json(new CameraCounts(cameraId, step.name().toLowerCase(Locale.ROOT), buckets));
    }

    private static Instant instant(Context ctx, String name, Instant fallback) {
        String text = ctx.queryParam(name);
        if (text == null || text.isBlank()) {
            return fallback;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            throw ApiError.badRequest("invalid_time", name + " is an ISO-8601 instant such as 2026-03-02T10:00:00Z: " + text);
        }
    }
}
