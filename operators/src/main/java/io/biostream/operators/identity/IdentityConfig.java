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
 * the match threshold (Euclidean distance) and how many subjects a face's identification lists; the
 * deployment's retention, which also bounds how long the camera index and ended sessions are kept.
 */
public record IdentityConfig(float matchThreshold, int topK, long retentionSeconds, long unstartedSessionTtlSeconds)
        implements Serializable {
    /** How long the summary of a session that frames name but nobody started is kept. */
    public static final long DEFAULT_UNSTARTED_SESSION_TTL_SECONDS = 3600;
    /**
     * The match threshold of the default vision path (aligned crop, mirror average, cascade): its
     * best-accuracy and TAR@FAR 1e-3 thresholds are 0.56 on bbt, 0.47-0.50 on ORL (docs/accuracy.md,
     * "Threshold"). face-api's 0.6 is its own crop's.
     */
    public static final double DEFAULT_MATCH_THRESHOLD = 0.55;
    public static final IdentityConfig DEFAULTS = new IdentityConfig((float) DEFAULT_MATCH_THRESHOLD, 5,
            MatchSettingsRules.DEFAULT_RETENTION_SECONDS);

    public IdentityConfig(float matchThreshold, int topK) {
        this(matchThreshold, topK, MatchSettingsRules.DEFAULT_RETENTION_SECONDS);
    }

    public IdentityConfig(float matchThreshold, int topK, long retentionSeconds) {
        this(matchThreshold, topK, retentionSeconds, DEFAULT_UNSTARTED_SESSION_TTL_SECONDS);
    }

    public IdentityConfig {
        List<String> problems = MatchSettingsRules.problems(MatchSettings.newBuilder()
                .setThreshold(matchThreshold).setMinFaceSize(1).setMinQuality(0f).setDetector("ssd").setTopK(topK)
                .setRetentionSeconds(retentionSeconds).build());
        if (!problems.isEmpty()) {
            throw new Settings.ConfigException("biostream.identity", String.join("; ", problems));
        }
        if (unstartedSessionTtlSeconds < 1) {
            throw new Settings.ConfigException("biostream.identity.unstarted-session-ttl", "must be at least 1 s");
        }
    }

    public static IdentityConfig from(Settings s) {
        return new IdentityConfig(
                (float) s.getDouble("biostream.identity.match-threshold", DEFAULTS.matchThreshold),
                s.getInt("biostream.identity.top-k", DEFAULTS.topK, 1, MatchSettingsRules.MAX_TOP_K),
                // The deployment's retention of faces of people not enrolled, until a SETTINGS_CHANGED sets another.
                s.getDuration("biostream.identity.retention", Duration.ofSeconds(DEFAULTS.retentionSeconds)).toSeconds(),
                // Frames may name any session id: a summary nobody started goes after this long.
                s.getDuration("biostream.identity.unstarted-session-ttl", Duration.ofSeconds(DEFAULT_UNSTARTED_SESSION_TTL_SECONDS)).toSeconds());
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
