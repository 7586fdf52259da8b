package io.biostream.operators.vision;

import io.biostream.operators.image.RgbImage;

/**
 * Which region of the image the descriptor net sees, cut from a face's 68 landmarks
 * ({@code biostream.vision.crop}). Descriptors of different crops are not comparable: the
 * face pipeline's model id names the crop unless it is face-api's.
 */
public enum DescriptorCrop {
    /** face-api's axis-aligned square ({@link FaceApiDescriptorCrop}), for parity with the peer. */
    FACE_API("face-api") {
        @Override
        public RgbImage cut(RgbImage image, FaceLandmarks landmarks) {
            return FaceApiDescriptorCrop.crop(image, landmarks);
        }
    },
    /** dlib's similarity-aligned 150x150 chip ({@link AlignedFaceChip}), as the net was trained. */
    ALIGNED("aligned") {
        @Override
        public RgbImage cut(RgbImage image, FaceLandmarks landmarks) {
            return AlignedFaceChip.crop(image, landmarks);
        }
    };

    private final String configName;

    DescriptorCrop(String configName) {
        this.configName = configName;
    }

    /** The name in {@code biostream.vision.crop}. */
    public String configName() {
        return configName;
    }

    /** The crop for the descriptor net; empty (0x0) when the face's region has no pixel inside the image. */
    public abstract RgbImage cut(RgbImage image, FaceLandmarks landmarks);

    public static DescriptorCrop named(String name) {
        for (DescriptorCrop crop : values()) {
            if (crop.configName.equals(name)) {
                return crop;
            }
        }
        throw new IllegalArgumentException("no descriptor crop '" + name + "', expected one of " + VisionConfig.CROPS);
    }
}
