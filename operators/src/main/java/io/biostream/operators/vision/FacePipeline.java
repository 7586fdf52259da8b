package io.biostream.operators.vision;

import java.util.ArrayList;
import java.util.List;

/**
 * The vision path shared by the job, the command line and the API: detect faces, cut each
 * face's descriptor crop, describe all crops of a frame in one batch. Not thread-safe.
 */
public final class FacePipeline implements AutoCloseable {

    /** One face of a frame; descriptor is null when it was too small to describe or had no crop. */
    public record Face(int index, DetectedFace detection, float[] descriptor, boolean tooSmall) {
        public boolean described() {
            return descriptor != null;
        }
    }

    private final FaceDetector detector;
    private final FaceDescriptorNet net;
    private final int minFaceSize;

    public FacePipeline(FaceDetector detector, FaceDescriptorNet net, int minFaceSize) {
        this.detector = detector;
        this.net = net;
        this.minFaceSize = minFaceSize;
    }

    public String detectorName() {
        return detector.name();
    }

    public String modelId() {
        return net.modelId();
    }

    public List<Face> analyze(RgbImage image) {
        List<DetectedFace> detections = detector.detect(image);
        List<RgbImage> crops = new ArrayList<>();
        List<Integer> describedIndexes = new ArrayList<>();
        for (int i = 0; i < detections.size(); i++) {
            DetectedFace d = detections.get(i);
            if (Math.min(d.width(), d.height()) >= minFaceSize) {
                RgbImage crop = DescriptorCrop.of(image, d);
                if (crop != null) {
                    crops.add(crop);
                    describedIndexes.add(i);
                }
            }
        }
        float[][] descriptors = crops.isEmpty() ? new float[0][] : net.describe(crops);
        List<Face> faces = new ArrayList<>(detections.size());
        for (int i = 0; i < detections.size(); i++) {
            DetectedFace d = detections.get(i);
            int slot = describedIndexes.indexOf(i);
            faces.add(new Face(i, d, slot >= 0 ? descriptors[slot] : null, Math.min(d.width(), d.height()) < minFaceSize));
        }
        return faces;
    }

    /** Describes an image that already is the descriptor input (padded and resized as face-api does). */
    public float[] describeCrop(RgbImage crop) {
        return net.describe(crop);
    }

    @Override
    public void close() {
        detector.close();
        net.close();
    }
}
