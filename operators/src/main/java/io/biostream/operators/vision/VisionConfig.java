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
 * chip, {@link AlignedFaceChip}) and whether it describes the crop and its mirror image averaged;
 * {@code cascade} adds later detection stages for faces the SSD misses ({@link DetectionCascade}:
 * {@code off}, {@code on} or a comma list of stages) within {@code cascadeBudgetMs} per frame;
 * {@code landmarkPasses} further landmark passes on the box derived from the points before and
 * {@code landmarkMirror} averaging the points with the mirrored crop's ({@link LandmarkRefinement}),
 * the passes for every face or ({@code landmarkRefineScope} {@code regions}) only for regions no detector gave;
 * {@code landmarkMirrorScope} likewise for the landmark mirror average; {@code regionFramings} (1, 3 or 5)
 * averages a region's first landmark pass over scaled copies of its box;
 * {@code descriptorJitter} ({@code off}, {@code regions}, {@code all}) describes those faces as the mean over
 * jittered aligned chips ({@link DescriptorJitter}) and {@code regionCrop} ({@code same}, {@code face-api},
 * {@code blend}) picks the crop for regions no detector gave ({@link RegionCrop}); both off by default.
 * <p>The defaults are the most accurate path measured (docs/accuracy.md): the aligned crop with the
 * mirror average. Its templates carry the model id
 * {@code face-api-recognition-1.7.15+aligned+mirror-average}. The detection cascade stays off by
 * default: on whole images (no border) its extra faces made bbt's verification worse than the
 * peer's (docs/accuracy.md, "Whole images"); {@code on} trades that for recall. The peer's path
 * (face-api's crop, no average, cascade off) is what face-api computes, for parity. The cascade's
 * 1000 ms per frame bounds what a frame without a face costs (it runs every later stage).
 */
public record VisionConfig(String detector, double minConfidence, int tinyInputSize, String landmarks,
                           int minFaceSize, double minQuality, int maxDetectSide,
                           String crop, boolean mirrorAverage, String cascade, int cascadeBudgetMs,
                           int landmarkPasses, boolean landmarkMirror, String landmarkRefineScope,
                           String landmarkMirrorScope, String descriptorJitter, String regionCrop,
                           int regionFramings) implements Serializable {
    public static final List<String> DETECTORS = List.of("ssd", "tiny", "haar");
    public static final List<String> LANDMARK_NETS = List.of("full", "tiny");
    public static final List<String> CROPS = List.of("face-api", "aligned");
    /** Which faces get the further landmark passes: every face, or only regions no detector gave. */
    public static final List<String> LANDMARK_REFINE_SCOPES = List.of("all", "regions");
    /** Which faces get the landmark mirror average: every face, or only regions no detector gave. */
    public static final List<String> LANDMARK_MIRROR_SCOPES = List.of("all", "regions");
    public static final VisionConfig DEFAULTS = new VisionConfig("ssd", 0.5, 416, "full", 40, 0.0, 960,
            "aligned", true, "off", 1000);

    /** Without landmark refinement or mirror average (both off). */
    public VisionConfig(String detector, double minConfidence, int tinyInputSize, String landmarks,
                        int minFaceSize, double minQuality, int maxDetectSide,
                        String crop, boolean mirrorAverage, String cascade, int cascadeBudgetMs) {
        this(detector, minConfidence, tinyInputSize, landmarks, minFaceSize, minQuality, maxDetectSide,
                crop, mirrorAverage, cascade, cascadeBudgetMs, 0, false, "all");
    }

    /** Without descriptor jitter, regions described with the configured crop. */
    public VisionConfig(String detector, double minConfidence, int tinyInputSize, String landmarks,
                        int minFaceSize, double minQuality, int maxDetectSide,
                        String crop, boolean mirrorAverage, String cascade, int cascadeBudgetMs,
                        int landmarkPasses, boolean landmarkMirror, String landmarkRefineScope) {
        this(detector, minConfidence, tinyInputSize, landmarks, minFaceSize, minQuality, maxDetectSide,
                crop, mirrorAverage, cascade, cascadeBudgetMs, landmarkPasses, landmarkMirror, landmarkRefineScope,
                "all", "off", "same", 1);
    }

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
        List<DetectionCascade.Stage> stages;
        try {
            stages = DetectionCascade.parseStages(cascade);
        } catch (IllegalArgumentException e) {
            throw new Settings.ConfigException("biostream.vision.cascade", "must be off, on or a comma list of "
                    + DetectionCascade.Stage.labels() + ": " + e.getMessage());
        }
        if (!stages.isEmpty() && !detector.equals("ssd")) {
            throw new Settings.ConfigException("biostream.vision.cascade", "needs biostream.vision.detector ssd"
                    + " (its first stage), got '" + detector + "'");
        }
        if (cascadeBudgetMs < 0) {
            throw new Settings.ConfigException("biostream.vision.cascade-budget-ms", "must be >= 0, got " + cascadeBudgetMs);
        }
        if (landmarkPasses < 0 || landmarkPasses > LandmarkRefinement.MAX_PASSES) {
            throw new Settings.ConfigException("biostream.vision.landmark-passes", "must be between 0 (off) and "
                    + LandmarkRefinement.MAX_PASSES + " further landmark passes, got " + landmarkPasses);
        }
        if (!LANDMARK_REFINE_SCOPES.contains(landmarkRefineScope)) {
            throw new Settings.ConfigException("biostream.vision.landmark-refine-scope", "must be one of "
                    + LANDMARK_REFINE_SCOPES + ", got '" + landmarkRefineScope + "'");
        }
        if (!LANDMARK_MIRROR_SCOPES.contains(landmarkMirrorScope)) {
            throw new Settings.ConfigException("biostream.vision.landmark-mirror-scope", "must be one of "
                    + LANDMARK_MIRROR_SCOPES + ", got '" + landmarkMirrorScope + "'");
        }
        if (!DescriptorJitter.Scope.names().contains(descriptorJitter)) {
            throw new Settings.ConfigException("biostream.vision.descriptor-jitter", "must be one of "
                    + DescriptorJitter.Scope.names() + ", got '" + descriptorJitter + "'");
        }
        if (!descriptorJitter.equals("off") && !crop.equals("aligned")) {
            throw new Settings.ConfigException("biostream.vision.descriptor-jitter", "jitters dlib's aligned chip:"
                    + " needs biostream.vision.crop aligned, got '" + crop + "'");
        }
        if (!LandmarkRefinement.FRAMING_COUNTS.contains(regionFramings)) {
            throw new Settings.ConfigException("biostream.vision.region-framings", "must be one of "
                    + LandmarkRefinement.FRAMING_COUNTS + " (1: the region's box alone), got " + regionFramings);
        }
        if (!RegionCrop.names().contains(regionCrop)) {
            throw new Settings.ConfigException("biostream.vision.region-crop", "must be one of "
                    + RegionCrop.names() + ", got '" + regionCrop + "'");
        }
    }

    public static VisionConfig from(Settings s) {
        String detector = s.get("biostream.vision.detector", DEFAULTS.detector).toLowerCase(Locale.ROOT);
        return new VisionConfig(
                detector,
                s.getDouble("biostream.vision.min-confidence", DEFAULTS.minConfidence),
                s.getInt("biostream.vision.tiny-input-size", DEFAULTS.tinyInputSize, 32, 4096),
                s.get("biostream.vision.landmarks", DEFAULTS.landmarks).toLowerCase(Locale.ROOT),
                s.getInt("biostream.vision.min-face-size", DEFAULTS.minFaceSize, 1, 10_000),
                s.getDouble("biostream.vision.min-quality", DEFAULTS.minQuality),
                s.getInt("biostream.vision.max-detect-side", DEFAULTS.maxDetectSide, 64, 16_384),
                s.get("biostream.vision.crop", DEFAULTS.crop).toLowerCase(Locale.ROOT),
                s.getBoolean("biostream.vision.mirror-average", DEFAULTS.mirrorAverage),
                // the default cascade starts with the SSD: another detector runs alone unless a cascade is asked for (refused)
                s.get("biostream.vision.cascade", detector.equals("ssd") ? DEFAULTS.cascade : "off").toLowerCase(Locale.ROOT),
                s.getInt("biostream.vision.cascade-budget-ms", DEFAULTS.cascadeBudgetMs, 0, 60_000),
                s.getInt("biostream.vision.landmark-passes", DEFAULTS.landmarkPasses, 0, LandmarkRefinement.MAX_PASSES),
                s.getBoolean("biostream.vision.landmark-mirror", DEFAULTS.landmarkMirror),
                s.get("biostream.vision.landmark-refine-scope", DEFAULTS.landmarkRefineScope).toLowerCase(Locale.ROOT),
                s.get("biostream.vision.landmark-mirror-scope", DEFAULTS.landmarkMirrorScope).toLowerCase(Locale.ROOT),
                s.get("biostream.vision.descriptor-jitter", DEFAULTS.descriptorJitter).toLowerCase(Locale.ROOT),
                s.get("biostream.vision.region-crop", DEFAULTS.regionCrop).toLowerCase(Locale.ROOT),
                s.getInt("biostream.vision.region-framings", DEFAULTS.regionFramings, 1, 5));
    }

    /**
     * The same settings with detector {@code name} (a live SETTINGS_CHANGED may pick any): the
     * cascade, whose first stage is the SSD, is kept only with {@code ssd}.
     */
    public VisionConfig withDetector(String name) {
        return new VisionConfig(name, minConfidence, tinyInputSize, landmarks, minFaceSize, minQuality, maxDetectSide,
                crop, mirrorAverage, name.equals("ssd") ? cascade : "off", cascadeBudgetMs, landmarkPasses, landmarkMirror, landmarkRefineScope,
                landmarkMirrorScope, descriptorJitter, regionCrop, regionFramings);
    }

    public VisionConfig withMinQuality(double quality) {
        return new VisionConfig(detector, minConfidence, tinyInputSize, landmarks, minFaceSize, quality, maxDetectSide,
                crop, mirrorAverage, cascade, cascadeBudgetMs, landmarkPasses, landmarkMirror, landmarkRefineScope,
                landmarkMirrorScope, descriptorJitter, regionCrop, regionFramings);
    }

    public VisionConfig withMinFaceSize(int size) {
        return new VisionConfig(detector, minConfidence, tinyInputSize, landmarks, size, minQuality, maxDetectSide,
                crop, mirrorAverage, cascade, cascadeBudgetMs, landmarkPasses, landmarkMirror, landmarkRefineScope,
                landmarkMirrorScope, descriptorJitter, regionCrop, regionFramings);
    }

    /** The same settings with the descriptor crop {@code name} and mirror averaging on or off. */
    public VisionConfig withDescriptorCrop(String name, boolean mirror) {
        return new VisionConfig(detector, minConfidence, tinyInputSize, landmarks, minFaceSize, minQuality, maxDetectSide,
                name, mirror, cascade, cascadeBudgetMs, landmarkPasses, landmarkMirror, landmarkRefineScope,
                landmarkMirrorScope, descriptorJitter, regionCrop, regionFramings);
    }

    /** The same settings with the cascade's stages ({@code off}, {@code on} or a stage list). */
    public VisionConfig withCascade(String stages) {
        return new VisionConfig(detector, minConfidence, tinyInputSize, landmarks, minFaceSize, minQuality, maxDetectSide,
                crop, mirrorAverage, stages, cascadeBudgetMs, landmarkPasses, landmarkMirror, landmarkRefineScope,
                landmarkMirrorScope, descriptorJitter, regionCrop, regionFramings);
    }

    /** The same settings with this per-frame time budget for the cascade's later stages. */
    public VisionConfig withCascadeBudgetMs(int budgetMs) {
        return new VisionConfig(detector, minConfidence, tinyInputSize, landmarks, minFaceSize, minQuality, maxDetectSide,
                crop, mirrorAverage, cascade, budgetMs, landmarkPasses, landmarkMirror, landmarkRefineScope,
                landmarkMirrorScope, descriptorJitter, regionCrop, regionFramings);
    }

    /** The same settings with {@code passes} further landmark passes and the landmark mirror average on or off. */
    public VisionConfig withLandmarkRefinement(int passes, boolean mirror) {
        return new VisionConfig(detector, minConfidence, tinyInputSize, landmarks, minFaceSize, minQuality, maxDetectSide,
                crop, mirrorAverage, cascade, cascadeBudgetMs, passes, mirror, landmarkRefineScope,
                landmarkMirrorScope, descriptorJitter, regionCrop, regionFramings);
    }

    /** The same settings with the landmark mirror average for {@code scope} ({@code all} or {@code regions}). */
    public VisionConfig withLandmarkMirrorScope(String scope) {
        return new VisionConfig(detector, minConfidence, tinyInputSize, landmarks, minFaceSize, minQuality, maxDetectSide,
                crop, mirrorAverage, cascade, cascadeBudgetMs, landmarkPasses, landmarkMirror, landmarkRefineScope,
                scope, descriptorJitter, regionCrop, regionFramings);
    }

    /** The same settings with the descriptor jitter for {@code scope} ({@code off}, {@code regions} or {@code all}). */
    public VisionConfig withDescriptorJitter(String scope) {
        return new VisionConfig(detector, minConfidence, tinyInputSize, landmarks, minFaceSize, minQuality, maxDetectSide,
                crop, mirrorAverage, cascade, cascadeBudgetMs, landmarkPasses, landmarkMirror, landmarkRefineScope,
                landmarkMirrorScope, scope, regionCrop, regionFramings);
    }

    /** The same settings with regions no detector gave described with {@code regionCrop} ({@code same}, {@code face-api}, {@code blend}). */
    public VisionConfig withRegionCrop(String regionCrop) {
        return new VisionConfig(detector, minConfidence, tinyInputSize, landmarks, minFaceSize, minQuality, maxDetectSide,
                crop, mirrorAverage, cascade, cascadeBudgetMs, landmarkPasses, landmarkMirror, landmarkRefineScope,
                landmarkMirrorScope, descriptorJitter, regionCrop, regionFramings);
    }

    /** The same settings with a region's first landmark pass averaged over {@code framings} scalings of its box (1: off). */
    public VisionConfig withRegionFramings(int framings) {
        return new VisionConfig(detector, minConfidence, tinyInputSize, landmarks, minFaceSize, minQuality, maxDetectSide,
                crop, mirrorAverage, cascade, cascadeBudgetMs, landmarkPasses, landmarkMirror, landmarkRefineScope,
                landmarkMirrorScope, descriptorJitter, regionCrop, framings);
    }

    /** Loads the nets this configuration names (seconds: do it once per subtask or process). */
    public FacePipeline openPipeline() {
        FaceDetector faceDetector = switch (detector) {
            case "ssd" -> SsdMobilenetV1Detector.load(minConfidence, SsdMobilenetV1Detector.DEFAULT_MAX_RESULTS);
            case "tiny" -> TinyFaceDetector.load(tinyInputSize, minConfidence);
            default -> new HaarFaceDetector(minFaceSize, maxDetectSide);
        };
        FaceLandmarkNet.Variant variant = landmarks.equals("tiny") ? FaceLandmarkNet.Variant.TINY : FaceLandmarkNet.Variant.FULL;
        FaceLandmarkNet landmarkNet = FaceLandmarkNet.load(variant);
        List<DetectionCascade.Stage> stages = DetectionCascade.parseStages(cascade);
        if (!stages.isEmpty()) {
            faceDetector = new DetectionCascade((SsdMobilenetV1Detector) faceDetector,
                    stages.contains(DetectionCascade.Stage.TINY) ? TinyFaceDetector.load(tinyInputSize, DetectionCascade.Stage.TINY.minScore()) : null,
                    landmarkNet, stages, cascadeBudgetMs);
        }
        return new FacePipeline(faceDetector, landmarkNet, FaceDescriptorNet.load(), minFaceSize, minQuality,
                DescriptorCrop.named(crop), mirrorAverage, new LandmarkRefinement(landmarkNet, landmarkPasses, landmarkMirror,
                        landmarkRefineScope.equals("regions"), landmarkMirrorScope.equals("regions"), regionFramings), DescriptorJitter.Scope.named(descriptorJitter),
                RegionCrop.named(regionCrop));
    }
}
