package io.biostream.operators.vision;

import io.biostream.operators.image.RgbImage;
import java.util.List;

/** Finds faces in an image; implementations are not thread-safe (one per Flink subtask). */
public interface FaceDetector extends AutoCloseable {
    /**
     * Faces in the detector's own deterministic order: Haar top to bottom, then left to right;
     * the face-api detectors ("ssd", "tiny") score descending, as face-api returns them.
     */
    List<DetectedFace> detect(RgbImage image);

    /** Name carried in results, e.g. "haar". */
    String name();

    @Override
    void close();
}
