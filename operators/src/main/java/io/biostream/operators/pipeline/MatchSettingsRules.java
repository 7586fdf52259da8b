package io.biostream.operators.pipeline;

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
}
