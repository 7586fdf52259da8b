package io.biostream.operators.identity;

import io.biostream.operators.vision.VisionConfig;
import io.biostream.schemas.CameraOverride;
import io.biostream.schemas.MatchSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a MatchSettings must satisfy before the job applies it (and the API should refuse
 * otherwise): each problem as a sentence naming the field.
 */
public final class MatchSettingsRules {
    public static final int MAX_TOP_K = 100;
    public static final float MAX_THRESHOLD = 10f;
    public static final int MAX_MIN_FACE_SIZE = 10_000;
    /** Retention of unenrolled faces' templates: the schema's default, 30 days. */
    public static final long DEFAULT_RETENTION_SECONDS = 30L * 24 * 3600;
    public static final long MIN_RETENTION_SECONDS = 1;
    /** Three years (of 365 days). */
    public static final long MAX_RETENTION_SECONDS = 3L * 365 * 24 * 3600;

    private MatchSettingsRules() {}

    public static List<String> problems(MatchSettings s) {
        List<String> problems = new ArrayList<>();
        threshold("threshold", s.getThreshold(), problems);
        minFaceSize("minFaceSize", s.getMinFaceSize(), problems);
        minQuality("minQuality", s.getMinQuality(), problems);
        if (s.getDetector() == null || !VisionConfig.DETECTORS.contains(s.getDetector())) {
            problems.add("detector must be one of " + VisionConfig.DETECTORS + ", got '" + s.getDetector() + "'");
        }
        if (s.getTopK() < 1 || s.getTopK() > MAX_TOP_K) {
            problems.add("topK must be between 1 and " + MAX_TOP_K + ", got " + s.getTopK());
        }
        privacyMode("privacyMode", s.getPrivacyMode(), problems);
        retentionSeconds("retentionSeconds", s.getRetentionSeconds(), problems);
        if (s.getCameras() != null) {
            for (Map.Entry<String, CameraOverride> e : s.getCameras().entrySet()) {
                String prefix = "cameras." + e.getKey() + ".";
                CameraOverride o = e.getValue();
                if (o.getThreshold() != null) {
                    threshold(prefix + "threshold", o.getThreshold(), problems);
                }
                if (o.getMinFaceSize() != null) {
                    minFaceSize(prefix + "minFaceSize", o.getMinFaceSize(), problems);
                }
                if (o.getMinQuality() != null) {
                    minQuality(prefix + "minQuality", o.getMinQuality(), problems);
                }
                if (o.getPrivacyMode() != null) {
                    privacyMode(prefix + "privacyMode", o.getPrivacyMode(), problems);
                }
                if (o.getRetentionSeconds() != null) {
                    retentionSeconds(prefix + "retentionSeconds", o.getRetentionSeconds(), problems);
                }
            }
        }
        return problems;
    }

    private static void threshold(String field, float value, List<String> problems) {
        if (!(value > 0 && value <= MAX_THRESHOLD)) {
            problems.add(field + " must be more than 0 and at most " + MAX_THRESHOLD + ", got " + value);
        }
    }

    private static void minFaceSize(String field, int value, List<String> problems) {
        if (value < 1 || value > MAX_MIN_FACE_SIZE) {
            problems.add(field + " must be between 1 and " + MAX_MIN_FACE_SIZE + ", got " + value);
        }
    }

    private static void minQuality(String field, float value, List<String> problems) {
        if (!(value >= 0 && value <= 1)) {
            problems.add(field + " must be between 0 and 1, got " + value);
        }
    }

    private static void privacyMode(String field, String value, List<String> problems) {
        if (PrivacyMode.fromWire(value).isEmpty()) {
            problems.add(field + " must be one of " + PrivacyMode.wireNames() + ", got '" + value + "'");
        }
    }

    private static void retentionSeconds(String field, long value, List<String> problems) {
        if (value < MIN_RETENTION_SECONDS || value > MAX_RETENTION_SECONDS) {
            problems.add(field + " must be between " + MIN_RETENTION_SECONDS + " and " + MAX_RETENTION_SECONDS
                    + " seconds (3 years), got " + value);
        }
    }
}
