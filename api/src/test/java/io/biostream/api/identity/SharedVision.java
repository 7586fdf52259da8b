package io.biostream.api.identity;

import io.biostream.operators.decode.DecodeLimits;
import io.biostream.operators.vision.VisionConfig;
import java.time.Duration;

/** One face pipeline for every test class of this JVM: loading the nets takes seconds and memory. */
public final class SharedVision {
    /**
     * The default limits with a short decode-budget wait: a test holding the budget
     * ({@link io.biostream.operators.decode.DecodeBudget#shared}) sees the 503 at once.
     */
    public static final DecodeLimits LIMITS = new DecodeLimits(DecodeLimits.DEFAULTS.maxFrameBytes(), DecodeLimits.DEFAULTS.maxWidth(),
            DecodeLimits.DEFAULTS.maxHeight(), DecodeLimits.DEFAULTS.maxPixels(), DecodeLimits.DEFAULTS.maxScans(),
            DecodeLimits.DEFAULTS.budgetBytes(), Duration.ofMillis(200));
    private static VisionService vision;

    private SharedVision() {}

    public static synchronized VisionService get() {
        if (vision == null) {
            vision = VisionService.open(VisionConfig.DEFAULTS, LIMITS, Duration.ofSeconds(60));
        }
        return vision;
    }
}
