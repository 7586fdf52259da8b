package io.biostream.operators.identity;

import io.biostream.operators.config.Settings;
import io.biostream.operators.vision.VisionConfig;
import io.biostream.schemas.MatchSettings;
import java.time.Duration;
import java.util.Map;

/**
 * The deployment's match settings (version 0), in force until the first SETTINGS_CHANGED:
 * {@code biostream.identity.match-threshold} (Euclidean, default 0.6, face-api's),
 * {@code biostream.identity.top-k} (default 5), {@code biostream.identity.retention} (default 30 days,
 * the job's version 0 says the same) and the vision path's gate and detector.
 */
public final class DefaultMatchSettings {
    public static final String MATCH_THRESHOLD = "biostream.identity.match-threshold";
    public static final String TOP_K = "biostream.identity.top-k";
    public static final String RETENTION = "biostream.identity.retention";
    public static final double DEFAULT_THRESHOLD = 0.6;
    public static final int DEFAULT_TOP_K = 5;

    private DefaultMatchSettings() {}

    public static MatchSettings from(Settings settings) {
        double threshold = settings.getDouble(MATCH_THRESHOLD, DEFAULT_THRESHOLD);
        if (!(threshold > 0 && threshold <= 2)) {
            throw new Settings.ConfigException(MATCH_THRESHOLD, "must be more than 0 and at most 2, got " + threshold);
        }
        MatchSettings defaults = of(VisionConfig.from(settings), (float) threshold, settings.getInt(TOP_K, DEFAULT_TOP_K, 1, 100));
        // Else the API's ledger starts from the schema's 30 days, and its next SETTINGS_CHANGED (any PUT) resets the job's retention to that.
        return MatchSettings.newBuilder(defaults)
                .setRetentionSeconds(settings.getDuration(RETENTION, Duration.ofSeconds(defaults.getRetentionSeconds())).toSeconds())
                .build();
    }

    public static MatchSettings of(VisionConfig vision, float threshold, int topK) {
        return MatchSettings.newBuilder()
                .setThreshold(threshold)
                .setMinFaceSize(vision.minFaceSize())
                .setMinQuality((float) vision.minQuality())
                .setDetector(vision.detector())
                .setTopK(topK)
                .setCameras(Map.of())
                .setVersion(0L)
                .build();
    }
}
