package io.biostream.operators.vision;

import io.biostream.operators.config.Settings;
import java.io.Serializable;
import java.util.List;
import java.util.Locale;

/**
 * The face path's settings, validated when built: which detector finds faces (face-api's SSD by
 * default, its tiny detector, or OpenCV's Haar cascade), which landmark net places the 68 points,
 * and the minimum face size and quality below which a face is reported but not described; which
 * crop the descriptor net sees ({@code face-api}'s axis-aligned square or dlib's {@code aligned}
 * chip, {@link AlignedFaceChip}) and whether it describes the crop and its mirror image averaged.
 */
public record VisionConfig(String detector, double minConfidence, int tinyInputSize, String landmarks,
                           int minFaceSize, double minQuality, int maxDetectSide,
                           String crop, boolean mirrorAverage) implements Serializable {
    public static final List<String> DETECTORS = List.of("ssd", "tiny", "haar");
    public static final List<String> LANDMARK_NETS = List.of("full", "tiny");
    public static final List<String> CROPS = List.of("face-api", "aligned");
    public static final VisionConfig DEFAULTS = new VisionConfig("ssd", 0.5, 416, "full", 40, 0.0, 960,
            "face-api", false);

    public VisionConfig {
        if (!DETECTORS.contains(detector)) {
            throw new Settings.ConfigException("biostream.vision.detector", "must be one of " + DETECTORS + ", got '" + detector + "'");
        }
        if (!LANDMARK_NETS.contains(landmarks)) {
            throw new Settings.ConfigException("biostream.vision.landmarks", "must be one of " + LANDMARK_NETS + ", got '" + landmarks + "'");
        }
        if (!CROPS.contains(crop)) {
            throw new Settings.ConfigException("biostream.vision.crop", "must be one of " + CROPS + ", got '" + crop + "'");
        }
        if (!(minConfidence > 0 && minConfidence < 1)) {
            throw new Settings.ConfigException("biostream.vision.min-confidence", "must be between 0 and 1 (exclusive), got " + minConfidence);
        }
        if (tinyInputSize < 32 || tinyInputSize % 32 != 0) {
            throw new Settings.ConfigException("biostream.vision.tiny-input-size", "must be a multiple of 32, got " + tinyInputSize);
        }
        if (!(minQuality >= 0 && minQuality <= 1)) {
            throw new Settings.ConfigException("biostream.vision.min-quality", "must be between 0 and 1, got " + minQuality);
        }
        if (minFaceSize < 1 || maxDetectSide < 64) {
            throw new Settings.ConfigException("biostream.vision", "min-face-size must be >= 1 and max-detect-side >= 64");
        }
    }

    public static VisionConfig from(Settings s) {
        return new VisionConfig(
                s.get("biostream.vision.detector", DEFAULTS.detector).toLowerCase(Locale.ROOT),
                s.getDouble("biostream.vision.min-confidence", DEFAULTS.minConfidence),
                s.getInt("biostream.vision.tiny-input-size", DEFAULTS.tinyInputSize, 32, 4096),
                s.get("biostream.vision.landmarks", DEFAULTS.landmarks).toLowerCase(Locale.ROOT),
                s.getInt("biostream.vision.min-face-size", DEFAULTS.minFaceSize, 1, 10_000),
                s.getDouble("biostream.vision.min-quality", DEFAULTS.minQuality),
                s.getInt("biostream.vision.max-detect-side", DEFAULTS.maxDetectSide, 64, 16_384),
                s.get("biostream.vision.crop", DEFAULTS.crop).toLowerCase(Locale.ROOT),
                s.getBoolean("biostream.vision.mirror-average", DEFAULTS.mirrorAverage));
    }

    public VisionConfig withDetector(String name) {
        return new VisionConfig(name, minConfidence, tinyInputSize, landmarks, minFaceSize, minQuality, maxDetectSide, crop, mirrorAverage);
    }

    public VisionConfig withMinQuality(double quality) {
        return new VisionConfig(detector, minConfidence, tinyInputSize, landmarks, minFaceSize, quality, maxDetectSide, crop, mirrorAverage);
    }

    public VisionConfig withMinFaceSize(int size) {
        return new VisionConfig(detector, minConfidence, tinyInputSize, landmarks, size, minQuality, maxDetectSide, crop, mirrorAverage);
    }

    /** The same settings with the descriptor crop {@code name} and mirror averaging on or off. */
    public VisionConfig withDescriptorCrop(String name, boolean mirror) {
        return new VisionConfig(detector, minConfidence, tinyInputSize, landmarks, minFaceSize, minQuality, maxDetectSide,
                name, mirror);
    }

    /** Loads the nets this configuration names (seconds: do it once per subtask or process). */
    public FacePipeline openPipeline() {
        FaceDetector faceDetector = switch (detector) {
            case "ssd" -> SsdMobilenetV1Detector.load(minConfidence, SsdMobilenetV1Detector.DEFAULT_MAX_RESULTS);
            case "tiny" -> TinyFaceDetector.load(tinyInputSize, minConfidence);
            default -> new HaarFaceDetector(minFaceSize, maxDetectSide);
        };
        FaceLandmarkNet.Variant variant = landmarks.equals("tiny") ? FaceLandmarkNet.Variant.TINY : FaceLandmarkNet.Variant.FULL;
        return new FacePipeline(faceDetector, FaceLandmarkNet.load(variant), FaceDescriptorNet.load(), minFaceSize, minQuality,
                DescriptorCrop.named(crop), mirrorAverage);
    }
}
