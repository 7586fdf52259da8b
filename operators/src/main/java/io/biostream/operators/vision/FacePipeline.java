package io.biostream.operators.vision;

import io.biostream.operators.image.RgbImage;
import io.biostream.schemas.FaceStatus;
import java.util.ArrayList;
import java.util.List;

/**
 * The vision path shared by the job, the command line, the evaluation and the API, as face-api runs
 * it: detect faces, find each face's 68 landmarks, cut face-api's descriptor crop from them, assess
 * quality, and describe the faces that pass in one batch. Not thread-safe (one per Flink subtask).
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

    public FacePipeline(FaceDetector detector, FaceLandmarkNet landmarkNet, FaceDescriptorNet descriptorNet,
                        int minFaceSize, double minQuality) {
        this.detector = detector;
        this.landmarkNet = landmarkNet;
        this.descriptorNet = descriptorNet;
        this.minFaceSize = minFaceSize;
        this.minQuality = minQuality;
    }

    public String detectorName() {
        return detector.name();
    }

    public String modelId() {
        return descriptorNet.modelId();
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
            landmarks = landmarkNet.detectEach(landmarkImages, measurable);
            times.took(Stage.LANDMARKS, System.nanoTime() - start, measurable.size());
        }
        List<Face[]> faces = new ArrayList<>(frames.size());
        List<RgbImage> crops = new ArrayList<>();
        List<int[]> cropOwners = new ArrayList<>(); // {frame, face}
        int m = 0;
        for (int f = 0; f < frames.size(); f++) {
            Detected frame = frames.get(f);
            Face[] frameFaces = faceStatuses(frame, landmarks.subList(m, m + frame.measurableFaces()), crops, cropOwners, f);
            m += frame.measurableFaces();
            faces.add(frameFaces);
        }
        if (!crops.isEmpty()) {
            long start = System.nanoTime();
            float[][] descriptors = descriptorNet.describe(crops);
            times.took(Stage.DESCRIBE, System.nanoTime() - start, crops.size());
            for (int c = 0; c < crops.size(); c++) {
                Face[] frameFaces = faces.get(cropOwners.get(c)[0]);
                Face f = frameFaces[cropOwners.get(c)[1]];
                frameFaces[f.index()] = new Face(f.index(), f.detection(), f.landmarks(), f.quality(), descriptors[c], f.status());
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
        return describe(List.of(new Detected(image, List.of(region), minFaceSize, minQuality)), StageTimes.NONE).get(0).get(0);
    }

    /** Describes an image that already is the descriptor input (padded and resized as face-api does). */
    public float[] describeCrop(RgbImage crop) {
        return descriptorNet.describe(crop);
    }

    /**
     * The status of each face of a frame, given the landmarks of its measurable faces in order; the
     * descriptor crops of the faces to describe are added to {@code crops}, with their owners.
     */
    private static Face[] faceStatuses(Detected frame, List<FaceLandmarks> landmarks, List<RgbImage> crops,
                                       List<int[]> cropOwners, int frameIndex) {
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
            RgbImage crop = FaceApiDescriptorCrop.crop(image, lm);
            if (crop.width() == 0 || crop.height() == 0) {
                faces[i] = new Face(i, d, lm, quality, null, FaceStatus.NOT_DESCRIBED);
                continue;
            }
            faces[i] = new Face(i, d, lm, quality, null, FaceStatus.DESCRIBED);
            crops.add(crop);
            cropOwners.add(new int[] {frameIndex, i});
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
