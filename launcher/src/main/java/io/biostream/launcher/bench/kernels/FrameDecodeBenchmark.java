package io.biostream.launcher.bench.kernels;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_IGNORE_ORIENTATION;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;

import io.biostream.launcher.bench.PipelineBench;
import io.biostream.operators.decode.DecodeLimits;
import io.biostream.operators.decode.FrameDecoder;
import io.biostream.operators.decode.FrameRejectedException;
import io.biostream.operators.image.RgbImage;
import io.biostream.operators.vision.VisionWarmup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * A camera's JPEG frame to the float RGB image the nets take ({@link FrameDecoder}: header checks,
 * OpenCV decode, conversion), per frame. {@code demo}: the first demo photo of
 * ../shared/goldens/images (1920x1280) re-encoded as the bench cameras send it; {@code synthetic}:
 * the vision warm-up's 1280x720 synthetic frame, for a machine without ../shared.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class FrameDecodeBenchmark {
    @Param({"demo"})
    public String frame;

    private byte[] jpeg;
    private FrameDecoder decoder;

    @Setup
    public void encode() throws IOException {
        if (frame.equals("synthetic")) {
            jpeg = VisionWarmup.syntheticFrameJpeg();
        } else if (frame.equals("demo")) {
            Path photos = Path.of(System.getenv().getOrDefault("BIOSTREAM_HOME", ".")).toAbsolutePath()
                    .resolve("../shared/goldens/images").normalize();
            if (!Files.isDirectory(photos)) {
                throw new IllegalStateException("the demo photos are not in " + photos
                        + " (../shared beside the clone); run with -p frame=synthetic");
            }
            List<byte[]> jpegs = PipelineBench.jpegPhotos(photos);
            if (jpegs.isEmpty()) {
                throw new IllegalStateException("no photos in " + photos);
            }
            jpeg = jpegs.get(0);
        } else {
            throw new IllegalArgumentException("frame must be demo or synthetic, not " + frame);
        }
        decoder = new FrameDecoder(DecodeLimits.DEFAULTS);
    }

    @Benchmark
    public RgbImage decode() throws FrameRejectedException {
        return decoder.decode(jpeg);
    }

    /** OpenCV's JPEG decode alone, to 8-bit BGR: what {@link #decode} costs beyond the conversion to floats. */
    @Benchmark
    public long openCvDecode() {
        try (BytePointer data = new BytePointer(jpeg);
                Mat encoded = new Mat(1, jpeg.length, CV_8UC1, data);
                Mat bgr = imdecode(encoded, IMREAD_COLOR | IMREAD_IGNORE_ORIENTATION)) {
            return bgr.total();
        }
    }
}
