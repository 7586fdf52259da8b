package io.biostream.api.identity;

import io.biostream.operators.decode.DecodeLimits;
import io.biostream.operators.vision.VisionConfig;
import java.time.Duration;

/** One face pipeline for every test class of this JVM: loading the nets takes seconds and memory. */
public final class SharedVision {
    private static VisionService vision;

    private SharedVision() {}

    public static synchronized VisionService get() {
        if (vision == null) {
            vision = VisionService.open(VisionConfig.DEFAULTS, DecodeLimits.DEFAULTS, Duration.ofSeconds(60));
        }
        return vision;
    }
}
