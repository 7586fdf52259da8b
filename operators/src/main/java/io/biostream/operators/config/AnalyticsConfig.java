package io.biostream.operators.config;

import java.io.Serializable;
import java.time.Duration;

/**
 * The business analytics of the job ({@code biostream.analytics.*}): event-time windows on each
 * frame's captureTime per camera per minute and per hour, and per subject and camera visits
 * (session windows).
 *
 * @param outOfOrderness  how far behind the newest captureTime a frame may come and still count:
 *                        the watermark trails the newest captureTime by this much, and a window
 *                        closes when the watermark passes its end; a later frame is dropped from
 *                        the counts (and counted as late)
 * @param idleness        an analysis subtask that saw no frame this long stops holding the
 *                        watermark back, so one quiet camera partition does not stall every window
 * @param visitGap        a subject not matched on a camera for this long has left: the visit ends
 *                        at its last match (its dwell time: last match minus first)
 * @param minuteRetention how long minute windows stay queryable
 * @param hourRetention   how long hour windows stay queryable
 */
public record AnalyticsConfig(Duration outOfOrderness, Duration idleness, Duration visitGap, Duration minuteRetention,
                              Duration hourRetention) implements Serializable {
    public static final String PREFIX = "biostream.analytics.";
    public static final AnalyticsConfig DEFAULTS = new AnalyticsConfig(Duration.ofSeconds(10), Duration.ofMinutes(1),
            Duration.ofMinutes(5), Duration.ofDays(2), Duration.ofDays(90));

    public AnalyticsConfig {
        require(outOfOrderness, "out-of-orderness", Duration.ZERO, Duration.ofHours(1));
        require(idleness, "idleness", Duration.ofSeconds(1), Duration.ofDays(1));
        require(visitGap, "visit-gap", Duration.ofSeconds(1), Duration.ofDays(1));
        require(minuteRetention, "minute-retention", Duration.ofMinutes(1), Duration.ofDays(31));
        require(hourRetention, "hour-retention", Duration.ofHours(1), Duration.ofDays(3660));
    }

    public static AnalyticsConfig from(Settings s) {
        return new AnalyticsConfig(
                s.getDuration("biostream.analytics.out-of-orderness", DEFAULTS.outOfOrderness),
                s.getDuration("biostream.analytics.idleness", DEFAULTS.idleness),
                s.getDuration("biostream.analytics.visit-gap", DEFAULTS.visitGap),
                s.getDuration("biostream.analytics.minute-retention", DEFAULTS.minuteRetention),
                s.getDuration("biostream.analytics.hour-retention", DEFAULTS.hourRetention));
    }

    private static void require(Duration value, String name, Duration min, Duration max) {
        if (value == null || value.compareTo(min) < 0 || value.compareTo(max) > 0) {
            throw new Settings.ConfigException(PREFIX + name, "must be from " + min + " to " + max + ": " + value);
        }
    }
}
