package io.biostream.operators.vision;

import io.biostream.operators.config.Settings;
import java.util.Map;

/**
 * The JavaScript peer's face path: face-api's descriptor crop, no mirror average, no detection
 * cascade. Parity tests (face-api's goldens, its published figures) pin it explicitly, since the
 * defaults are the more accurate path (docs/accuracy.md).
 */
public final class PeerPath {
    /** The settings that select it, to put over a job's, the API's or a command's configuration. */
    public static final Map<String, String> SETTINGS = Map.of(
            "biostream.vision.crop", "face-api",
            "biostream.vision.mirror-average", "false",
            "biostream.vision.cascade", "off");

    private PeerPath() {
    }

    /** The default settings with the peer's path. */
    public static VisionConfig vision() {
        return VisionConfig.from(Settings.of(SETTINGS));
    }
}
