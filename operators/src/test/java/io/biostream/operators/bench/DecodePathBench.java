package io.biostream.operators.bench;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_IGNORE_ORIENTATION;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_2;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_REDUCED_COLOR_4;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;

import io.biostream.operators.image.OpenCvImages;
import io.biostream.operators.image.RgbImage;
import io.biostream.operators.vision.ImageOps;
import io.biostream.operators.vision.PixelRect;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * A/B timing of the decode path and the nets' input preparation, old way against new, interleaved
 * in rounds in one JVM (the machine is shared: only the ratio in one run means anything). Not a
 * test; run it with the operators test class path:
 * {@code java -cp "$(cat operators/target/test-classpath.txt):operators/target/classes:operators/target/test-classes"
 * io.biostream.operators.bench.DecodePathBench ../shared/goldens/images/sample1.png [rounds] [ms per case]}.
 */
public final class DecodePathBench {
    /** face-api's mean of the landmark and descriptor nets. */
    private static final double[] MEAN = {122.782, 117.001, 104.298};

    /** Keeps the allocation case from being optimised away. */
    private static volatile float[] sink;

    private DecodePathBench() {
    }

    public static void main(String[] args) throws Exception {
        Path photo = Path.of(args.length > 0 ? args[0] : "../shared/goldens/images/sample1.png");
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        long caseMillis = args.length > 2 ? Long.parseLong(args[2]) : 1500;
        byte[] jpeg;
        try (Mat png = imread(photo.toString(), IMREAD_COLOR); BytePointer out = new BytePointer()) {
            if (png.empty() || !imencode(".jpg", png, out)) {
                throw new IllegalArgumentException("cannot read or encode " + photo);
            }
            jpeg = new byte[(int) out.limit()];
            out.get(jpeg);
        }
        Mat bgr = decode(jpeg, IMREAD_COLOR | IMREAD_IGNORE_ORIENTATION);
        RgbImage image = OpenCvImages.toRgbImage(bgr);
        // Face-sized regions as the landmark net gets them (non-square, 180-330 px).
        List<PixelRect> faces = List.of(new PixelRect(700, 200, 231, 300), new PixelRect(100, 400, 301, 250),
                new PixelRect(1200, 300, 256, 330), new PixelRect(1500, 500, 180, 200));
        Map<String, Runnable> cases = new LinkedHashMap<>();
        cases.put("jpeg decode full (imdecode)", () -> decode(jpeg, IMREAD_COLOR | IMREAD_IGNORE_ORIENTATION).close());
        cases.put("jpeg decode reduced 1/2", () -> decode(jpeg, IMREAD_REDUCED_COLOR_2 | IMREAD_IGNORE_ORIENTATION).close());
        cases.put("jpeg decode reduced 1/4", () -> decode(jpeg, IMREAD_REDUCED_COLOR_4 | IMREAD_IGNORE_ORIENTATION).close());
        cases.put("A: BGR Mat -> RGB floats, Java per pixel", () -> OpenCvImages.toRgbImageByPixel(bgr));
        cases.put("B: BGR Mat -> RGB floats, native strips", () -> OpenCvImages.toRgbImage(bgr));
        // The floor of either conversion: the float image alone (allocated and zeroed by the JVM).
        cases.put("the RGB float array alone (new float[w*h*3])", () -> sink = new float[RgbImage.values(bgr.cols(), bgr.rows())]);
        cases.put("A: 4 landmark inputs, crop+pad+resize+normalise", () -> landmarkInputsComposed(image, faces));
        cases.put("B: 4 landmark inputs, in place", () -> landmarkInputsInPlace(image, faces));
        Map<String, List<Double>> perOp = new LinkedHashMap<>();
        cases.keySet().forEach(k -> perOp.put(k, new ArrayList<>()));
        double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        for (int round = -2; round < rounds; round++) { // two warm-up rounds for the JIT
            for (Map.Entry<String, Runnable> c : cases.entrySet()) {
                double ms = timePerOp(c.getValue(), caseMillis);
                if (round >= 0) {
                    perOp.get(c.getKey()).add(ms);
                }
            }
        }
        double loadAfter = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        System.out.printf("photo %s as JPEG: %dx%d, %d bytes; %d rounds of %d ms a case, load average %.2f -> %.2f%n",
                photo.getFileName(), bgr.cols(), bgr.rows(), jpeg.length, rounds, caseMillis, loadBefore, loadAfter);
        System.out.printf("%-50s %10s %10s %10s%n", "case", "median ms", "min ms", "max ms");
        perOp.forEach((name, values) -> {
            double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            System.out.printf("%-50s %10.3f %10.3f %10.3f%n", name, v[v.length / 2], v[0], v[v.length - 1]);
        });
        bgr.close();
    }

    private static Mat decode(byte[] jpeg, int flags) {
        try (BytePointer data = new BytePointer(jpeg); Mat encoded = new Mat(1, jpeg.length, CV_8UC1, data)) {
            return imdecode(encoded, flags);
        }
    }

    private static float[] landmarkInputsComposed(RgbImage image, List<PixelRect> faces) {
        int pixels = 112 * 112 * 3;
        float[] batch = new float[faces.size() * pixels];
        for (int i = 0; i < faces.size(); i++) {
            RgbImage input = ImageOps.toSquareInput(ImageOps.crop(image, faces.get(i)), 112, true);
            ImageOps.normalizeInto(input, MEAN, 255f, batch, i * pixels);
        }
        return batch;
    }

    private static float[] landmarkInputsInPlace(RgbImage image, List<PixelRect> faces) {
        int pixels = 112 * 112 * 3;
        float[] batch = new float[faces.size() * pixels];
        for (int i = 0; i < faces.size(); i++) {
            ImageOps.squareInputInto(image, faces.get(i), 112, true, MEAN, 255f, batch, i * pixels);
        }
        return batch;
    }

    /** Mean ms per call over about {@code millis} of calls. */
    private static double timePerOp(Runnable op, long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000;
        long start = System.nanoTime();
        int calls = 0;
        do {
            op.run();
            calls++;
        } while (System.nanoTime() < deadline);
        return (System.nanoTime() - start) / 1e6 / calls;
    }
}
