package io.biostream.operators.image;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2RGB;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_RGB2BGR;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;

import io.biostream.operators.image.RgbImage;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;

/** Conversions between OpenCV's BGR 8-bit matrices and the nets' RGB float layout. */
public final class OpenCvImages {
    private OpenCvImages() {}

    public static RgbImage toRgbImage(Mat bgr) {
        try (Mat rgb = new Mat()) {
            cvtColor(bgr, rgb, COLOR_BGR2RGB);
            Mat packed = rgb.isContinuous() ? rgb : rgb.clone();
            try {
                byte[] bytes = new byte[rgb.cols() * rgb.rows() * 3];
                packed.data().get(bytes);
                return RgbImage.fromRgbBytes(rgb.cols(), rgb.rows(), bytes);
            } finally {
                if (packed != rgb) {
                    packed.close();
                }
            }
        }
    }

    /** BGR 8-bit matrix of an RGB image (values rounded half-up and clamped to 0..255). */
    public static Mat toBgrMat(RgbImage image) {
        float[] src = image.data();
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
