package io.biostream.operators.vision;

import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;

import io.biostream.operators.image.OpenCvImages;
import io.biostream.operators.image.RgbImage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.function.LongSupplier;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Runs a face pipeline on synthetic input for a bounded time, so that a new process does its
 * cold-start work before the first frame instead of on it: the JIT compiles the Java around the
 * nets (input preparation, SameDiff's per-call bookkeeping, resizing, quality, crops), and oneDNN
 * generates its kernels for the shapes the job uses. Each pass decodes a synthetic JPEG frame (the
 * job's decoder, when given), runs the detector on it (the SSD's 512x512 input), then the landmark
 * and descriptor nets on a batch of boxes laid on it, split over frames of up to
 * {@link #FACES_PER_FRAME} as the micro-batch forms them. The synthetic frame has no faces for the
 * detector to find; the boxes make the landmark net, the quality check, the configured descriptor
 * crop and the descriptor net run all the same, on batches of each size from 1 to the micro-batch's
 * face limit (capped at {@link #MAX_BATCH}): both ends first (a lightly loaded job describes one
 * frame's faces at a time, a loaded one full batches), then the sizes between.
 *
 * <p>Bounded: the first pass always runs whole (one decode, one detection, one face through the
 * landmark and descriptor nets: a warm-up that stopped inside it would have missed a path); after
 * it, no step starts once the duration is over or the thread is interrupted (a step already
 * running, one net call, finishes), and at most {@link #MAX_PASSES} passes run. A failure
 * on the synthetic input ends the warm-up (the job then starts cold) but is not thrown: the warm-up
 * is an optimisation, the nets' real input is checked frame by frame.
 */
public final class VisionWarmup {
    /** The synthetic frame: a camera's 720p picture. */
    static final int FRAME_WIDTH = 1280;
    static final int FRAME_HEIGHT = 720;
    /** Faces per synthetic frame in a describe batch (the demo photos have 2-4). */
    static final int FACES_PER_FRAME = 4;
    /** The largest landmark/descriptor batch warmed (the micro-batch allows up to 1024 faces). */
    static final int MAX_BATCH = 64;
    static final int MAX_PASSES = 10_000;
    private static final int BOX_SIDE = 140;

    /** Decodes the synthetic frame's JPEG bytes the way the job decodes a frame. */
    @FunctionalInterface
    public interface Decoder {
        RgbImage decode(byte[] jpeg) throws Exception;
    }

    /**
     * What a warm-up ran.
     *
     * @param landmarkBatchSizes   the sizes of the landmark net's batches (faces per call)
     * @param descriptorBatchSizes the sizes of the descriptor net's batches (crops per call)
     * @param failure              what ended the warm-up early, or null
     */
    public record Report(int passes, int decodes, int detectorCalls, int landmarkCalls, int descriptorCalls,
                         SortedSet<Integer> landmarkBatchSizes, SortedSet<Integer> descriptorBatchSizes,
                         Duration took, String failure) {
        public static final Report NONE = new Report(0, 0, 0, 0, 0, Collections.emptySortedSet(),
                Collections.emptySortedSet(), Duration.ZERO, null);

        public int netCalls() {
            return detectorCalls + landmarkCalls + descriptorCalls;
        }
    }

    private VisionWarmup() {}

    /** {@link #run(FacePipeline, Duration, int, Decoder, LongSupplier)} on the system clock. */
    public static Report run(FacePipeline pipeline, Duration duration, int maxFaces, Decoder decoder) {
        return run(pipeline, duration, maxFaces, decoder, System::nanoTime);
    }

    /**
     * Warms {@code pipeline} up for {@code duration} (zero: nothing runs).
     *
     * @param maxFaces the largest batch of faces the job gives the landmark net (the micro-batch's face limit)
     * @param decoder  the job's decode of a JPEG (null: the synthetic image is used as it is)
     * @param clock    nanoseconds, as {@link System#nanoTime}
     */
    public static Report run(FacePipeline pipeline, Duration duration, int maxFaces, Decoder decoder, LongSupplier clock) {
        if (duration.isZero() || duration.isNegative()) {
            return Report.NONE;
        }
        long start = clock.getAsLong();
        long deadline = start + duration.toNanos();
        RgbImage synthetic = syntheticFrame();
        byte[] jpeg = decoder == null ? null : jpeg(synthetic);
        int[] sizes = batchSizes(Math.min(Math.max(1, maxFaces), MAX_BATCH));
        Counter counter = new Counter();
        int passes = 0;
        int decodes = 0;
        String failure = null;
        try {
            while (passes < MAX_PASSES) {
                if (over(passes, clock, deadline)) {
                    break;
                }
                RgbImage frame = synthetic;
                if (decoder != null) {
                    frame = decoder.decode(jpeg);
                    decodes++;
                    if (over(passes, clock, deadline)) {
                        break;
                    }
                }
                pipeline.detect(frame, 1, 0.0, counter);
                if (over(passes, clock, deadline)) {
                    break;
                }
                pipeline.describe(frames(frame, sizes[passes % sizes.length]), counter);
                passes++;
            }
        } catch (Exception e) {
            failure = e.toString();
        }
        return new Report(passes, decodes, counter.detect, counter.landmarks, counter.describe,
                Collections.unmodifiableSortedSet(counter.landmarkSizes), Collections.unmodifiableSortedSet(counter.describeSizes),
                Duration.ofNanos(clock.getAsLong() - start), failure);
    }

    /** Whether the warm-up stops before its next step: never within the first pass. */
    private static boolean over(int passesDone, LongSupplier clock, long deadline) {
        return passesDone > 0 && (clock.getAsLong() - deadline >= 0 || Thread.currentThread().isInterrupted());
    }

    /** 1..max, both ends first: 1, max, 2, max-1, ... */
    static int[] batchSizes(int max) {
        int[] sizes = new int[max];
        for (int i = 0, low = 1, high = max; i < max; i++) {
            sizes[i] = i % 2 == 0 ? low++ : high--;
        }
        return sizes;
    }

    /** {@code faces} boxes on the image, in frames of up to {@link #FACES_PER_FRAME}, all to be described. */
    static List<FacePipeline.Detected> frames(RgbImage image, int faces) {
        List<FacePipeline.Detected> frames = new ArrayList<>();
        List<DetectedFace> boxes = new ArrayList<>();
        int columns = (image.width() - BOX_SIDE) / (BOX_SIDE / 2);
        int rows = (image.height() - BOX_SIDE) / (BOX_SIDE / 2);
        for (int i = 0; i < faces; i++) {
            int cell = i % (columns * rows); // boxes may overlap past the grid: the nets do not mind
            float x = (cell % columns) * (BOX_SIDE / 2f) + 3;
            float y = (cell / columns) * (BOX_SIDE / 2f) + 5;
            boxes.add(new DetectedFace(x, y, BOX_SIDE, BOX_SIDE + (i % 3) * 8, 0.9f));
            if (boxes.size() == FACES_PER_FRAME || i == faces - 1) {
                // min face size 1 and quality 0: every box is measured and described
                frames.add(new FacePipeline.Detected(image, List.copyOf(boxes), 1, 0.0));
                boxes.clear();
            }
        }
        return frames;
    }

    /**
     * A camera-like picture: smooth gradients with skin-toned ellipses and pixel noise, so that the
     * JPEG has a real photo's entropy and the nets see varied values (no face the detector keeps).
     */
    static RgbImage syntheticFrame() {
        float[] data = new float[RgbImage.values(FRAME_WIDTH, FRAME_HEIGHT)];
        java.util.Random noise = new java.util.Random(13);
        for (int y = 0; y < FRAME_HEIGHT; y++) {
            for (int x = 0; x < FRAME_WIDTH; x++) {
                float r = 60 + 120f * x / FRAME_WIDTH;
                float g = 70 + 100f * y / FRAME_HEIGHT;
                float b = 110 + 60f * (x + y) / (FRAME_WIDTH + FRAME_HEIGHT);
                for (int k = 0; k < 6; k++) { // ellipses of skin tone
                    float cx = 160 + k * 200;
                    float cy = 260 + (k % 2) * 200;
                    float dx = (x - cx) / 70f;
                    float dy = (y - cy) / 90f;
                    if (dx * dx + dy * dy < 1) {
                        r = 205;
                        g = 160;
                        b = 135;
                    }
                }
                int i = (y * FRAME_WIDTH + x) * 3;
                data[i] = clamp(r + noise.nextInt(17) - 8);
                data[i + 1] = clamp(g + noise.nextInt(17) - 8);
                data[i + 2] = clamp(b + noise.nextInt(17) - 8);
            }
        }
        return new RgbImage(FRAME_WIDTH, FRAME_HEIGHT, data);
    }

    private static float clamp(float v) {
        return Math.max(0, Math.min(255, v));
    }

    /** The synthetic warm-up frame (1280x720, four face-coloured ellipses on a noisy gradient) as JPEG. */
    public static byte[] syntheticFrameJpeg() {
        return jpeg(syntheticFrame());
    }

    static byte[] jpeg(RgbImage image) {
        try (Mat bgr = OpenCvImages.toBgrMat(image); BytePointer encoded = new BytePointer()) {
            if (!imencode(".jpg", bgr, encoded)) {
                throw new IllegalStateException("OpenCV could not encode the synthetic warm-up frame as JPEG");
            }
            byte[] bytes = new byte[Math.toIntExact(encoded.limit())];
            encoded.get(bytes);
            return bytes;
        }
    }

    /** Counts the net calls of the warm-up and their batch sizes. */
    private static final class Counter implements FacePipeline.StageTimes {
        int detect;
        int landmarks;
        int describe;
        final SortedSet<Integer> landmarkSizes = new TreeSet<>();
        final SortedSet<Integer> describeSizes = new TreeSet<>();

        @Override
        public void took(FacePipeline.Stage stage, long nanos, int faces) {
            switch (stage) {
                case DETECT -> detect++;
                case LANDMARKS -> {
                    landmarks++;
                    landmarkSizes.add(faces);
                }
                case DESCRIBE -> {
                    describe++;
                    describeSizes.add(faces);
                }
            }
        }
    }
}
