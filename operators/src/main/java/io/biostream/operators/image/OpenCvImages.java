package io.biostream.operators.image;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_RGB2BGR;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;

import io.biostream.operators.image.RgbImage;
import org.bytedeco.opencv.opencv_core.Mat;

/** Conversions between OpenCV's BGR 8-bit matrices and the nets' RGB float layout. */
public final class OpenCvImages {
    private OpenCvImages() {}

    /**
     * The RGB float image of an 8-bit BGR matrix, converted row by row: no RGB copy of the whole
     * image in native or heap memory besides the result (3 + 12 bytes a pixel at the peak).
     */
    public static RgbImage toRgbImage(Mat bgr) {
        if (bgr.type() != CV_8UC3) {
            throw new IllegalArgumentException("expected an 8-bit 3-channel BGR matrix, got type " + bgr.type());
        }
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
