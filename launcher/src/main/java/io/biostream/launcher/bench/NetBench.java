package io.biostream.launcher.bench;

import io.biostream.operators.image.RgbImage;
import io.biostream.operators.vision.DetectedFace;
import io.biostream.operators.vision.FaceDescriptorNet;
import io.biostream.operators.vision.FaceLandmarkNet;
import io.biostream.operators.vision.FacePipeline;
import io.biostream.operators.vision.SsdMobilenetV1Detector;
import io.biostream.operators.vision.VisionConfig;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;
import javax.imageio.ImageIO;

/**
 * The face nets alone, in this process, on pre-decoded inputs (decode excluded, as in the
 * JavaScript peer's benchmark): for each net and batch size a warm-up, then calls for a fixed
 * time. {@link #describe}: the descriptor net on the 150x150 crops and the landmark net on the
 * 112x112 crops; {@link #detect}: the SSD detector on whole photos (several per forward pass)
 * with the landmarks of each photo's faces, and the job's whole vision path per photo.
 * The thread count is the process's (OMP_NUM_THREADS, read when ND4J starts). Slots are
 * independent net instances, each called from a Java thread of its own at the same time, as the
 * job's parallel subtasks run in one TaskManager: with one OpenMP thread, S slots use S cores.
 */
public final class NetBench {
    /** Calls per measurement at most, whatever the time: bounds a run on a very fast machine. */
    static final int MAX_CALLS = 1_000_000;
    /** How long past a measurement's end a slot's last call may run before the measurement fails. */
    static final long CALL_LIMIT_NANOS = TimeUnit.MINUTES.toNanos(10);

    /**
     * @param batches       inputs per call (faces for the crop nets, photos for the detector)
     * @param warmupSeconds spent once before the first measurement, cycling over every net and batch
     * @param seconds       measured per net and batch, after a short warm-up of that batch
     * @param slots         slot counts: each measurement runs once per count, with that many net
     *                      instances calling at the same time
     */
    public record Plan(List<Integer> batches, double warmupSeconds, double seconds, List<Integer> slots) {
        public Plan {
            batches = List.copyOf(batches);
            slots = List.copyOf(slots);
            if (slots.isEmpty() || slots.stream().anyMatch(n -> n < 1)) {
                throw new IllegalArgumentException("slot counts must be 1 or more: " + slots);
            }
        }

        public Plan(List<Integer> batches, double warmupSeconds, double seconds) {
            this(batches, warmupSeconds, seconds, List.of(1));
        }

        int maxSlots() {
            return slots.stream().mapToInt(Integer::intValue).max().orElse(1);
        }
    }

    /**
     * One net at one batch size. {@code images} are inputs (crops or photos), {@code faces} the
     * faces handled, by all {@code slots} together; rates are per wall second of the measurement
     * (from the common start to the last slot's last call); CPU is the whole process's (OpenMP
     * threads included) over the measurement, NaN where a row shares its calls with another.
     */
    public record Row(String net, int batch, int slots, long calls, long images, long faces, double seconds, double imagesPerSecond,
                      double facesPerSecond, double callMedianMs, double callP90Ms, double cpuMsPerFace,
                      double loadBefore, double loadAfter) {}

    /** One call of a measured loop: what it handled and, for detect, how long its SSD part took. */
    record Work(int images, int faces, long ssdNanos) {}

    @FunctionalInterface
    interface Call {
        Work run();
    }

    private final Plan plan;
    private final PrintStream progress;

    public NetBench(Plan plan, PrintStream progress) {
        this.plan = plan;
        this.progress = progress;
    }

    /** The 150x150 crops ({@code *_150.png}) and 112x112 crops ({@code *_112.png}) of a goldens crops folder. */
    public record Crops(List<RgbImage> descriptorInputs, List<RgbImage> landmarkInputs) {}

    public static Crops crops(Path dir) throws IOException {
        return new Crops(pngs(dir, "_150.png"), pngs(dir, "_112.png"));
    }

    /** The PNG and JPEG files of a folder whose names end with {@code suffix}, decoded, sorted by name. */
    public static List<RgbImage> pngs(Path dir, String suffix) throws IOException {
        List<Path> files;
        try (var list = Files.list(dir)) {
            files = list.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(suffix)).sorted().toList();
        }
        List<RgbImage> images = new ArrayList<>();
        for (Path file : files) {
            images.add(read(file));
        }
        return images;
    }

    /** An image file as RGB 0..255 (alpha dropped), decoded losslessly as the goldens were made. */
    static RgbImage read(Path file) throws IOException {
        BufferedImage image = ImageIO.read(file.toFile());
        if (image == null) {
            throw new IOException("not an image: " + file);
        }
        int width = image.getWidth();
        int height = image.getHeight();
        int[] argb = image.getRGB(0, 0, width, height, null, 0, width);
        float[] rgb = new float[argb.length * 3];
        for (int i = 0; i < argb.length; i++) {
            rgb[3 * i] = (argb[i] >> 16) & 0xff;
            rgb[3 * i + 1] = (argb[i] >> 8) & 0xff;
            rgb[3 * i + 2] = argb[i] & 0xff;
        }
        return new RgbImage(width, height, rgb);
    }

    /** Descriptor net on the 150 crops, then the landmark net on the 112 crops, at every batch size and slot count. */
    public List<Row> describe(Crops crops) {
        if (crops.descriptorInputs().isEmpty() || crops.landmarkInputs().isEmpty()) {
            throw new IllegalArgumentException("no crops to describe");
        }
        List<AutoCloseable> nets = new ArrayList<>();
        try {
            List<FaceDescriptorNet> descriptors = new ArrayList<>();
            List<FaceLandmarkNet> landmarks = new ArrayList<>();
            for (int i = 0; i < plan.maxSlots(); i++) {
                descriptors.add(opened(nets, FaceDescriptorNet.load()));
                landmarks.add(opened(nets, FaceLandmarkNet.load(FaceLandmarkNet.Variant.FULL)));
            }
            List<Named> calls = new ArrayList<>();
            for (int slots : plan.slots()) {
                for (int batch : plan.batches()) {
                    List<RgbImage> faces = cycle(crops.descriptorInputs(), batch);
                    calls.add(new Named("descriptor", batch, perSlot(slots, slot -> () -> {
                        descriptors.get(slot).describe(faces);
                        return new Work(faces.size(), faces.size(), 0);
                    })));
                }
                for (int batch : plan.batches()) {
                    // The landmark net takes faces of one image: tile the crops side by side and give it
                    // each tile's box, so one call is one forward pass over `batch` different crops.
                    RgbImage strip = strip(cycle(crops.landmarkInputs(), batch));
                    int size = FaceLandmarkNet.INPUT_SIZE;
                    List<DetectedFace> boxes = new ArrayList<>();
                    for (int i = 0; i < batch; i++) {
                        boxes.add(new DetectedFace(i * size, 0, size, size, 1f));
                    }
                    calls.add(new Named("landmarks", batch, perSlot(slots, slot -> () -> {
                        landmarks.get(slot).detect(strip, boxes);
                        return new Work(batch, batch, 0);
                    })));
                }
            }
            return measureAll(calls);
        } finally {
            closeAll(nets);
        }
    }

    /**
     * The SSD detector on {@code batch} photos per forward pass, then the landmark net on each photo's
     * faces (one call per photo, as the job does): a row for the detector alone and one for both.
     * Then the job's whole vision path ({@link FacePipeline#analyze}: detect, landmarks, quality, crop,
     * descriptors) one photo per call, as a third row. Each slot has its own nets.
     */
    public List<Row> detect(List<RgbImage> photos) {
        if (photos.isEmpty()) {
            throw new IllegalArgumentException("no photos to detect faces in");
        }
        VisionConfig config = VisionConfig.DEFAULTS;
        List<AutoCloseable> nets = new ArrayList<>();
        try {
            List<SsdMobilenetV1Detector> detectors = new ArrayList<>();
            List<FaceLandmarkNet> landmarks = new ArrayList<>();
            List<FacePipeline> pipelines = new ArrayList<>();
            for (int i = 0; i < plan.maxSlots(); i++) {
                SsdMobilenetV1Detector detector = SsdMobilenetV1Detector.load(config.minConfidence(),
                        SsdMobilenetV1Detector.DEFAULT_MAX_RESULTS);
                FaceLandmarkNet landmark = FaceLandmarkNet.load(FaceLandmarkNet.Variant.FULL);
                detectors.add(detector);
                landmarks.add(landmark);
                // The pipeline row runs the same net instances; closing the pipeline closes them.
                pipelines.add(opened(nets, new FacePipeline(detector, landmark, FaceDescriptorNet.load(),
                        config.minFaceSize(), config.minQuality())));
            }
            List<Named> calls = new ArrayList<>();
            for (int slots : plan.slots()) {
                for (int batch : plan.batches()) {
                    calls.add(new Named("ssd+landmarks", batch, perSlot(slots, slot -> {
                        int[] next = {slot};
                        return () -> {
                            List<RgbImage> images = new ArrayList<>(batch);
                            for (int i = 0; i < batch; i++) {
                                images.add(photos.get(next[0]++ % photos.size()));
                            }
                            long start = System.nanoTime();
                            List<List<DetectedFace>> found = detectors.get(slot).detect(images);
                            long ssd = System.nanoTime() - start;
                            int faces = 0;
                            for (int i = 0; i < images.size(); i++) {
                                if (!found.get(i).isEmpty()) {
                                    landmarks.get(slot).detect(images.get(i), found.get(i));
                                }
                                faces += found.get(i).size();
                            }
                            return new Work(images.size(), faces, ssd);
                        };
                    })));
                }
                calls.add(new Named("pipeline", 1, perSlot(slots, slot -> {
                    int[] next = {slot};
                    return () -> {
                        List<FacePipeline.Face> faces = pipelines.get(slot).analyze(photos.get(next[0]++ % photos.size()));
                        return new Work(1, (int) faces.stream().filter(FacePipeline.Face::described).count(), 0);
                    };
                })));
            }
            return measureAll(calls);
        } finally {
            closeAll(nets);
        }
    }

    /** One measurement: a net at a batch size, with one call per slot, the slots calling at the same time. */
    private record Named(String net, int batch, List<Call> slots) {}

    private static List<Call> perSlot(int slots, IntFunction<Call> call) {
        List<Call> calls = new ArrayList<>(slots);
        for (int slot = 0; slot < slots; slot++) {
            calls.add(call.apply(slot));
        }
        return calls;
    }

    private static <T extends AutoCloseable> T opened(List<AutoCloseable> nets, T net) {
        nets.add(net);
        return net;
    }

    private static void closeAll(List<AutoCloseable> nets) {
        for (AutoCloseable net : nets) {
            try {
                net.close();
            } catch (Exception e) {
                // closing native arrays: nothing left to do with the benchmark's figures
            }
        }
    }

    private List<Row> measureAll(List<Named> calls) {
        try (SlotThreads threads = new SlotThreads(plan.maxSlots())) {
            long warmupEnd = System.nanoTime() + nanos(plan.warmupSeconds());
            progress.printf(Locale.ROOT, "bench: warming up for %.1f s over %d measurements%n", plan.warmupSeconds(), calls.size());
            for (int round = 0; round < MAX_CALLS && System.nanoTime() < warmupEnd; round++) {
                for (Named named : calls) {
                    threads.run(named.slots(), 1, 0);
                }
            }
            List<Row> rows = new ArrayList<>();
            for (Named named : calls) {
                List<Row> measured = measure(named, threads);
                rows.addAll(measured);
                for (Row row : measured) {
                    progress.println("bench: " + format(row));
                }
            }
            return rows;
        }
    }

    /** A short warm-up of this batch (a fifth of the time, at least one call), then calls for the plan's time. */
    private List<Row> measure(Named named, SlotThreads threads) {
        threads.run(named.slots(), 1, System.nanoTime() + nanos(Math.min(2, plan.seconds() / 5)));
        double loadBefore = loadAverage();
        long cpuStart = processCpuNanos();
        long start = System.nanoTime();
        // At least two calls a slot, so a call longer than the time still gives a figure.
        List<Timed> timed = threads.run(named.slots(), 2, start + nanos(plan.seconds()));
        double seconds = (System.nanoTime() - start) / 1e9;
        List<Double> callMs = new ArrayList<>();
        List<Double> ssdMs = new ArrayList<>();
        long images = 0;
        long faces = 0;
        long ssdWall = 0;
        for (Timed call : timed) {
            callMs.add(call.nanos() / 1e6);
            ssdMs.add(call.work().ssdNanos() / 1e6);
            ssdWall += call.work().ssdNanos();
            images += call.work().images();
            faces += call.work().faces();
        }
        double cpuMsPerFace = faces == 0 ? Double.NaN : (processCpuNanos() - cpuStart) / 1e6 / faces;
        double loadAfter = loadAverage();
        int slots = named.slots().size();
        Row row = new Row(named.net(), named.batch(), slots, callMs.size(), images, faces, seconds, images / seconds,
                faces / seconds, percentile(callMs, 50), percentile(callMs, 90), cpuMsPerFace, loadBefore, loadAfter);
        if (!named.net().equals("ssd+landmarks")) {
            return List.of(row);
        }
        // The detector's share: its time per slot (the slots' SSD calls overlap).
        double ssdSeconds = ssdWall / 1e9 / slots;
        Row ssd = new Row("ssd", named.batch(), slots, callMs.size(), images, faces, ssdSeconds, images / ssdSeconds,
                faces / ssdSeconds, percentile(ssdMs, 50), percentile(ssdMs, 90), Double.NaN, loadBefore, loadAfter);
        return List.of(ssd, row);
    }

    /** One call's wall time and what it handled. */
    private record Timed(long nanos, Work work) {}

    /**
     * One Java thread per slot, each always running the same slot's calls (a slot's nets stay on
     * one thread, as a subtask's do), started together.
     */
    private static final class SlotThreads implements AutoCloseable {
        private final List<ExecutorService> threads = new ArrayList<>();

        SlotThreads(int slots) {
            for (int i = 0; i < slots; i++) {
                String name = "bench-slot-" + i;
                threads.add(Executors.newSingleThreadExecutor(r -> {
                    Thread thread = new Thread(r, name);
                    thread.setDaemon(true);
                    return thread;
                }));
            }
        }

        /** Each slot calls at least {@code minCalls} times and until {@code endNanos}; every call, all slots. */
        List<Timed> run(List<Call> slots, int minCalls, long endNanos) {
            List<Future<List<Timed>>> running = new ArrayList<>();
            for (int slot = 0; slot < slots.size(); slot++) {
                Call call = slots.get(slot);
                running.add(threads.get(slot).submit(() -> {
                    List<Timed> timed = new ArrayList<>();
                    for (int i = 0; i < MAX_CALLS && (i < minCalls || System.nanoTime() < endNanos); i++) {
                        long start = System.nanoTime();
                        Work work = call.run();
                        timed.add(new Timed(System.nanoTime() - start, work));
                    }
                    return timed;
                }));
            }
            List<Timed> all = new ArrayList<>();
            for (Future<List<Timed>> slot : running) {
                try {
                    // A bound against a hung net, not a schedule: a call of 32 photos on a crowded
                    // machine has taken a minute.
                    all.addAll(slot.get(Math.max(0, endNanos - System.nanoTime()) + CALL_LIMIT_NANOS, TimeUnit.NANOSECONDS));
                } catch (TimeoutException e) {
                    throw new IllegalStateException("a slot's call ran past " + CALL_LIMIT_NANOS / 1_000_000_000L
                            + " s after the measurement's end");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while measuring", e);
                } catch (ExecutionException e) {
                    throw new IllegalStateException("a slot's call failed: " + e.getCause(), e.getCause());
                }
            }
            return all;
        }

        @Override
        public void close() {
            threads.forEach(ExecutorService::shutdownNow);
        }
    }

    /** {@code count} inputs taken in turn from {@code inputs}. */
    static List<RgbImage> cycle(List<RgbImage> inputs, int count) {
        List<RgbImage> batch = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            batch.add(inputs.get(i % inputs.size()));
        }
        return batch;
    }

    /** Square images of one size side by side in one image. */
    static RgbImage strip(List<RgbImage> tiles) {
        int size = tiles.get(0).height();
        int width = size * tiles.size();
        float[] rgb = new float[width * size * 3];
        for (int t = 0; t < tiles.size(); t++) {
            RgbImage tile = tiles.get(t);
            if (tile.width() != size || tile.height() != size) {
                throw new IllegalArgumentException("tiles must all be " + size + "x" + size + ", not "
                        + tile.width() + "x" + tile.height());
            }
            float[] pixels = tile.data();
            for (int y = 0; y < size; y++) {
                System.arraycopy(pixels, y * size * 3, rgb, (y * width + t * size) * 3, size * 3);
            }
        }
        return new RgbImage(width, size, rgb);
    }

    public static String header() {
        return String.format(Locale.ROOT, "%-14s %5s %5s %7s %8s %7s %10s %9s %9s %9s %11s %11s", "net", "batch", "slots", "calls",
                "inputs", "faces", "inputs/s", "faces/s", "call p50", "call p90", "cpu ms/face", "load avg");
    }

    public static String format(Row r) {
        return String.format(Locale.ROOT, "%-14s %5d %5d %7d %8d %7d %10.2f %9.2f %9.1f %9.1f %11s %5.1f-%-5.1f", r.net(),
                r.batch(), r.slots(), r.calls(), r.images(), r.faces(), r.imagesPerSecond(), r.facesPerSecond(), r.callMedianMs(),
                r.callP90Ms(), Double.isNaN(r.cpuMsPerFace()) ? "-" : String.format(Locale.ROOT, "%.1f", r.cpuMsPerFace()),
                r.loadBefore(), r.loadAfter());
    }

    /** The one-minute load average (NaN where /proc is absent): how crowded the machine was. */
    public static double loadAverage() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    private static long processCpuNanos() {
        return ManagementFactory.getPlatformMXBean(com.sun.management.OperatingSystemMXBean.class).getProcessCpuTime();
    }

    private static double percentile(List<Double> values, double p) {
        return Percentiles.of(values.stream().mapToDouble(Double::doubleValue).toArray(), p);
    }

    private static long nanos(double seconds) {
        return Math.round(seconds * 1e9);
    }
}
