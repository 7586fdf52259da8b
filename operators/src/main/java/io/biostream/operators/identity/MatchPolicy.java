package io.biostream.operators.identity;

import io.biostream.schemas.CameraOverride;
import io.biostream.schemas.MatchSettings;
import java.time.Duration;

/**
 * The settings in force for one camera: the deployment's values, each replaced by the camera's override where it has one.
 *
 * @param privacyMode         what the job keeps of the camera's faces
 * @param unenrolledRetention how long templates of faces that match no enrolled subject are kept
 */
public record MatchPolicy(float threshold, int topK, int minFaceSize, double minQuality, String detector,
                          PrivacyMode privacyMode, Duration unenrolledRetention) {

    public static MatchPolicy forCamera(MatchSettings settings, String cameraId) {
        CameraOverride o = settings.getCameras() == null ? null : settings.getCameras().get(cameraId);
        float threshold = o != null && o.getThreshold() != null ? o.getThreshold() : settings.getThreshold();
        int minFaceSize = o != null && o.getMinFaceSize() != null ? o.getMinFaceSize() : settings.getMinFaceSize();
        float minQuality = o != null && o.getMinQuality() != null ? o.getMinQuality() : settings.getMinQuality();
        String mode = o != null && o.getPrivacyMode() != null ? o.getPrivacyMode() : settings.getPrivacyMode();
        long retention = o != null && o.getRetentionSeconds() != null ? o.getRetentionSeconds() : settings.getRetentionSeconds();
        return new MatchPolicy(threshold, settings.getTopK(), minFaceSize, minQuality, settings.getDetector(),
                privacyMode(mode), Duration.ofSeconds(retention));
    }

    /**
     * The mode a wire name stands for. Settings are validated before they apply, so an unknown
     * name (a newer writer's mode) is not expected; if one comes, the camera keeps the least.
     */
    static PrivacyMode privacyMode(String wireName) {
        return PrivacyMode.fromWire(wireName).orElse(PrivacyMode.COUNT_ONLY);
    }
}
