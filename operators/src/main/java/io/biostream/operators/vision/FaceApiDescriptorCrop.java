package io.biostream.operators.vision;

import io.biostream.operators.image.RgbImage;
import io.biostream.operators.vision.FaceLandmarks.Region;

/**
 * face-api's face region for the descriptor net ({@code withFaceDescriptors}, "dlib" alignment):
 * an axis-aligned square around the eyes and mouth, no rotation or warp. Reproduced in JS double
 * arithmetic, since every value ends in a floor and a one-pixel shift of the crop moves a
 * descriptor by 0.04-0.09.
 *
 * <p>The crop is taken from the full image; {@link FaceDescriptorNet#describe(RgbImage)} then pads
 * it to a square (centered, only needed when it was clipped at an image border) and resizes it
 * to 150, as face-api does.
 */
public final class FaceApiDescriptorCrop {
    /** Horizontal position of the reference point in the crop, as a fraction of its size. */
    private static final double REL_X = 0.5;
    /** Vertical position of the reference point in the crop. */
    private static final double REL_Y = 0.43;
    /** Eye-to-mouth distance as a fraction of the crop size. */
    private static final double REL_SCALE = 0.45;

    private FaceApiDescriptorCrop() {
    }

    /**
     * The intermediate values of face-api's alignment (all in image px): centres {x, y}, the mean
     * eye-to-mouth distance, the square's side, its reference point, and the rectangle before
     * clipping at the image borders.
     */
    public record Alignment(double[] leftEyeCentre, double[] rightEyeCentre, double[] mouthCentre,
                            double eyeToMouthDistance, int size, double[] refPoint, PixelRect rect) {
    }

    /**
     * face-api's alignDlib. The rectangle's width is {@code min(size, cw + x)} with cw the
     * <em>landmark crop's</em> width (face-api's quirk; in practice always {@code size}), and
     * likewise the height.
     */
    public static Alignment align(FaceLandmarks landmarks) {
        double[] leftEye = landmarks.centre(Region.LEFT_EYE);
        double[] rightEye = landmarks.centre(Region.RIGHT_EYE);
        double[] mouth = landmarks.centre(Region.MOUTH);
        double distance = (distance(mouth, leftEye) + distance(mouth, rightEye)) / 2;
        int size = (int) Math.floor(distance / REL_SCALE);
        double[] ref = {
            (0.0 + leftEye[0] + rightEye[0] + mouth[0]) / 3,
            (0.0 + leftEye[1] + rightEye[1] + mouth[1]) / 3,
        };
        int x = (int) Math.floor(Math.max(0, ref[0] - REL_X * size));
        int y = (int) Math.floor(Math.max(0, ref[1] - REL_Y * size));
        PixelRect crop = landmarks.crop();
        PixelRect rect = new PixelRect(x, y, Math.min(size, crop.width() + x), Math.min(size, crop.height() + y));
        return new Alignment(leftEye, rightEye, mouth, distance, size, ref, rect);
    }

    /** The region sliced from the image: the aligned rect clipped at the image borders (may be empty). */
    public static PixelRect region(FaceLandmarks landmarks, int imageWidth, int imageHeight) {
        PixelRect rect = align(landmarks).rect();
        return ImageOps.clipAtImageBorders(rect.x(), rect.y(), rect.width(), rect.height(), imageWidth, imageHeight);
    }

    /**
     * The descriptor net's input region of {@code image}, not yet padded or resized. Empty (0x0)
     * when the region has no pixel inside the image; the descriptor net gives zeros for that,
     * as face-api does.
     */
    public static RgbImage crop(RgbImage image, FaceLandmarks landmarks) {
        PixelRect region = region(landmarks, image.width(), image.height());
        return region.isEmpty() ? new RgbImage(0, 0, new float[0]) : ImageOps.crop(image, region);
    }

    /** face-api's Point.magnitude of the difference: sqrt(dx**2 + dy**2). */
    private static double distance(double[] a, double[] b) {
        double dx = a[0] - b[0];
        double dy = a[1] - b[1];
        return Math.sqrt(dx * dx + dy * dy);
    }
}
