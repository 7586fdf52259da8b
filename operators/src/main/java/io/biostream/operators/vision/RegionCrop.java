package io.biostream.operators.vision;

import java.util.ArrayList;
import java.util.List;

/**
 * The descriptor crop for a region no detector gave ({@link FacePipeline#describeRegion}: a
 * fallback crop, an analyst's region), {@code biostream.vision.region-crop}: there the landmarks
 * come from a box the landmark net was not trained on, and another crop may carry less of their
 * error. Detected faces always get the configured {@link DescriptorCrop}.
 */
public enum RegionCrop {
    /** The configured crop, as for detected faces. */
    SAME("same"),
    /** face-api's axis-aligned square ({@link FaceApiDescriptorCrop}): no rotation from the landmarks. */
    FACE_API("face-api"),
    /**
     * The configured crop's descriptor averaged (rescaled to the mean length) with the other
     * crop's ({@code aligned} with {@code face-api}'s or the reverse).
     */
    BLEND("blend");

    private final String configName;

    RegionCrop(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    public static List<String> names() {
        List<String> names = new ArrayList<>();
        for (RegionCrop c : values()) {
            names.add(c.configName);
        }
        return names;
    }

    public static RegionCrop named(String name) {
        for (RegionCrop c : values()) {
            if (c.configName.equals(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException("no region crop '" + name + "', expected one of " + names());
    }
}
