package io.biostream.launcher.bench.kernels;

import io.biostream.launcher.bench.SyntheticTemplates;
import io.biostream.operators.identity.Candidate;
import io.biostream.operators.identity.Gallery;
import io.biostream.operators.identity.GalleryMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * 1:N matching ({@link GalleryMatcher}: int8 scan, exact re-rank, top 5) against a synthetic
 * gallery, per face: one probe a call, and a batch of 64 probes a call (the job's micro-batch
 * matches a batch's faces together). {@code bench gallery} gives the same at 1k-10M with memory
 * and percentiles; this is the kernel alone, under JMH's forks and warm-up.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class GalleryMatchBenchmark {
    static final int BATCH = 64;
    private static final int K = 5;

    @Param({"100000"})
    public int templates;

    private Gallery gallery;
    private GalleryMatcher matcher;
    private float[][] one;
    private float[][] batch;

    @Setup
    public void enrol() {
        SyntheticTemplates synthetic = new SyntheticTemplates(42);
        gallery = new Gallery();
        List<float[]> enrolled = new ArrayList<>();
        List<Gallery.Template> chunk = new ArrayList<>();
        for (int i = 0; i < templates; i++) {
            float[] descriptor = synthetic.stranger();
            if (enrolled.size() < BATCH / 2) {
                enrolled.add(descriptor);
            }
            chunk.add(new Gallery.Template("subject-" + i / 2, "template-" + i, descriptor));
            if (chunk.size() == 10_000 || i == templates - 1) {
                gallery.addAll(chunk);
                chunk.clear();
            }
        }
        // Half the probes are enrolled people seen again, half strangers, as in bench gallery.
        batch = new float[BATCH][];
        for (int i = 0; i < BATCH; i++) {
            batch[i] = i % 2 == 0 && i / 2 < enrolled.size() ? synthetic.genuine(enrolled.get(i / 2)) : synthetic.stranger();
        }
        one = new float[][] {batch[0]};
        matcher = new GalleryMatcher(gallery, BATCH);
    }

    @TearDown
    public void close() {
        gallery.close();
    }

    @Benchmark
    public List<List<Candidate>> oneProbePerCall() {
        return matcher.topK(one, K);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public List<List<Candidate>> perFaceInBatchesOf64() {
        return matcher.topK(batch, K);
    }
}
