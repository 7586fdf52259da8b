package io.biostream.operators.vision;

// A benchmark, not a test (docs/benchmarks.md, "The descriptor and landmark nets without SameDiff's session"):
// run with java -cp (operators test class path), argument: calls per variant and batch size.

import io.biostream.operators.image.RgbImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;
import java.util.stream.Stream;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * A (the SameDiff graph, per-call session) vs B (the same ops through the executor, arrays kept per
 * batch size, element-wise steps in place), alternating call by call, input preparation included
 * in both: the descriptor net at batches 1, 8 and 32, the full landmark net at 1 and 8. Per-thread
 * CPU with THREAD_CPU=1 and OMP_NUM_THREADS=1. B's first call at each batch size allocates its arrays.
 */
public class NetExecutorAbBench {
    /** Calls of each variant before the timed ones (JIT, oneDNN kernels). */
    private static final int WARMUP = 12;

    public static void main(String[] args) throws Exception {
        int reps = Integer.parseInt(args[0]);
        Path dir = Path.of(System.getProperty("crops", "../shared/goldens/crops"));
        FaceApiWeights descriptorWeights = FaceApiWeights.fromClasspath(FaceDescriptorNet.WEIGHTS);
        FaceApiWeights landmarkWeights = FaceApiWeights.fromClasspath(FaceLandmarkNet.Variant.FULL.weights());
        bench("descriptor", crops(dir, FaceDescriptorNet.INPUT_SIZE), FaceDescriptorNet.INPUT_SIZE,
                FaceRecognitionGraph.build(descriptorWeights), FaceRecognitionGraph.INPUT,
                new FaceRecognitionExecutor(descriptorWeights), new FaceRecognitionExecutor(descriptorWeights),
                FaceRecognitionGraph.DESCRIPTOR, new int[] {1, 8, 32}, reps);
        bench("landmarks (full)", crops(dir, FaceLandmarkNet.INPUT_SIZE), FaceLandmarkNet.INPUT_SIZE,
                FaceLandmarkGraph.build(landmarkWeights, FaceLandmarkNet.Variant.FULL), FaceLandmarkGraph.INPUT,
                new FaceLandmarkExecutor(landmarkWeights, FaceLandmarkNet.Variant.FULL),
                new FaceLandmarkExecutor(landmarkWeights, FaceLandmarkNet.Variant.FULL), FaceLandmarkGraph.RAW,
                new int[] {1, 8}, reps);
    }

    private static void bench(String net, List<RgbImage> crops, int size, SameDiff graph, String input,
                              NetExecutor executor, NetExecutor fresh, String output, int[] batches, int reps) {
        for (int batch : batches) {
            long[][] cpu = new long[2][reps];
            long firstB = 0;
            double maxDelta = 0;
            for (int r = -WARMUP; r < reps; r++) {
                List<RgbImage> chunk = new ArrayList<>();
                for (int i = 0; i < batch; i++) chunk.add(crops.get(Math.floorMod(r * batch + i, crops.size())));
                float[][] a = null;
                for (int v = 0; v < 2; v++) {
                    long c0 = SsdOpTimesBench.cpu();
                    float[][] out;
                    if (v == 0) {
                        out = NetGraphs.runCentredCrops(graph, input, chunk, size, FaceDescriptorNet.MEAN_RGB, 255f, output).get(output);
                    } else {
                        executor.run(NetGraphs.centredRegionsInput(chunk, NetGraphs.wholeCrops(chunk), size,
                                FaceDescriptorNet.MEAN_RGB, 255f), batch);
                        out = executor.values(output);
                    }
                    long spent = SsdOpTimesBench.cpu() - c0;
                    if (r == -WARMUP && v == 1) firstB = spent;
                    if (r >= 0) cpu[v][r] = spent;
                    if (v == 0) a = out;
                    else for (int i = 0; i < batch; i++) maxDelta = Math.max(maxDelta, SsdOpTimesBench.maxAbs(a[i], out[i]));
                }
            }
            // What a reallocation costs: a call that allocates this batch size's arrays, oneDNN's
            // kernels for the shapes already made by the loop above (another executor, same process).
            List<RgbImage> chunk = new ArrayList<>();
            for (int i = 0; i < batch; i++) chunk.add(crops.get(i % crops.size()));
            float[] in = NetGraphs.centredRegionsInput(chunk, NetGraphs.wholeCrops(chunk), size, FaceDescriptorNet.MEAN_RGB, 255f);
            long c0 = SsdOpTimesBench.cpu();
            fresh.run(in, batch);
            long allocating = SsdOpTimesBench.cpu() - c0;
            c0 = SsdOpTimesBench.cpu();
            fresh.run(in, batch);
            long reused = SsdOpTimesBench.cpu() - c0;
            double meanA = Arrays.stream(cpu[0]).sum() / 1e6 / reps / batch;
            double meanB = Arrays.stream(cpu[1]).sum() / 1e6 / reps / batch;
            System.out.printf("%s batch %2d: A graph %.2f (median %.2f) CPU ms/crop, B executor %.2f (median %.2f), B/A %.3f;"
                            + " B's first call at this size %.1f ms; a call allocating the arrays %.1f ms, the next %.1f ms;"
                            + " max |delta| %.3g%n", net, batch, meanA,
                    SsdDetectorAbBench.median(cpu[0]) / batch, meanB, SsdDetectorAbBench.median(cpu[1]) / batch, meanB / meanA,
                    firstB / 1e6, allocating / 1e6, reused / 1e6, maxDelta);
        }
        System.out.printf("%s executor: %.1f MB of activations for batches %s%n", net, executor.allocatedBytes() / 1e6,
                executor.allocatedBatches());
        executor.close();
        fresh.close();
    }

    private static List<RgbImage> crops(Path dir, int size) throws IOException {
        List<RgbImage> crops = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith("_" + size + ".png")).sorted().toList()) {
                crops.add(Goldens.png(file));
            }
        }
        return crops;
    }
}
