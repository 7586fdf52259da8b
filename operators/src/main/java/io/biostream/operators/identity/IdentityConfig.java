package io.biostream.operators.identity;

import io.biostream.operators.config.Settings;
import io.biostream.operators.vision.VisionConfig;
import io.biostream.schemas.MatchSettings;
import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The deployment's matching defaults, in force until the first SETTINGS_CHANGED control event:
 * the match threshold (Euclidean distance) and how many subjects a face's identification lists.
 */
public record IdentityConfig(float matchThreshold, int topK, long retentionSeconds) implements Serializable {
    public static final IdentityConfig DEFAULTS = new IdentityConfig(0.6f, 5, MatchSettingsRules.DEFAULT_RETENTION_SECONDS);

    public IdentityConfig(float matchThreshold, int topK) {
        this(matchThreshold, topK, MatchSettingsRules.DEFAULT_RETENTION_SECONDS);
    }

    public IdentityConfig {
        List<String> problems = MatchSettingsRules.problems(MatchSettings.newBuilder()
                .setThreshold(matchThreshold).setMinFaceSize(1).setMinQuality(0f).setDetector("ssd").setTopK(topK)
                .setRetentionSeconds(retentionSeconds).build());
        if (!problems.isEmpty()) {
            throw new Settings.ConfigException("biostream.identity", String.join("; ", problems));
        }
    }

    public static IdentityConfig from(Settings s) {
        return new IdentityConfig(
                (float) s.getDouble("biostream.identity.match-threshold", DEFAULTS.matchThreshold),
                s.getInt("biostream.identity.top-k", DEFAULTS.topK, 1, MatchSettingsRules.MAX_TOP_K),
                // The deployment's retention of faces of people not enrolled, until a SETTINGS_CHANGED sets another.
                s.getDuration("biostream.identity.retention", Duration.ofSeconds(DEFAULTS.retentionSeconds)).toSeconds());
    }

    /** The settings the job starts with: these values plus the vision path's gate and detector; version 0. */
    public MatchSettings defaultSettings(VisionConfig vision) {
        return MatchSettings.newBuilder()
                .setThreshold(matchThreshold)
                .setMinFaceSize(vision.minFaceSize())
                .setMinQuality((float) vision.minQuality())
                .setDetector(vision.detector())
                .setTopK(topK)
                .setRetentionSeconds(retentionSeconds)
                .setCameras(Map.of())
                .setVersion(0L)
                .build();
    }
}
