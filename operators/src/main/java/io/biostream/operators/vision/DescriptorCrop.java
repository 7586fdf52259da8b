package io.biostream.operators.vision;

/**
 * The square region a detector box gives the descriptor net. For the Haar detector the box is
 * squared around its centre; face-api's landmark-based crop replaces this with the DL4J detectors.
 */
public final class DescriptorCrop {
    private DescriptorCrop() {}

    /** The crop of {@code image} for {@code face}, clipped to the image; null when nothing remains. */
    public static RgbImage of(RgbImage image, DetectedFace face) {
        double side = Math.max(face.width(), face.height());
        double cx = face.x() + face.width() / 2.0;
        double cy = face.y() + face.height() / 2.0;
        int x0 = (int) Math.floor(Math.max(0, cx - side / 2));
        int y0 = (int) Math.floor(Math.max(0, cy - side / 2));
        int x1 = (int) Math.floor(Math.min(image.width(), cx + side / 2));
        int y1 = (int) Math.floor(Math.min(image.height(), cy + side / 2));
        if (x1 <= x0 || y1 <= y0) {
            return null;
        }
        return ImageOps.crop(image, x0, y0, x1 - x0, y1 - y0);
    }
}
