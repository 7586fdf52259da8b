package io.biostream.operators.vision;

import io.biostream.operators.config.Settings;
import java.io.Serializable;
import java.util.List;
import java.util.Locale;

/** Which detector the face path uses and the sizes it works with; validated when built. */
public record VisionConfig(String detector, int minFaceSize, int maxDetectSide) implements Serializable {
    public static final List<String> DETECTORS = List.of("haar");
    public static final VisionConfig DEFAULTS = new VisionConfig("haar", 40, 960);

    public VisionConfig {
        if (!DETECTORS.contains(detector)) {
            throw new Settings.ConfigException("biostream.vision.detector", "must be one of " + DETECTORS + ", got '" + detector + "'");
        }
        if (minFaceSize < 1 || maxDetectSide < 64) {
            throw new Settings.ConfigException("biostream.vision", "min-face-size must be >= 1 and max-detect-side >= 64");
        }
    }

    public static VisionConfig from(Settings s) {
        return new VisionConfig(
                s.get("biostream.vision.detector", DEFAULTS.detector).toLowerCase(Locale.ROOT),
                s.getInt("biostream.vision.min-face-size", DEFAULTS.minFaceSize, 1, 10_000),
                s.getInt("biostream.vision.max-detect-side", DEFAULTS.maxDetectSide, 64, 16_384));
    }

    /** Loads the detector and descriptor net this configuration names. */
    public FacePipeline openPipeline() {
        FaceDetector faceDetector = new HaarFaceDetector(minFaceSize, maxDetectSide);
        return new FacePipeline(faceDetector, FaceDescriptorNet.load(), minFaceSize);
    }
}
