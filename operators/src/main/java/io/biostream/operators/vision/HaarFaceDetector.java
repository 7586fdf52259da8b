package io.biostream.operators.vision;

import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.equalizeHist;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

import io.biostream.operators.image.OpenCvImages;
import io.biostream.operators.image.RgbImage;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.RectVector;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.opencv.opencv_objdetect.CascadeClassifier;

/**
 * OpenCV's frontal-face Haar cascade. Detection runs on a copy scaled down to at most
 * {@code maxDetectSide} pixels (cost grows with area; faces stay large enough), boxes are
 * mapped back to full-resolution coordinates. The cascade gives no confidence: score is 1.
 */
public final class HaarFaceDetector implements FaceDetector {
    private static final String CASCADE = "/org/bytedeco/opencv/linux-x86_64/share/opencv4/haarcascades/haarcascade_frontalface_alt2.xml";

    private final CascadeClassifier cascade;
    private final int minFaceSize;
    private final int maxDetectSide;

    public HaarFaceDetector(int minFaceSize, int maxDetectSide) {
        this.minFaceSize = minFaceSize;
        this.maxDetectSide = maxDetectSide;
        this.cascade = new CascadeClassifier(cascadeFile().getAbsolutePath());
        if (cascade.empty()) {
            throw new IllegalStateException("Haar cascade could not be loaded from " + CASCADE);
        }
    }

    public HaarFaceDetector() {
        this(40, 960);
    }

    private static File cascadeFile() {
        try {
            Loader.load(org.bytedeco.opencv.global.opencv_objdetect.class);
            return Loader.cacheResource(HaarFaceDetector.class, CASCADE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract the Haar cascade " + CASCADE, e);
        }
    }

    @Override
    public String name() {
        return "haar";
    }

    @Override
    public List<DetectedFace> detect(RgbImage image) {
        double scale = Math.min(1.0, (double) maxDetectSide / Math.max(image.width(), image.height()));
        int minSide = Math.max(12, (int) Math.round(minFaceSize * scale));
        List<DetectedFace> faces = new ArrayList<>();
        try (Mat bgr = OpenCvImages.toBgrMat(image);
                Mat gray = new Mat();
                Mat small = new Mat();
                RectVector found = new RectVector();
                Size minSize = new Size(minSide, minSide);
                Size maxSize = new Size()) {
            cvtColor(bgr, gray, COLOR_BGR2GRAY);
            Mat input = gray;
            if (scale < 1.0) {
                resize(gray, small, new Size((int) Math.round(image.width() * scale), (int) Math.round(image.height() * scale)),
                        0, 0, INTER_AREA);
                input = small;
            }
            equalizeHist(input, input);
            cascade.detectMultiScale(input, found, 1.1, 4, 0, minSize, maxSize);
            for (long i = 0; i < found.size(); i++) {
                Rect r = found.get(i);
                faces.add(new DetectedFace((float) (r.x() / scale), (float) (r.y() / scale),
                        (float) (r.width() / scale), (float) (r.height() / scale), 1f));
            }
        }
        faces.sort(Comparator.comparingDouble(DetectedFace::y).thenComparingDouble(DetectedFace::x));
        return faces;
    }

    @Override
    public void close() {
        cascade.close();
    }
}
