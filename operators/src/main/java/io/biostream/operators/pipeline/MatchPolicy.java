package io.biostream.operators.pipeline;

import io.biostream.schemas.CameraOverride;
import io.biostream.schemas.MatchSettings;

/** The settings in force for one camera: the deployment's values, each replaced by the camera's override where it has one. */
public record MatchPolicy(float threshold, int topK, int minFaceSize, double minQuality, String detector) {

    public static MatchPolicy forCamera(MatchSettings settings, String cameraId) {
        CameraOverride o = settings.getCameras() == null ? null : settings.getCameras().get(cameraId);
        float threshold = o != null && o.getThreshold() != null ? o.getThreshold() : settings.getThreshold();
        int minFaceSize = o != null && o.getMinFaceSize() != null ? o.getMinFaceSize() : settings.getMinFaceSize();
        float minQuality = o != null && o.getMinQuality() != null ? o.getMinQuality() : settings.getMinQuality();
        return new MatchPolicy(threshold, settings.getTopK(), minFaceSize, minQuality, settings.getDetector());
    }

    /** How long faces of people not enrolled are kept (TEMPORARY until the privacy settings land). */
    public java.time.Duration unenrolledRetention() {
        return java.time.Duration.ofDays(30);
    }
}
