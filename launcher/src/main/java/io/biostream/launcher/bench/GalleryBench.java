package io.biostream.launcher.bench;

import io.biostream.operators.identity.Candidate;
import io.biostream.operators.identity.Gallery;
import io.biostream.operators.identity.GalleryMatcher;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.Pointer;

/**
 * Measures 1:N matching on one synthetic gallery: time to enrol it, memory it holds, per-face
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
     * machine (wall times then include waiting for a core). Memory: heap growth after a GC (ids and indexes), the descriptor matrices
     * (exact, off-heap) and the whole process's resident set once the gallery is built.
     */
    public record Result(int templates, int subjects, double buildSeconds, long heapBytes, long matrixBytes,
            long rssBytes, int latencySamples, double latencyMedianMs, double latencyP99Ms, double latencyCpuMedianMs,
            int batchSize, int batches, double batchMedianMs, double batchCpuMedianMs, double facesPerSecond,
            int genuineProbes, int genuineRank1, int strangerProbes, int strangersUnderThreshold,
            double enrolMedianMicros, double eraseMedianMicros) {

        /** Heap plus descriptor matrix, per enrolled template. */
        public double bytesPerTemplate() {
            return (double) (Math.max(heapBytes, 0) + matrixBytes) / templates;
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
            return new Result(size, subjects, buildNanos / 1e9, heapBytes, matrixBytes,
                    rssBytes, single.count(), Percentiles.of(single.wallMillis(), 50), Percentiles.of(single.wallMillis(), 99),
                    Percentiles.of(single.cpuMillis(), 50), plan.batch(), batches.count(),
                    Percentiles.of(batches.wallMillis(), 50), Percentiles.of(batches.cpuMillis(), 50),
                    batches.count() * (double) plan.batch() / (batches.totalWallMillis() / 1e3), genuineCount, sanity[0],
                    plan.probes() - genuineCount, sanity[1], writes[0], writes[1]);
        }
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
