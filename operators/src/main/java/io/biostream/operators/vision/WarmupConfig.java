package io.biostream.operators.vision;

import io.biostream.operators.config.Settings;
import java.io.Serializable;
import java.time.Duration;

/**
 * How long each analysis subtask runs its vision path on synthetic input when it opens, before its
 * first frame ({@code biostream.vision.warmup}, {@link VisionWarmup}): 0 turns the warm-up off.
 *
 * @param duration the warm-up's time bound, 0 (off) to 5 min; the first pass runs whole, and one net call may overrun it
 */
public record WarmupConfig(Duration duration) implements Serializable {
    public static final String KEY = "biostream.vision.warmup";
    public static final Duration MAX = Duration.ofMinutes(5);
    public static final WarmupConfig DEFAULTS = new WarmupConfig(Duration.ofSeconds(20));
    public static final WarmupConfig OFF = new WarmupConfig(Duration.ZERO);

    public WarmupConfig {
        if (duration == null || duration.isNegative() || duration.compareTo(MAX) > 0) {
            throw new Settings.ConfigException(KEY, "must be a duration from 0 (off) to " + MAX.toMinutes()
                    + "min, such as 20s, got " + duration);
        }
    }

    public static WarmupConfig from(Settings s) {
        return new WarmupConfig(s.getDuration(KEY, DEFAULTS.duration));
    }

    public boolean enabled() {
        return !duration.isZero();
    }
}
