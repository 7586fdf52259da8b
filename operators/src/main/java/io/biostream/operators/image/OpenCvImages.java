package io.biostream.operators.image;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2RGB;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_RGB2BGR;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;

import org.bytedeco.opencv.opencv_core.Mat;

/** Conversions between OpenCV's BGR 8-bit matrices and the nets' RGB float layout. */
public final class OpenCvImages {
    /**
     * Rows converted natively per strip (768 KiB of RGB): bounds the native working memory to a
     * strip whatever the image size, while each strip is still a few hundred KB of SIMD work.
     */
    static final int STRIP_VALUES = 3 << 18;

    private OpenCvImages() {}

    /**
     * The RGB image of an 8-bit BGR matrix, keeping 8-bit samples ({@link RgbImage#ofRgbBytes}).
     * OpenCV swaps the channels a strip of rows at a time, and each strip is copied into the result
     * in one bulk copy: no per-pixel Java loop, and no copy of the whole image besides the result
     * (3 bytes a pixel native + 3 heap at the peak, as {@code DecodeBudget} counts). The nets
     * read the same float values a float image would hold: every 0..255 level is exact in float.
     */
    public static RgbImage toRgbImage(Mat bgr) {
        checkBgr(bgr);
        int width = bgr.cols();
        int height = bgr.rows();
        byte[] data = new byte[RgbImage.values(width, height)];
        if (data.length == 0) {
            return RgbImage.ofRgbBytes(width, height, data);
        }
        int rowValues = width * 3;
        int stripRows = Math.max(1, Math.min(height, STRIP_VALUES / rowValues));
        try (Mat rgb = new Mat()) {
            for (int y = 0; y < height; y += stripRows) {
                int rows = Math.min(stripRows, height - y);
                try (Mat strip = bgr.rowRange(y, y + rows)) {
                    cvtColor(strip, rgb, COLOR_BGR2RGB);
                    // A freshly allocated matrix is continuous: rows x width x 3 bytes in order.
                    rgb.data().get(data, y * rowValues, rows * rowValues);
                }
            }
        }
        return RgbImage.ofRgbBytes(width, height, data);
    }

    /**
     * The reference conversion, pixel by pixel in Java: what {@link #toRgbImage} must equal value
     * for value (tests and the decode benchmark compare the two).
     */
    public static RgbImage toRgbImageByPixel(Mat bgr) {
        checkBgr(bgr);
        int width = bgr.cols();
        int height = bgr.rows();
        float[] data = new float[RgbImage.values(width, height)];
        byte[] row = new byte[width * 3];
        for (int y = 0; y < height; y++) {
            bgr.ptr(y).get(row);
            int o = y * width * 3;
            for (int i = 0; i < row.length; i += 3, o += 3) {
                data[o] = row[i + 2] & 0xff;
                data[o + 1] = row[i + 1] & 0xff;
                data[o + 2] = row[i] & 0xff;
            }
        }
        return new RgbImage(width, height, data);
    }

    private static void checkBgr(Mat bgr) {
        if (bgr.type() != CV_8UC3) {
            throw new IllegalArgumentException("expected an 8-bit 3-channel BGR matrix, got type " + bgr.type());
        }
    }

    /** BGR 8-bit matrix of an RGB image (values rounded half-up and clamped to 0..255). */
    public static Mat toBgrMat(RgbImage image) {
        byte[] bytes = new byte[image.width() * image.height() * 3]; // RgbImage guarantees this fits an int
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) Math.max(0, Math.min(255, Math.round(image.sample(i))));
        }
        try (Mat rgb = new Mat(image.height(), image.width(), CV_8UC3)) {
            rgb.data().put(bytes);
            Mat bgr = new Mat();
            cvtColor(rgb, bgr, COLOR_RGB2BGR);
            return bgr;
        }
    }
}
