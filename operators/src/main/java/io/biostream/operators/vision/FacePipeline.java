package io.biostream.operators.vision;

import io.biostream.operators.image.RgbImage;
import io.biostream.schemas.FaceStatus;
import java.util.ArrayList;
import java.util.List;

/**
 * The vision path shared by the job, the command line, the evaluation and the API, as face-api runs
 * it: detect faces, find each face's 68 landmarks, cut the configured descriptor crop from them
 * (face-api's by default, {@link DescriptorCrop}), assess quality, and describe the faces that
 * pass in one batch, optionally averaged with their mirror images. Not thread-safe (one per Flink
 * subtask).
 */
public final class FacePipeline implements AutoCloseable {

    /**
     * One face of a frame. Landmarks and quality are null when the face was too small to look at;
     * the descriptor is null unless {@code status} is DESCRIBED.
     */
    public record Face(int index, DetectedFace detection, FaceLandmarks landmarks, QualityReport quality,
                       float[] descriptor, FaceStatus status) {
        public boolean described() {
            return status == FaceStatus.DESCRIBED;
        }
    }

    private final FaceDetector detector;
    private final FaceLandmarkNet landmarkNet;
    private final FaceDescriptorNet descriptorNet;
    private final int minFaceSize;
    private final double minQuality;
    private final DescriptorCrop crop;
    private final boolean mirrorAverage;
    private final LandmarkRefinement landmarkRefinement;
    private final DescriptorJitter.Scope jitter;
    private final RegionCrop regionCrop;

    public FacePipeline(FaceDetector detector, FaceLandmarkNet landmarkNet, FaceDescriptorNet descriptorNet,
                        int minFaceSize, double minQuality) {
        this(detector, landmarkNet, descriptorNet, minFaceSize, minQuality, DescriptorCrop.FACE_API, false);
    }

    /**
     * With {@code mirrorAverage}, each crop and its horizontal mirror are described and the mean
     * of the two descriptors, scaled to their mean length, is the face's descriptor
     * (test-time augmentation: the net's errors on a face and its mirror partly cancel).
     */
    public FacePipeline(FaceDetector detector, FaceLandmarkNet landmarkNet, FaceDescriptorNet descriptorNet,
                        int minFaceSize, double minQuality, DescriptorCrop crop, boolean mirrorAverage) {
        this(detector, landmarkNet, descriptorNet, minFaceSize, minQuality, crop, mirrorAverage,
                new LandmarkRefinement(landmarkNet, 0, false));
    }

    /** With the landmarks placed by {@code landmarkRefinement} (further passes, mirror average) instead of one net pass. */
    public FacePipeline(FaceDetector detector, FaceLandmarkNet landmarkNet, FaceDescriptorNet descriptorNet,
                        int minFaceSize, double minQuality, DescriptorCrop crop, boolean mirrorAverage,
                        LandmarkRefinement landmarkRefinement) {
        this(detector, landmarkNet, descriptorNet, minFaceSize, minQuality, crop, mirrorAverage, landmarkRefinement,
                DescriptorJitter.Scope.OFF, RegionCrop.SAME);
    }

    /**
     * With the faces of {@code jitter}'s scope described as the mean over the jittered aligned
     * chips ({@link DescriptorJitter}; needs the aligned crop), and regions no detector gave
     * described with {@code regionCrop}.
     */
    public FacePipeline(FaceDetector detector, FaceLandmarkNet landmarkNet, FaceDescriptorNet descriptorNet,
                        int minFaceSize, double minQuality, DescriptorCrop crop, boolean mirrorAverage,
                        LandmarkRefinement landmarkRefinement, DescriptorJitter.Scope jitter, RegionCrop regionCrop) {
        if (jitter != DescriptorJitter.Scope.OFF && crop != DescriptorCrop.ALIGNED) {
            throw new IllegalArgumentException("descriptor jitter needs the aligned crop, got " + crop.configName());
        }
        this.jitter = jitter;
        this.regionCrop = regionCrop;
        this.landmarkRefinement = landmarkRefinement;
        this.detector = detector;
        this.landmarkNet = landmarkNet;
        this.descriptorNet = descriptorNet;
        this.minFaceSize = minFaceSize;
        this.minQuality = minQuality;
        this.crop = crop;
        this.mirrorAverage = mirrorAverage;
    }

    public String detectorName() {
        return detector.name();
    }

    /**
     * Which detection stage found a face of the last {@link #analyze} call: the
     * {@link DetectionCascade}'s stage where the cascade is on (null for a box it did not return),
     * otherwise the detector's name.
     */
    public String detectionStage(DetectedFace detection) {
        return detector instanceof DetectionCascade cascade ? cascade.stageOf(detection) : detector.name();
    }

    /**
     * The descriptor model, naming the crop and the mirror average where they are not face-api's
     * (descriptors of different crops must not be compared, so their templates stay apart).
     */
    public String modelId() {
        return descriptorNet.modelId() + (crop == DescriptorCrop.FACE_API ? "" : "+" + crop.configName())
                + (mirrorAverage ? "+mirror-average" : "");
    }

    public DescriptorCrop crop() {
        return crop;
    }

    public boolean mirrorAverage() {
        return mirrorAverage;
    }

    public List<Face> analyze(RgbImage image) {
        return analyze(image, minFaceSize, minQuality);
    }

    /**
     * The same path with this call's gate instead of the configured one: faces whose shorter box
     * side is under {@code minFaceSize} are TOO_SMALL, those scoring under {@code minQuality}
     * LOW_QUALITY (live settings change these without reloading the nets).
     */
    public List<Face> analyze(RgbImage image, int minFaceSize, double minQuality) {
        return analyze(image, minFaceSize, minQuality, StageTimes.NONE);
    }

    /** As {@link #analyze(RgbImage, int, double)}, telling {@code times} how long each stage took. */
    public List<Face> analyze(RgbImage image, int minFaceSize, double minQuality, StageTimes times) {
        return describe(List.of(detect(image, minFaceSize, minQuality, times)), times).get(0);
    }

    /**
     * A frame's faces as detected, with the gate its faces will be described under: the first half
     * of an analysis, before its faces join a batch ({@link #describe(List, StageTimes)}).
     */
    public record Detected(RgbImage image, List<DetectedFace> detections, int minFaceSize, double minQuality) {
        /** How many of its faces the landmark net will look at. */
        public int measurableFaces() {
            int n = 0;
            for (DetectedFace d : detections) {
                if (measurable(d, image, minFaceSize)) {
                    n++;
                }
            }
            return n;
        }
    }

    /** Detects the faces of one frame (the detector runs one frame at a time). */
    public Detected detect(RgbImage image, int minFaceSize, double minQuality, StageTimes times) {
        long start = System.nanoTime();
        List<DetectedFace> detections = detector.detect(image);
        times.took(Stage.DETECT, System.nanoTime() - start, detections.size());
        return new Detected(image, detections, minFaceSize, minQuality);
    }

    /**
     * The second half of an analysis for several frames at once: the landmark net runs once over
     * the measurable faces of all of them, the descriptor net once over their descriptor crops.
     * Each frame's faces are what {@link #analyze} gives for it alone.
     */
    public List<List<Face>> describe(List<Detected> frames, StageTimes times) {
        return describe(frames, times, landmarkRefinement.forDetectorBoxes(), false);
    }

    /** As above, the landmarks placed by {@code refinement}; {@code regions}: the boxes are regions no detector gave. */
    private List<List<Face>> describe(List<Detected> frames, StageTimes times, LandmarkRefinement refinement, boolean regions) {
        List<RgbImage> landmarkImages = new ArrayList<>();
        List<DetectedFace> measurable = new ArrayList<>();
        for (Detected frame : frames) {
            for (DetectedFace d : frame.detections()) {
                if (measurable(d, frame.image(), frame.minFaceSize())) {
                    landmarkImages.add(frame.image());
                    measurable.add(d);
                }
            }
        }
        List<FaceLandmarks> landmarks = List.of();
        if (!measurable.isEmpty()) {
            long start = System.nanoTime();
            landmarks = refinement.isOff() ? landmarkNet.detectEach(landmarkImages, measurable)
                    : refinement.detectEach(landmarkImages, measurable);
            times.took(Stage.LANDMARKS, System.nanoTime() - start, measurable.size());
        }
        List<Face[]> faces = new ArrayList<>(frames.size());
        List<RgbImage> crops = new ArrayList<>();
        List<int[]> cropOwners = new ArrayList<>(); // {frame, face, role}: role MEAN is averaged, BLENDED paired with the mean
        int m = 0;
        for (int f = 0; f < frames.size(); f++) {
            Detected frame = frames.get(f);
            Face[] frameFaces = faceStatuses(frame, landmarks.subList(m, m + frame.measurableFaces()), crops, cropOwners, f, regions);
            m += frame.measurableFaces();
            faces.add(frameFaces);
        }
        if (!crops.isEmpty()) {
            long start = System.nanoTime();
            float[][] descriptors = describeAll(crops);
            times.took(Stage.DESCRIBE, System.nanoTime() - start, crops.size());
            for (int c = 0; c < crops.size(); ) {
                int[] owner = cropOwners.get(c);
                List<float[]> mean = new ArrayList<>();
                float[] blended = null;
                for (; c < crops.size() && cropOwners.get(c)[0] == owner[0] && cropOwners.get(c)[1] == owner[1]; c++) {
                    if (cropOwners.get(c)[2] == BLENDED) {
                        blended = descriptors[c];
                    } else {
                        mean.add(descriptors[c]);
                    }
                }
                float[] descriptor = mean.size() == 1 ? mean.get(0) : meanOf(mean);
                if (blended != null) {
                    descriptor = meanOfPair(descriptor, blended);
                }
                Face[] frameFaces = faces.get(owner[0]);
                Face f = frameFaces[owner[1]];
                frameFaces[f.index()] = new Face(f.index(), f.detection(), f.landmarks(), f.quality(), descriptor, f.status());
            }
        }
        return faces.stream().map(List::of).toList();
    }

    /** The stages of an analysis, as metrics name them. */
    public enum Stage { DETECT, LANDMARKS, DESCRIBE }

    /** Receives the duration of each stage that ran, with how many faces it handled (a batch). */
    @FunctionalInterface
    public interface StageTimes {
        StageTimes NONE = (stage, nanos, faces) -> {};

        void took(Stage stage, long nanos, int faces);
    }

    /** The same path for a face box found elsewhere (a tight crop with no detection, an analyst's region). */
    public Face describeRegion(RgbImage image, DetectedFace region) {
        return describe(List.of(new Detected(image, List.of(region), minFaceSize, minQuality)), StageTimes.NONE,
                landmarkRefinement, true).get(0).get(0);
    }

    /** Describes an image that already is the descriptor input (padded and resized as face-api does). */
    public float[] describeCrop(RgbImage crop) {
        return describeAll(List.of(crop))[0];
    }

    /** The net's descriptors of {@code crops}, each averaged with its mirror's when so configured. */
    private float[][] describeAll(List<RgbImage> crops) {
        if (!mirrorAverage) {
            return descriptorNet.describe(crops);
        }
        List<RgbImage> both = new ArrayList<>(crops);
        for (RgbImage c : crops) {
            both.add(ImageOps.mirror(c));
        }
        float[][] all = descriptorNet.describe(both);
        float[][] out = new float[crops.size()][];
        for (int i = 0; i < crops.size(); i++) {
            out[i] = meanOfPair(all[i], all[crops.size() + i]);
        }
        return out;
    }

    /** The mean of several descriptors rescaled to their mean length (as {@link #meanOfPair} for two). */
    static float[] meanOf(List<float[]> descriptors) {
        int length = descriptors.get(0).length;
        double[] mean = new double[length];
        double norms = 0;
        for (float[] d : descriptors) {
            double norm = 0;
            for (int i = 0; i < length; i++) {
                mean[i] += d[i];
                norm += (double) d[i] * d[i];
            }
            norms += Math.sqrt(norm);
        }
        double normMean = 0;
        for (int i = 0; i < length; i++) {
            mean[i] /= descriptors.size();
            normMean += mean[i] * mean[i];
        }
        double scale = normMean == 0 ? 0 : norms / descriptors.size() / Math.sqrt(normMean);
        float[] out = new float[length];
        for (int i = 0; i < length; i++) {
            out[i] = (float) (mean[i] * scale);
        }
        return out;
    }

    /** Role of a crop in its face's descriptor: one of those averaged, or the other crop a region's mean is blended with. */
    private static final int MEAN = 0;
    private static final int BLENDED = 1;

    /**
     * The crops whose descriptors make a face's: the configured crop (the jittered chips where
     * the jitter's scope takes the face), for a region the {@link RegionCrop}'s instead; with
     * {@code blend}, the other crop last, marked {@link #BLENDED} in {@code roles}.
     */
    private List<RgbImage> descriptorCrops(RgbImage image, FaceLandmarks lm, boolean region, List<Integer> roles) {
        DescriptorCrop main = region && regionCrop == RegionCrop.FACE_API ? DescriptorCrop.FACE_API : crop;
        boolean jittered = main == DescriptorCrop.ALIGNED
                && (jitter == DescriptorJitter.Scope.ALL || jitter == DescriptorJitter.Scope.REGIONS && region);
        List<RgbImage> crops = new ArrayList<>(jittered ? DescriptorJitter.chips(image, lm) : List.of(main.cut(image, lm)));
        for (int i = 0; i < crops.size(); i++) {
            roles.add(MEAN);
        }
        if (region && regionCrop == RegionCrop.BLEND && crops.get(0).width() > 0) {
            RgbImage other = (crop == DescriptorCrop.ALIGNED ? DescriptorCrop.FACE_API : DescriptorCrop.ALIGNED).cut(image, lm);
            if (other.width() > 0 && other.height() > 0) {
                crops.add(other);
                roles.add(BLENDED);
            }
        }
        return crops;
    }

    /**
     * The mean of two descriptors rescaled to their mean length: averaging shortens a vector by
     * the angle between the two, which would otherwise shift every distance against the threshold.
     */
    static float[] meanOfPair(float[] a, float[] b) {
        double[] mean = new double[a.length];
        double normA = 0;
        double normB = 0;
        double normMean = 0;
        for (int i = 0; i < a.length; i++) {
            mean[i] = (a[i] + (double) b[i]) / 2;
            normA += (double) a[i] * a[i];
            normB += (double) b[i] * b[i];
            normMean += mean[i] * mean[i];
        }
        double scale = normMean == 0 ? 0 : (Math.sqrt(normA) + Math.sqrt(normB)) / 2 / Math.sqrt(normMean);
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = (float) (mean[i] * scale);
        }
        return out;
    }

    /**
     * The status of each face of a frame, given the landmarks of its measurable faces in order; the
     * descriptor crops of the faces to describe are added to {@code crops}, with their owners.
     */
    private Face[] faceStatuses(Detected frame, List<FaceLandmarks> landmarks, List<RgbImage> crops,
                                       List<int[]> cropOwners, int frameIndex, boolean regions) {
        RgbImage image = frame.image();
        List<DetectedFace> detections = frame.detections();
        Face[] faces = new Face[detections.size()];
        for (int i = 0, m = 0; i < detections.size(); i++) {
            DetectedFace d = detections.get(i);
            if (!largeEnough(d, frame.minFaceSize())) {
                faces[i] = new Face(i, d, null, null, null, FaceStatus.TOO_SMALL);
                continue;
            }
            if (!insideImage(d, image)) {
                faces[i] = new Face(i, d, null, null, null, FaceStatus.NOT_DESCRIBED);
                continue;
            }
            FaceLandmarks lm = landmarks.get(m++);
            QualityReport quality = FaceQuality.assess(image, d, lm.points());
            if (quality.score() < frame.minQuality()) {
                faces[i] = new Face(i, d, lm, quality, null, FaceStatus.LOW_QUALITY);
                continue;
            }
            List<Integer> roles = new ArrayList<>();
            List<RgbImage> faceCrops = descriptorCrops(image, lm, regions, roles);
            if (faceCrops.get(0).width() == 0 || faceCrops.get(0).height() == 0) {
                faces[i] = new Face(i, d, lm, quality, null, FaceStatus.NOT_DESCRIBED);
                continue;
            }
            faces[i] = new Face(i, d, lm, quality, null, FaceStatus.DESCRIBED);
            for (int c = 0; c < faceCrops.size(); c++) {
                crops.add(faceCrops.get(c));
                cropOwners.add(new int[] {frameIndex, i, roles.get(c)});
            }
        }
        return faces;
    }

    private static boolean measurable(DetectedFace d, RgbImage image, int minFaceSize) {
        return largeEnough(d, minFaceSize) && insideImage(d, image);
    }

    private static boolean largeEnough(DetectedFace d, int minFaceSize) {
        return Math.min(d.width(), d.height()) >= minFaceSize;
    }

    /** At least one whole pixel of the box lies inside the image (the landmark crop needs one). */
    private static boolean insideImage(DetectedFace d, RgbImage image) {
        return !ImageOps.clipAtImageBorders(d.x(), d.y(), d.width(), d.height(), image.width(), image.height()).isEmpty();
    }

    @Override
    public void close() {
        detector.close();
        landmarkNet.close();
        descriptorNet.close();
    }
}
