package io.biostream.launcher.camera;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * A picture as the JPEG a camera sends: downscaled so that its longer side is at most
 * {@code maxSide} (aspect kept, never upscaled), then encoded at {@code quality}.
 */
public final class JpegEncoder {
    public static final int MIN_SIDE = 16;
    public static final int MAX_SIDE = 8192;

    private final int maxSide;
    private final int quality;

    /** @param maxSide the longest side in pixels ({@value #MIN_SIDE}..{@value #MAX_SIDE}), or 0 to keep the size */
    public JpegEncoder(int maxSide, int quality) {
        if (maxSide != 0 && (maxSide < MIN_SIDE || maxSide > MAX_SIDE)) {
            throw new IllegalArgumentException("max side must be 0 or in " + MIN_SIDE + ".." + MAX_SIDE + ", not " + maxSide);
        }
        if (quality < 1 || quality > 100) {
            throw new IllegalArgumentException("JPEG quality must be in 1..100, not " + quality);
        }
        this.maxSide = maxSide;
        this.quality = quality;
    }

    /** The size a {@code width}x{@code height} picture is sent at. */
    public int[] targetSize(int width, int height) {
        int longer = Math.max(width, height);
        if (maxSide == 0 || longer <= maxSide) {
            return new int[] {width, height};
        }
        double scale = (double) maxSide / longer;
        return new int[] {Math.max(1, (int) Math.round(width * scale)), Math.max(1, (int) Math.round(height * scale))};
    }

    public byte[] encode(Mat bgr) throws CameraException {
        int[] size = targetSize(bgr.cols(), bgr.rows());
        try (Mat scaled = new Mat(); BytePointer jpeg = new BytePointer(); IntPointer params = new IntPointer(IMWRITE_JPEG_QUALITY, quality)) {
            Mat picture = bgr;
            if (size[0] != bgr.cols() || size[1] != bgr.rows()) {
                try (Size target = new Size(size[0], size[1])) {
                    resize(bgr, scaled, target, 0, 0, INTER_AREA); // area averaging: no aliasing when shrinking
                }
                picture = scaled;
            }
            if (!imencode(".jpg", picture, jpeg, params)) {
                throw new CameraException("OpenCV could not encode a " + bgr.cols() + "x" + bgr.rows() + " picture as JPEG");
            }
            byte[] bytes = new byte[(int) jpeg.limit()];
            jpeg.get(bytes);
            return bytes;
        }
    }
}
