package io.biostream.launcher.bench;

import io.biostream.operators.identity.Candidate;
import io.biostream.operators.identity.Gallery;
import io.biostream.operators.identity.GalleryMatcher;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bytedeco.javacpp.Pointer;

/**
 * Measures 1:N matching ({@link GalleryMatcher}: int8 scan, exact re-rank) on one synthetic gallery: time to enrol it, memory it holds, per-face
 * latency of single probes (median, p99) and throughput of probe batches. The time per size is
 * bounded: 20% JIT warm-up, 50% single-probe latency, 30% batch throughput.
 */
public final class GalleryBench {
    /** Templates per addAll call while building: a camera-sized enrolment batch. */
    static final int ENROL_BATCH = 8192;
    /** face-api's same-person distance threshold, for the sanity counts. */
    static final double MATCH_THRESHOLD = 0.6;
    static final int WRITES = 200;

    /** What to run; {@code seconds} bounds warm-up plus measurement per gallery size. */
    public record Plan(int probes, int batch, int k, double seconds, int templatesPerSubject, long seed) {
        public Plan {
            if (probes < 2 || batch < 1 || k < 1 || !(seconds > 0) || templatesPerSubject < 1) {
                throw new IllegalArgumentException("bad plan " + probes + "/" + batch + "/" + k + "/" + seconds + "/" + templatesPerSubject);
            }
        }
    }

    /**
     * One size's figures. Times are wall clock; the CPU medians are the calling thread's CPU time,
     * which with OMP_NUM_THREADS=1 is all of the work, and holds up when other processes crowd the
     * machine (wall times then include waiting for a core). Memory: heap growth after a GC (ids,
     * indexes and the scan's per-template floats), the exact float32 descriptor matrices
     * (off-heap), the int8 codes plus per-template floats the scan reads ({@code scanBytes}) and
     * the whole process's resident set once the gallery is built. Batched figures are per face:
     * a batch's wall or CPU time divided by its size.
     */
    public record Result(int templates, int subjects, double buildSeconds, long heapBytes, long matrixBytes,
            long scanBytes, long rssBytes, int latencySamples, double latencyMedianMs, double latencyP99Ms,
            double latencyCpuMedianMs, int batchSize, int batches, double batchMedianMs, double batchP99Ms,
            double batchCpuMedianMs, double perFaceBatchedMedianMs, double perFaceBatchedP99Ms,
            double perFaceBatchedCpuMedianMs, double facesPerSecond,
            int genuineProbes, int genuineRank1, int strangerProbes, int strangersUnderThreshold,
            double enrolMedianMicros, double eraseMedianMicros) {

        /**
         * Heap plus exact matrix plus int8 codes, per enrolled template (the codes' 16 bytes of
         * per-template floats live on the heap and are already in the heap figure).
         */
        public double bytesPerTemplate() {
            return (double) (Math.max(heapBytes, 0) + matrixBytes + codeBytes()) / templates;
        }

        /** What one probe batch's first pass reads, per template: the int8 code and 16 bytes of bounds. */
        public double scanBytesPerTemplate() {
            return (double) scanBytes / templates;
        }

        private long codeBytes() {
            return scanBytes / (Gallery.DIMENSIONS + 16) * Gallery.DIMENSIONS;
        }
    }

    private record Probes(float[][] faces, String[] sourceSubject) {}

    private GalleryBench() {}

    public static Result run(int size, Plan plan, PrintStream progress) {
        SyntheticTemplates synthetic = new SyntheticTemplates(plan.seed() + size);
        long heapBefore = usedHeapAfterGc();
        int genuineCount = plan.probes() / 2;
        List<float[]> genuineSources = new ArrayList<>(genuineCount);
        List<String> genuineSubjects = new ArrayList<>(genuineCount);
        int stride = Math.max(1, size / genuineCount);
        long buildNanos = 0;
        try (Gallery gallery = new Gallery()) {
            List<Gallery.Template> batch = new ArrayList<>(ENROL_BATCH);
            for (int i = 0; i < size; i++) {
                float[] descriptor = synthetic.stranger();
                String subject = "subject-" + (i / plan.templatesPerSubject());
                batch.add(new Gallery.Template(subject, "template-" + i, descriptor));
                if (i % stride == 0 && genuineSources.size() < genuineCount) {
                    genuineSources.add(descriptor);
                    genuineSubjects.add(subject);
                }
                if (batch.size() == ENROL_BATCH || i == size - 1) {
                    long start = System.nanoTime();
                    gallery.addAll(batch);
                    buildNanos += System.nanoTime() - start;
                    batch.clear();
                }
            }
            long heapBytes = usedHeapAfterGc() - heapBefore;
            long rssBytes = Pointer.physicalBytes();
            long matrixBytes = gallery.matrixBytes();
            long scanBytes = gallery.scanBytes();
            int subjects = gallery.subjects().size();
            progress.printf("gallery %,d: built in %.1f s%n", size, buildNanos / 1e9);

            Probes probes = probes(synthetic, genuineSources, genuineSubjects, plan.probes());
            GalleryMatcher matcher = new GalleryMatcher(gallery, plan.batch());
            double budget = plan.seconds() * 1e9;
            warmUp(matcher, probes.faces(), plan, (long) (budget * 0.2));
            int[] sanity = sanity(matcher, probes, plan);
            Timings single = timed(matcher, probes.faces(), 1, plan.k(), (long) (budget * 0.5));
            Timings batches = timed(matcher, probes.faces(), plan.batch(), plan.k(), (long) (budget * 0.3));
            double[] writes = writeMicros(gallery, synthetic, size, plan.templatesPerSubject());
            double[] perFaceWall = perFace(batches.wallMillis(), plan.batch());
            return new Result(size, subjects, buildNanos / 1e9, heapBytes, matrixBytes, scanBytes,
                    rssBytes, single.count(), Percentiles.of(single.wallMillis(), 50), Percentiles.of(single.wallMillis(), 99),
                    Percentiles.of(single.cpuMillis(), 50), plan.batch(), batches.count(),
                    Percentiles.of(batches.wallMillis(), 50), Percentiles.of(batches.wallMillis(), 99),
                    Percentiles.of(batches.cpuMillis(), 50), Percentiles.of(perFaceWall, 50), Percentiles.of(perFaceWall, 99),
                    Percentiles.of(perFace(batches.cpuMillis(), plan.batch()), 50),
                    batches.count() * (double) plan.batch() / (batches.totalWallMillis() / 1e3), genuineCount, sanity[0],
                    plan.probes() - genuineCount, sanity[1], writes[0], writes[1]);
        }
    }

    private static double[] perFace(double[] batchMillis, int batch) {
        double[] out = new double[batchMillis.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = batchMillis[i] / batch;
        }
        return out;
    }

    /** The figures as a table, one row per size. */
    public static String table(Plan plan, List<Result> results) {
        StringBuilder text = new StringBuilder();
        text.append(String.format(Locale.ROOT, "1:N gallery matching (int8 scan + exact re-rank), k=%d, %d probes (half genuine),"
                + " batch %d, %s s per size; per-face times in ms%n", plan.k(), plan.probes(), plan.batch(), plan.seconds()));
        text.append(String.format(Locale.ROOT, "%10s %7s %7s %8s %8s %7s %7s %7s | %8s %8s %8s %6s | %8s %8s %8s %9s %9s %9s | %9s %8s %8s%n",
                "templates", "build s", "heap MB", "exact MB", "scan MB", "RSS MB", "B/tmpl", "scan B",
                "b1 p50", "b1 p99", "b1 cpu", "n", "bB p50", "bB p99", "bB cpu", "batch p50", "batch p99", "faces/s", "rank-1",
                "enrol us", "erase us"));
        for (Result r : results) {
            text.append(row(r)).append('\n');
        }
        return text.toString();
    }

    /** One size's row of {@link #table}. */
    public static String row(Result r) {
        return String.format(Locale.ROOT, "%10d %7.2f %7.1f %8.1f %8.1f %7.0f %7.0f %7.0f | %8.3f %8.3f %8.3f %6d | %8.3f %8.3f %8.3f %9.2f %9.2f %9.1f | %4d/%-4d %8.1f %8.1f",
                r.templates(), r.buildSeconds(), r.heapBytes() / 1e6, r.matrixBytes() / 1e6, r.scanBytes() / 1e6,
                r.rssBytes() / 1e6, r.bytesPerTemplate(), r.scanBytesPerTemplate(), r.latencyMedianMs(), r.latencyP99Ms(),
                r.latencyCpuMedianMs(), r.latencySamples(), r.perFaceBatchedMedianMs(), r.perFaceBatchedP99Ms(),
                r.perFaceBatchedCpuMedianMs(), r.batchMedianMs(), r.batchP99Ms(), r.facesPerSecond(), r.genuineRank1(),
                r.genuineProbes(), r.enrolMedianMicros(), r.eraseMedianMicros());
    }

    /**
     * Median µs of enrolling one template ({@code add}) and of erasing one subject with all its
     * templates ({@code removeSubject}), {@value #WRITES} of each, on the built gallery.
     */
    private static double[] writeMicros(Gallery gallery, SyntheticTemplates synthetic, int size, int perSubject) {
        int writes = Math.min(WRITES, size / perSubject);
        double[] enrol = new double[writes];
        double[] erase = new double[writes];
        for (int i = 0; i < writes; i++) {
            float[] descriptor = synthetic.stranger();
            long start = System.nanoTime();
            gallery.add("enrolled-" + i, "enrolled-template-" + i, descriptor);
            enrol[i] = (System.nanoTime() - start) / 1e3;
        }
        for (int i = 0; i < writes; i++) {
            String subject = "subject-" + (long) i * (size / perSubject) / writes;
            long start = System.nanoTime();
            gallery.removeSubject(subject);
            erase[i] = (System.nanoTime() - start) / 1e3;
        }
        return new double[] {Percentiles.of(enrol, 50), Percentiles.of(erase, 50)};
    }

    /** Genuine probes first (near an enrolled template), then strangers (not enrolled). */
    private static Probes probes(SyntheticTemplates synthetic, List<float[]> sources, List<String> subjects, int count) {
        float[][] faces = new float[count][];
        String[] sourceSubject = new String[count];
        for (int i = 0; i < count; i++) {
            if (i < sources.size()) {
                faces[i] = synthetic.genuine(sources.get(i));
                sourceSubject[i] = subjects.get(i);
            } else {
                faces[i] = synthetic.stranger();
            }
        }
        return new Probes(faces, sourceSubject);
    }

    private static void warmUp(GalleryMatcher matcher, float[][] faces, Plan plan, long nanos) {
        long end = System.nanoTime() + nanos;
        int next = 0;
        do {
            matcher.topK(new float[][] {faces[next % faces.length]}, plan.k());
            matcher.topK(batchAt(faces, next, plan.batch()), plan.k());
            next += plan.batch();
        } while (System.nanoTime() < end);
    }

    /** [genuine probes whose nearest subject is their own within the threshold, strangers matched under it]. */
    private static int[] sanity(GalleryMatcher matcher, Probes probes, Plan plan) {
        List<List<Candidate>> found = matcher.topK(probes.faces(), plan.k());
        int genuineHits = 0;
        int strangerHits = 0;
        for (int i = 0; i < found.size(); i++) {
            Candidate best = found.get(i).get(0);
            boolean matched = best.distance() < MATCH_THRESHOLD;
            if (probes.sourceSubject()[i] != null) {
                genuineHits += matched && best.subjectId().equals(probes.sourceSubject()[i]) ? 1 : 0;
            } else {
                strangerHits += matched ? 1 : 0;
            }
        }
        return new int[] {genuineHits, strangerHits};
    }

    /** Wall and calling-thread CPU time of each topK call. */
    private record Timings(double[] wallMillis, double[] cpuMillis) {
        int count() {
            return wallMillis.length;
        }

        double totalWallMillis() {
            double total = 0;
            for (double ms : wallMillis) {
                total += ms;
            }
            return total;
        }
    }

    /** topK calls of {@code batch} probes each, cycling through the probes, until {@code nanos} pass. */
    private static Timings timed(GalleryMatcher matcher, float[][] faces, int batch, int k, long nanos) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        List<double[]> samples = new ArrayList<>();
        long end = System.nanoTime() + nanos;
        int next = 0;
        do {
            float[][] probes = batchAt(faces, next, batch);
            next += batch;
            long cpu = threads.getCurrentThreadCpuTime();
            long start = System.nanoTime();
            matcher.topK(probes, k);
            long wall = System.nanoTime() - start;
            samples.add(new double[] {wall / 1e6, (threads.getCurrentThreadCpuTime() - cpu) / 1e6});
        } while (System.nanoTime() < end);
        return new Timings(samples.stream().mapToDouble(s -> s[0]).toArray(), samples.stream().mapToDouble(s -> s[1]).toArray());
    }

    private static float[][] batchAt(float[][] faces, int first, int size) {
        float[][] batch = new float[size][];
        for (int i = 0; i < size; i++) {
            batch[i] = faces[(first + i) % faces.length];
        }
        return batch;
    }

    private static long usedHeapAfterGc() {
        Runtime runtime = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return runtime.totalMemory() - runtime.freeMemory();
    }
}
