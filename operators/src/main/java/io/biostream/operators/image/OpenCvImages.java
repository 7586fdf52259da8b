package io.biostream.operators.image;

import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2RGB;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_RGB2BGR;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.opencv.opencv_core.Mat;

/** Conversions between OpenCV's BGR 8-bit matrices and the nets' RGB float layout. */
public final class OpenCvImages {
    /**
     * Floats converted natively per strip of rows (1 MiB): bounds the native working memory to a
     * strip whatever the image size, while each strip is still a few hundred KB of SIMD work.
     */
    static final int STRIP_VALUES = 1 << 18;

    private OpenCvImages() {}

    /**
     * The RGB float image of an 8-bit BGR matrix. OpenCV swaps the channels and widens to float
     * (exact: every 0..255 level is a float) a strip of rows at a time, and each strip is copied
     * into the result in one bulk copy: no per-pixel Java loop, and no RGB copy of the whole image
     * besides the result (3 bytes a pixel native + 12 heap at the peak, as {@code DecodeBudget} counts).
     */
    public static RgbImage toRgbImage(Mat bgr) {
        checkBgr(bgr);
        int width = bgr.cols();
        int height = bgr.rows();
        float[] data = new float[RgbImage.values(width, height)];
        if (data.length == 0) {
            return new RgbImage(width, height, data);
        }
        int rowValues = width * 3;
        int stripRows = Math.max(1, Math.min(height, STRIP_VALUES / rowValues));
        try (Mat rgb = new Mat(); Mat floats = new Mat()) {
            for (int y = 0; y < height; y += stripRows) {
                int rows = Math.min(stripRows, height - y);
                try (Mat strip = bgr.rowRange(y, y + rows)) {
                    cvtColor(strip, rgb, COLOR_BGR2RGB);
                    rgb.convertTo(floats, CV_32F);
                    // A freshly allocated matrix is continuous: rows x width x 3 floats in order.
                    try (FloatPointer values = new FloatPointer(floats.data())) {
                        values.get(data, y * rowValues, rows * rowValues);
                    }
                }
            }
        }
        return new RgbImage(width, height, data);
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
        float[] src = image.data(); // RgbImage guarantees width * height * 3 fits an int
        byte[] bytes = new byte[src.length];
        for (int i = 0; i < src.length; i++) {
            bytes[i] = (byte) Math.max(0, Math.min(255, Math.round(src[i])));
        }
        try (Mat rgb = new Mat(image.height(), image.width(), CV_8UC3)) {
            rgb.data().put(bytes);
            Mat bgr = new Mat();
            cvtColor(rgb, bgr, COLOR_RGB2BGR);
            return bgr;
        }
    }
}
