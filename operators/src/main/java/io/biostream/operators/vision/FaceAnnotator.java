package io.biostream.operators.vision;

import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;
import static org.bytedeco.opencv.global.opencv_imgproc.FILLED;
import static org.bytedeco.opencv.global.opencv_imgproc.FONT_HERSHEY_SIMPLEX;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_8;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_AA;
import static org.bytedeco.opencv.global.opencv_imgproc.circle;
import static org.bytedeco.opencv.global.opencv_imgproc.getTextSize;
import static org.bytedeco.opencv.global.opencv_imgproc.line;
import static org.bytedeco.opencv.global.opencv_imgproc.putText;
import static org.bytedeco.opencv.global.opencv_imgproc.rectangle;

import io.biostream.operators.image.OpenCvImages;
import io.biostream.operators.image.RgbImage;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

/**
 * Draws detection results on a copy of an image and encodes it as PNG: each face's box with its
 * score, its landmark mesh if given, then its landmarks on top. Line widths grow with the image.
 */
public final class FaceAnnotator {
    /** BGR colours. */
    private static final double[] BOX_COLOUR = {0, 255, 0};
    private static final double[] LANDMARK_COLOUR = {0, 0, 255};
    private static final double[] MESH_COLOUR = {255, 255, 0};

    private FaceAnnotator() {
    }

    /**
     * One face to draw. {@code landmarks} ({@code x0,y0,...} in image px) and {@code triangles}
     * (landmark indices, as {@link FaceMesh#triangulate} gives) may be null; triangles are drawn
     * only with landmarks.
     */
    public record Annotation(DetectedFace face, double[] landmarks, List<int[]> triangles) {
        public Annotation {
            Objects.requireNonNull(face, "face");
        }

        public static Annotation box(DetectedFace face) {
            return new Annotation(face, null, null);
        }
    }

    /** PNG bytes of the image (same size) with the faces drawn on it; the image is not modified. */
    public static byte[] annotatePng(RgbImage image, List<Annotation> faces) {
        try (Mat canvas = drawn(image, faces)) {
            return png(canvas);
        }
    }

    /** JPEG bytes (quality 1..100) of the image with the faces drawn on it, for live video; the image is not modified. */
    public static byte[] annotateJpeg(RgbImage image, List<Annotation> faces, int quality) {
        if (quality < 1 || quality > 100) {
            throw new IllegalArgumentException("JPEG quality must be 1..100, got " + quality);
        }
        try (Mat canvas = drawn(image, faces);
             BytePointer encoded = new BytePointer();
             org.bytedeco.javacpp.IntPointer params = new org.bytedeco.javacpp.IntPointer(
                     org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY, quality)) {
            if (!imencode(".jpg", canvas, encoded, params)) {
                throw new IllegalStateException("OpenCV could not encode the annotated image as JPEG");
            }
            byte[] bytes = new byte[Math.toIntExact(encoded.limit())];
            encoded.get(bytes);
            return bytes;
        }
    }

    private static Mat drawn(RgbImage image, List<Annotation> faces) {
        Mat canvas = OpenCvImages.toBgrMat(image);
        int thickness = Math.max(1, Math.round(Math.min(image.width(), image.height()) / 400f));
        for (Annotation face : faces) {
            if (face.landmarks() != null && face.triangles() != null) {
                drawMesh(canvas, face.landmarks(), face.triangles(), thickness);
            }
            drawBox(canvas, face.face(), thickness);
            if (face.landmarks() != null) {
                drawLandmarks(canvas, face.landmarks(), thickness);
            }
        }
        return canvas;
    }

    private static void drawBox(Mat canvas, DetectedFace face, int thickness) {
        try (Scalar colour = scalar(BOX_COLOUR);
             Point topLeft = point(face.x(), face.y());
             Point bottomRight = point(face.x() + face.width(), face.y() + face.height())) {
            rectangle(canvas, topLeft, bottomRight, colour, thickness, LINE_8, 0);
            String label = String.format(Locale.ROOT, "%.2f", face.score());
            double fontScale = 0.5 * thickness;
            int[] baseline = new int[1];
            try (Size text = getTextSize(label, FONT_HERSHEY_SIMPLEX, fontScale, thickness, baseline)) {
                // Above the box when there is room, else just inside its top edge.
                int textY = topLeft.y() - thickness - 2 >= text.height()
                        ? topLeft.y() - thickness - 2
                        : topLeft.y() + thickness + 2 + text.height();
                try (Point origin = new Point(topLeft.x(), textY)) {
                    putText(canvas, label, origin, FONT_HERSHEY_SIMPLEX, fontScale, colour, thickness, LINE_AA, false);
                }
            }
        }
    }

    private static void drawLandmarks(Mat canvas, double[] landmarks, int thickness) {
        try (Scalar colour = scalar(LANDMARK_COLOUR)) {
            for (int i = 0; i + 1 < landmarks.length; i += 2) {
                try (Point centre = point(landmarks[i], landmarks[i + 1])) {
                    circle(canvas, centre, thickness + 1, colour, FILLED, LINE_AA, 0);
                }
            }
        }
    }

    private static void drawMesh(Mat canvas, double[] landmarks, List<int[]> triangles, int thickness) {
        try (Scalar colour = scalar(MESH_COLOUR)) {
            for (int[] triangle : triangles) {
                for (int corner = 0; corner < 3; corner++) {
                    int from = triangle[corner];
                    int to = triangle[(corner + 1) % 3];
                    try (Point a = point(landmarks[2 * from], landmarks[2 * from + 1]);
                         Point b = point(landmarks[2 * to], landmarks[2 * to + 1])) {
                        line(canvas, a, b, colour, Math.max(1, thickness / 2), LINE_AA, 0);
                    }
                }
            }
        }
    }

    private static byte[] png(Mat canvas) {
        try (BytePointer encoded = new BytePointer()) {
            if (!imencode(".png", canvas, encoded)) {
                throw new IllegalStateException("OpenCV could not encode the annotated image as PNG");
            }
            byte[] bytes = new byte[Math.toIntExact(encoded.limit())];
            encoded.get(bytes);
            return bytes;
        }
    }

    private static Point point(double x, double y) {
        return new Point((int) Math.round(x), (int) Math.round(y));
    }

    private static Scalar scalar(double[] bgr) {
        return new Scalar(bgr[0], bgr[1], bgr[2], 0);
    }
}
