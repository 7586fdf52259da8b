package io.biostream.operators.vision;

// A benchmark, not a test (docs/benchmarks.md, "SSD detector"): run with java -cp (operators test class path), argument: calls per variant.

import io.biostream.operators.image.RgbImage;
import java.nio.file.Path;
import java.util.*;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A (the folded SameDiff graph, per-call session) vs B (the same ops through SsdMobilenetV1Executor,
 * reused arrays, in-place ReLU6) on the detect path, alternating. (Before the executor this compared
 * the reference graph with a separate input pass against the folded graph: git history.)
 */
public class SsdDetectorAbBench {
    public static void main(String[] args) throws Exception {
        int reps = Integer.parseInt(args[0]);
        List<RgbImage> photos = new ArrayList<>();
        for (int n = 1; n <= 4; n++) photos.add(Goldens.png(Path.of(System.getProperty("photos", "../shared/goldens/images"), "sample" + n + ".png")));
        FaceApiWeights weights = FaceApiWeights.fromClasspath(SsdMobilenetV1Detector.WEIGHTS);
        float[] anchors = weights.get("Output/extra_dim", 1, SsdMobilenetV1Graph.ANCHORS, 4).values().clone();
        SameDiff fold = SsdMobilenetV1Graph.build(weights);
        SsdMobilenetV1Executor executor = new SsdMobilenetV1Executor(weights);
        SsdOpTimesBench.Timer ta = new SsdOpTimesBench.Timer(), tb = new SsdOpTimesBench.Timer();
        fold.setListeners(ta);
        double maxDelta = 0;
        long[][] cpu = new long[2][reps], wall = new long[2][reps], prep = new long[2][reps];
        int faces = 0;
        float[] lastA = null;
        long nativeAfterWarmup = 0;
        for (int r = -6; r < reps; r++) {
            if (r == 0) nativeAfterWarmup = org.bytedeco.javacpp.Pointer.physicalBytes();
            for (int v = 0; v < 2; v++) {
                RgbImage image = photos.get(Math.floorMod(r, 4));
                SsdOpTimesBench.Timer timer = v == 0 ? ta : tb;
                timer.on = r >= 0;
                long c0 = SsdOpTimesBench.cpu(), w0 = System.nanoTime();
                float[] input = new float[512 * 512 * 3];
                DetectorInput.squareResizedMinusOneToOne(image, 512, input, 0);
                long c1 = SsdOpTimesBench.cpu();
                float[] encodings;
                float[] logits;
                if (v == 0) {
                    Map<String, INDArray> out = fold.output(Map.of(SsdMobilenetV1Graph.INPUT,
                            Nd4j.create(input, new long[] {1, 512, 512, 3}, 'c')), SsdMobilenetV1Graph.BOX_ENCODINGS, SsdMobilenetV1Graph.CLASS_LOGITS);
                    encodings = NetGraphs.values(out.get(SsdMobilenetV1Graph.BOX_ENCODINGS));
                    logits = NetGraphs.values(out.get(SsdMobilenetV1Graph.CLASS_LOGITS));
                } else {
                    executor.run(input, 1);
                    encodings = executor.values(SsdMobilenetV1Graph.BOX_ENCODINGS);
                    logits = executor.values(SsdMobilenetV1Graph.CLASS_LOGITS);
                }
                float[] boxes = SsdBoxDecoder.decode(anchors, encodings);
                float[] scores = SsdBoxDecoder.scores(logits);
                List<Integer> kept = NonMaxSuppression.ssd(boxes, scores, 100, 0.5, 0.5);
                timer.on = false;
                if (r >= 0) {
                    cpu[v][r] = SsdOpTimesBench.cpu() - c0;
                    wall[v][r] = System.nanoTime() - w0;
                    prep[v][r] = c1 - c0;
                    if (v == 1) faces += kept.size();
                    if (v == 0) lastA = encodings; else maxDelta = Math.max(maxDelta, SsdOpTimesBench.maxAbs(lastA, encodings));
                }
            }
        }
        System.out.printf("process RSS after warm-up %.1f MB, at the end %.1f MB%n",
                nativeAfterWarmup / 1e6, org.bytedeco.javacpp.Pointer.physicalBytes() / 1e6);
        String[] names = {"A folded SameDiff graph", "B executor (no session, reused arrays, in-place ReLU6)"};
        for (int v = 0; v < 2; v++) {
            SsdOpTimesBench.Timer timer = v == 0 ? ta : tb;
            long ops = timer.byPart.values().stream().mapToLong(x -> x[0]).sum();
            double total = Arrays.stream(cpu[v]).sum() / 1e6 / reps;
            double input = Arrays.stream(prep[v]).sum() / 1e6 / reps;
            System.out.printf("%n%s: CPU ms/photo mean %.1f median %.1f; wall ms median %.1f; input prep %.2f%n", names[v],
                    total, median(cpu[v]), median(wall[v]), input);
            for (var p : timer.byPart.entrySet()) {
                System.out.printf("  %-26s %6.2f ms  %5.1f%%  (%d ops)%n", p.getKey(), p.getValue()[0] / 1e6 / reps,
                        100.0 * p.getValue()[0] / 1e6 / reps / total, p.getValue()[1] / reps);
            }
            double rest = total - input - ops / 1e6 / reps;
            System.out.printf("  %-26s %6.2f ms  %5.1f%%%n", "input preparation", input, 100 * input / total);
            System.out.printf("  %-26s %6.2f ms  %5.1f%%%n", v == 0 ? "session + decode + NMS" : "all ops + decode + NMS", rest, 100 * rest / total);
        }
        System.out.printf("%nB/A CPU per photo: %.3f (faces per pass of 4: %d; max |delta| of B's box encodings vs A's %.3g)%n",
                Arrays.stream(cpu[1]).sum() / (double) Arrays.stream(cpu[0]).sum(), faces * 4 / reps, maxDelta);
    }

    static double median(long[] values) {
        long[] s = values.clone();
        Arrays.sort(s);
        return s[s.length / 2] / 1e6;
    }
}
