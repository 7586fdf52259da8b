package io.biostream.operators.vision;

// A benchmark, not a test (docs/benchmarks.md, "SSD detector"): run with java -cp (operators test class path), argument: calls per variant.

import io.biostream.operators.image.RgbImage;
import java.nio.file.Path;
import java.util.*;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

public class SsdOpTimesBench {
    public static final class Timer extends BaseListener {
        final Map<String, long[]> byPart = new TreeMap<>();
        long start;
        boolean on;
        @Override public boolean isActive(Operation operation) { return true; }
        @Override public void preOpExecution(SameDiff sd, At at, SameDiffOp op, OpContext ctx) { start = cpu(); }
        @Override public void opExecution(SameDiff sd, At at, MultiDataSet batch, SameDiffOp op, OpContext ctx, INDArray[] outputs) {
            long t = cpu() - start;
            if (!on) return;
            String type = op.getOp().opName();
            String in = String.join(",", op.getInputsToOp());
            String part = type;
            if (type.equals("conv2d")) {
                part = in.contains("Predictor") ? "conv2d box/class heads" : in.contains("Prediction/Conv2d") ? "conv2d extra layers"
                        : in.contains("Conv2d_0_") ? "conv2d first 3x3" : "conv2d pointwise 1x1";
            }
            if (type.equals("matmul") || type.equals("mmul")) {
                part = "pointwise as matmul";
            }
            long[] v = byPart.computeIfAbsent(part, k -> new long[2]);
            v[0] += t; v[1]++;
        }
    }

    public static void main(String[] args) throws Exception {
        RgbImage image = Goldens.png(Path.of(System.getProperty("photos", "../shared/goldens/images"), "sample1.png"));
        FaceApiWeights weights = FaceApiWeights.fromClasspath(SsdMobilenetV1Detector.WEIGHTS);
        int reps = Integer.parseInt(args[0]);
        Map<String, SsdMobilenetV1Graph.Form> variants = new LinkedHashMap<>();
        for (int i = 1; i < args.length; i++) {
            String[] f = args[i].split("=");
            variants.put(f[0], f[1].contains("fold") ? SsdMobilenetV1Graph.Form.FOLDED_BATCH_NORM : SsdMobilenetV1Graph.Form.REFERENCE);
        }
        long t0 = cpu();
        float[] input = null;
        for (int i = 0; i < 10; i++) {
            input = DetectorInput.squareResized(image, 512);
            for (int j = 0; j < input.length; j++) input[j] = input[j] / 127.5f - 1f;
        }
        System.out.printf("input prep: %.1f CPU ms/call (10 calls, cold JIT)%n", (cpu() - t0) / 1e7);
        long t1 = cpu();
        for (int i = 0; i < 20; i++) {
            input = DetectorInput.squareResized(image, 512);
            for (int j = 0; j < input.length; j++) input[j] = input[j] / 127.5f - 1f;
        }
        System.out.printf("input prep: %.1f CPU ms/call (20 calls after)%n", (cpu() - t1) / 2e7);
        INDArray batch = Nd4j.create(input, new long[] {1, 512, 512, 3}, 'c');
        Map<String, SameDiff> graphs = new LinkedHashMap<>();
        Map<String, Timer> timers = new LinkedHashMap<>();
        for (var e : variants.entrySet()) {
            SameDiff g = SsdMobilenetV1Graph.build(weights, e.getValue());
            Timer timer = new Timer();
            g.setListeners(timer);
            graphs.put(e.getKey(), g);
            timers.put(e.getKey(), timer);
        }
        Map<String, float[][]> outs = new LinkedHashMap<>();
        for (var e : graphs.entrySet()) {
            for (int i = 0; i < 3; i++) e.getValue().output(Map.of(SsdMobilenetV1Graph.INPUT, batch), SsdMobilenetV1Graph.BOX_ENCODINGS, SsdMobilenetV1Graph.CLASS_LOGITS);
        }
        Map<String, CountingMemoryManager> mgrs = new LinkedHashMap<>();
        for (var e : graphs.entrySet()) {
            var sess = e.getValue().getSessions().values().iterator().next();
            CountingMemoryManager m = new CountingMemoryManager((org.nd4j.autodiff.samediff.internal.memory.ArrayCacheMemoryMgr) sess.getMmgr());
            if (System.getenv("COUNT") != null) { sess.setMmgr(m); mgrs.put(e.getKey(), m); }
        }
        Map<String, List<Long>> times = new LinkedHashMap<>();
        for (int r = 0; r < reps; r++) {
            for (var e : graphs.entrySet()) {
                Timer timer = timers.get(e.getKey());
                timer.on = true;
                long s = cpu();
                Map<String, INDArray> o = e.getValue().output(Map.of(SsdMobilenetV1Graph.INPUT, batch), SsdMobilenetV1Graph.BOX_ENCODINGS, SsdMobilenetV1Graph.CLASS_LOGITS);
                times.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(cpu() - s);
                timer.on = false;
                outs.put(e.getKey(), new float[][] {NetGraphs.values(o.get(SsdMobilenetV1Graph.BOX_ENCODINGS)), NetGraphs.values(o.get(SsdMobilenetV1Graph.CLASS_LOGITS))});
            }
        }
        float[][] ref = outs.values().iterator().next();
        for (var e : graphs.keySet()) {
            List<Long> t = new ArrayList<>(times.get(e));
            Collections.sort(t);
            long total = times.get(e).stream().mapToLong(Long::longValue).sum();
            Timer timer = timers.get(e);
            long ops = timer.byPart.values().stream().mapToLong(v -> v[0]).sum();
            float[][] o = outs.get(e);
            System.out.printf("%n== %s (CPU time): median %.1f ms, min %.1f ms, mean %.1f ms over %d calls; max|d| vs %s: boxes %.3g logits %.3g%n",
                    e, t.get(t.size() / 2) / 1e6, t.get(0) / 1e6, total / 1e6 / reps, reps, graphs.keySet().iterator().next(),
                    maxAbs(ref[0], o[0]), maxAbs(ref[1], o[1]));
            if (mgrs.get(e) != null) System.out.println("  memory manager over the calls: " + mgrs.get(e));
            for (var p : timer.byPart.entrySet()) {
                System.out.printf("  %-26s %7.2f ms/call  %5.1f%%  (%d ops/call)%n", p.getKey(), p.getValue()[0] / 1e6 / reps,
                        100.0 * p.getValue()[0] / total, p.getValue()[1] / reps);
            }
            System.out.printf("  %-26s %7.2f ms/call  %5.1f%%%n", "outside ops (session)", (total - ops) / 1e6 / reps, 100.0 * (total - ops) / total);
        }
    }

    static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory.getThreadMXBean();
    static final com.sun.management.OperatingSystemMXBean OS = (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    static long cpu() { return System.getenv("THREAD_CPU") != null ? THREADS.getCurrentThreadCpuTime() : OS.getProcessCpuTime(); }

    static double maxAbs(float[] a, float[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }
}
