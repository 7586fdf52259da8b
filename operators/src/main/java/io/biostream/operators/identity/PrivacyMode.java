package io.biostream.operators.identity;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * What the job keeps of the faces a camera sees. The wire names are the values of
 * {@code MatchSettings.privacyMode} and of the config API.
 */
public enum PrivacyMode {
    /** Every face: boxes, landmarks, quality, sealed templates, identifications, sightings. */
    FULL("full"),
    /** Only faces that match an enrolled subject; the others are counted and dropped at once. */
    WATCHLIST_ONLY("watchlist-only"),
    /** Faces are counted; nothing else about them is kept and nobody is matched. */
    COUNT_ONLY("count-only");

    private final String wireName;

    PrivacyMode(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }

    /** Whether faces are matched against the gallery under this mode. */
    public boolean matches() {
        return this != COUNT_ONLY;
    }

    public static Optional<PrivacyMode> fromWire(String name) {
        return Arrays.stream(values()).filter(m -> m.wireName.equals(name)).findFirst();
    }

    public static List<String> wireNames() {
        return Arrays.stream(values()).map(PrivacyMode::wireName).toList();
    }
}
