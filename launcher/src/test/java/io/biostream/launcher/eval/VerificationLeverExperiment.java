package io.biostream.launcher.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.biostream.launcher.eval.IdentityFolders.LabelledFile;
import io.biostream.operators.config.Settings;
import io.biostream.operators.decode.DecodeLimits;
import io.biostream.operators.identity.VerificationMetrics;
import io.biostream.operators.identity.VerificationPairs;
import io.biostream.operators.image.RgbImage;
import io.biostream.operators.vision.AlignedFaceChip;
import io.biostream.operators.vision.FaceLandmarks;
import io.biostream.operators.vision.FacePipeline;
import io.biostream.operators.vision.PixelRect;
import io.biostream.operators.vision.VisionConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Issue 14's out-of-band levers (not a test, not part of the product;
 * docs/experiments/human-models/README.md runs it): a shared set described on the default path,
 * then again with other sources of the 68 points (human's face mesh), of the face image (a
 * frontalized view), of the descriptor (human's), with a pose-aware score, or with a distance
 * learned on another set; each one row of docs/accuracy.md's table.
 *
 * <pre>
 * java ... VerificationLeverExperiment SET_DIR BORDER MESH.json [--cascade] [--front DIR]... [--embedding FILE]...
 *          [--metric-from OTHER_SET_DIR]
 * </pre>
 * MESH.json is mesh-landmarks.js's output for the same set and border; {@code --front DIR}
 * frontalize.js's; each {@code --embedding} a JSON of another descriptor per image;
 * {@code --metric-from} a set of other people whose default-path descriptors give the within-class
 * covariance of a Mahalanobis distance (WCCN).
 */
public final class VerificationLeverExperiment {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final double THRESHOLD = 0.55;

    /** What the default path made of one image, and the same face with the mesh's 68 points. */
    private record Image(LabelledFile file, float[] descriptor, boolean fallback, double[] netPoints,
                         double[] meshPoints, float[] meshDescriptor, float[] meanPointsDescriptor, double meshYaw) {}

    public static void main(String[] args) throws Exception {
        Path set = Path.of(args[0]);
        double border = Double.parseDouble(args[1]);
        JsonNode mesh = JSON.readTree(Files.readAllBytes(Path.of(args[2])));
        boolean cascade = false;
        List<Path> fronts = new ArrayList<>();
        List<Path> embeddings = new ArrayList<>();
        Path metricFrom = null;
        for (int i = 3; i < args.length; i++) {
            switch (args[i]) {
                case "--cascade" -> cascade = true;
                case "--front" -> fronts.add(Path.of(args[++i]));
                case "--metric-from" -> metricFrom = Path.of(args[++i]);
                case "--embedding" -> embeddings.add(Path.of(args[++i]));
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        Settings settings = Settings.of(cascade ? Map.of("biostream.vision.cascade", "on") : Map.of());
        List<LabelledFile> files = IdentityFolders.list(set, 10_000);
        FaceImageReader reader = new FaceImageReader(DecodeLimits.DEFAULTS);
        TightCropProtocol protocol = new TightCropProtocol(border, true);
        List<Image> images = new ArrayList<>();
        Map<Path, List<float[]>> frontal = new HashMap<>();
        List<String> trainIds = new ArrayList<>();
        List<float[]> trainDescriptors = new ArrayList<>();
        try (FacePipeline pipeline = VisionConfig.from(settings).openPipeline()) {
            for (LabelledFile file : files) {
                images.add(describe(file, reader.read(file.path()), protocol, pipeline, mesh.get(file.name())));
            }
            for (Path front : fronts) {
                JsonNode frontLandmarks = JSON.readTree(Files.readAllBytes(front.resolve("landmarks.json")));
                List<float[]> views = new ArrayList<>();
                for (LabelledFile file : files) {
                    JsonNode f = frontLandmarks.get(file.name());
                    views.add(f == null || f.isNull() ? null
                            : describeWith(pipeline, reader.read(front.resolve(f.get("file").asText())), points(f.get("dlib68"))));
                }
                frontal.put(front, views);
            }
            if (metricFrom != null) {
                for (LabelledFile file : IdentityFolders.list(metricFrom, 10_000)) {
                    trainIds.add(file.identity());
                    trainDescriptors.add(protocol.describe(reader.read(file.path()), pipeline).descriptor());
                }
            }
        }
        List<String> ids = images.stream().map(i -> i.file().identity()).toList();
        System.out.printf("%s, border %s%s: %d images, %d fallbacks (%d with a mesh), %d with a mesh%n", set, border,
                cascade ? ", cascade on" : "", images.size(), count(images, true, false), count(images, true, true),
                (int) images.stream().filter(i -> i.meshPoints() != null).count());
        System.out.printf("mesh's 68 points against the landmark net's (mean over points 17-67, in eye distances): "
                + "median %.3f on detected faces, %.3f on fallbacks%n",
                medianPointDistance(images, false), medianPointDistance(images, true));
        System.out.println("| variant | acc @0.55 | best acc (thr) | ROC AUC | EER | TAR@FAR 1e-2 (thr) | TAR@FAR 1e-3 (thr) |");
        System.out.println("| --- | --- | --- | --- | --- | --- | --- |");
        List<float[]> defaults = pick(images, Image::descriptor);
        row("default path", ids, defaults);
        row("fallbacks: the mesh's 68 points", ids, pick(images, i -> i.fallback() && i.meshDescriptor() != null ? i.meshDescriptor() : i.descriptor()));
        row("every face: the mesh's 68 points", ids, pick(images, i -> i.meshDescriptor() != null ? i.meshDescriptor() : i.descriptor()));
        row("fallbacks: mean of the net's and the mesh's points", ids,
                pick(images, i -> i.fallback() && i.meanPointsDescriptor() != null ? i.meanPointsDescriptor() : i.descriptor()));
        for (Path front : fronts) {
            List<float[]> fallbacksFrontal = new ArrayList<>();
            List<float[]> allFrontal = new ArrayList<>();
            for (int i = 0; i < images.size(); i++) {
                float[] f = frontal.get(front).get(i);
                fallbacksFrontal.add(images.get(i).fallback() && f != null ? f : images.get(i).descriptor());
                allFrontal.add(f != null ? f : images.get(i).descriptor());
            }
            row("fallbacks: frontalized (" + front.getFileName() + ")", ids, fallbacksFrontal);
            row("every face: frontalized (" + front.getFileName() + ")", ids, allFrontal);
        }
        List<float[]> meshFallbacks = pick(images, i -> i.fallback() && i.meshDescriptor() != null ? i.meshDescriptor() : i.descriptor());
        for (double lambda : new double[] {0.05, 0.1}) {
            poseRow("default path", ids, defaults, images, lambda);
            poseRow("fallbacks: the mesh's 68 points", ids, meshFallbacks, images, lambda);
        }
        if (metricFrom != null) {
            for (double shrinkage : new double[] {1, 3}) {
                double[][] whitening = WithinClassMetric.learn(trainIds, trainDescriptors, shrinkage);
                print(String.format("default path, within-class metric learned on %s (shrinkage %.0f)", metricFrom.getFileName(), shrinkage),
                        VerificationPairs.of(ids, WithinClassMetric.apply(whitening, defaults)).metrics(), false);
            }
        }
        for (Path embedding : embeddings) {
            List<float[]> other = embedding(files, JSON.readTree(Files.readAllBytes(embedding)));
            String name = embedding.getFileName().toString();
            // another net's distances are on another scale: no accuracy at the product's threshold
            print(name + " alone (no face: zeros)", VerificationPairs.of(ids, other).metrics(), false);
            for (double weight : new double[] {0.5, 0.7}) {
                print(String.format("default path fused with %s (weight %.1f on the default's)", name, weight),
                        VerificationPairs.of(ids, fused(defaults, other, weight)).metrics(), false);
            }
        }
    }

    private static Image describe(LabelledFile file, RgbImage crop, TightCropProtocol protocol, FacePipeline pipeline,
                                  JsonNode mesh) {
        TightCropProtocol.Outcome outcome = protocol.describe(crop, pipeline);
        double[] net = outcome.face() == null || outcome.face().landmarks() == null ? null : outcome.face().landmarks().points();
        if (mesh == null || mesh.isNull()) {
            return new Image(file, outcome.descriptor(), outcome.fallback(), net, null, null, null, yawOf(outcome));
        }
        RgbImage bordered = TightCropProtocol.withBlackBorder(crop, protocol.borderFraction());
        double[] meshPoints = points(mesh.get("dlib68"));
        float[] meshDescriptor = describeWith(pipeline, bordered, meshPoints);
        float[] meanDescriptor = null;
        if (net != null) {
            double[] mean = new double[net.length];
            for (int k = 0; k < mean.length; k++) {
                mean[k] = (net[k] + meshPoints[k]) / 2;
            }
            meanDescriptor = describeWith(pipeline, bordered, mean);
        }
        return new Image(file, outcome.descriptor(), outcome.fallback(), net, meshPoints, meshDescriptor, meanDescriptor,
                mesh.get("rotation").get("yaw").asDouble());
    }

    private static double yawOf(TightCropProtocol.Outcome outcome) {
        return outcome.face() == null || outcome.face().quality() == null ? 0 : Math.toRadians(outcome.face().quality().yaw());
    }

    /** The default path's descriptor of the aligned chip cut with these 68 points (mirror average included). */
    private static float[] describeWith(FacePipeline pipeline, RgbImage image, double[] points) {
        FaceLandmarks landmarks = new FaceLandmarks(points, new float[points.length], new PixelRect(0, 0, image.width(), image.height()));
        return pipeline.describeCrop(AlignedFaceChip.crop(image, landmarks));
    }

    private static double[] points(JsonNode dlib68) {
        double[] points = new double[2 * FaceLandmarks.COUNT];
        for (int k = 0; k < FaceLandmarks.COUNT; k++) {
            points[2 * k] = dlib68.get(k).get(0).asDouble();
            points[2 * k + 1] = dlib68.get(k).get(1).asDouble();
        }
        return points;
    }

    private static int count(List<Image> images, boolean fallback, boolean withMesh) {
        return (int) images.stream().filter(i -> i.fallback() == fallback && (!withMesh || i.meshPoints() != null)).count();
    }

    private static double medianPointDistance(List<Image> images, boolean fallbacks) {
        double[] d = images.stream().filter(i -> i.fallback() == fallbacks && i.netPoints() != null && i.meshPoints() != null)
                .mapToDouble(i -> meanPointDistance(i.netPoints(), i.meshPoints())).sorted().toArray();
        return d.length == 0 ? Double.NaN : d[d.length / 2];
    }

    private static double meanPointDistance(double[] net, double[] mesh) {
        double eyes = Math.hypot(net[2 * 36] - net[2 * 45], net[2 * 36 + 1] - net[2 * 45 + 1]);
        double sum = 0;
        for (int k = 17; k < FaceLandmarks.COUNT; k++) {
            sum += Math.hypot(net[2 * k] - mesh[2 * k], net[2 * k + 1] - mesh[2 * k + 1]);
        }
        return sum / (FaceLandmarks.COUNT - 17) / eyes;
    }

    private static List<float[]> pick(List<Image> images, java.util.function.Function<Image, float[]> choice) {
        return images.stream().map(choice).toList();
    }

    /** Each file's descriptor from an embeddings JSON, unit length; zeros where it has none. */
    private static List<float[]> embedding(List<LabelledFile> files, JsonNode json) throws IOException {
        Map<String, float[]> byName = new HashMap<>();
        int dimension = 0;
        for (LabelledFile f : files) {
            JsonNode e = json.get(f.name());
            if (e == null || e.isNull() || e.get("embedding") == null || e.get("embedding").isEmpty()) {
                continue;
            }
            float[] v = new float[e.get("embedding").size()];
            double norm = 0;
            for (int k = 0; k < v.length; k++) {
                v[k] = (float) e.get("embedding").get(k).asDouble();
                norm += (double) v[k] * v[k];
            }
            for (int k = 0; k < v.length; k++) {
                v[k] /= (float) Math.sqrt(norm);
            }
            byName.put(f.name(), v);
            dimension = v.length;
        }
        if (dimension == 0) {
            throw new IOException("no embeddings in the file");
        }
        List<float[]> out = new ArrayList<>();
        for (LabelledFile f : files) {
            out.add(byName.getOrDefault(f.name(), new float[dimension]));
        }
        return out;
    }

    /** Concatenation weighted so the squared distance is {@code w d1^2 + (1 - w) d2^2}. */
    private static List<float[]> fused(List<float[]> first, List<float[]> second, double weight) {
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < first.size(); i++) {
            float[] a = first.get(i);
            float[] b = second.get(i);
            float[] c = Arrays.copyOf(a, a.length + b.length);
            for (int k = 0; k < a.length; k++) {
                c[k] = (float) (a[k] * Math.sqrt(weight));
            }
            for (int k = 0; k < b.length; k++) {
                c[a.length + k] = (float) (b[k] * Math.sqrt(1 - weight));
            }
            out.add(c);
        }
        return out;
    }

    /** Pose-aware score: the distance less lambda times the pair's difference in the mesh's yaw (radians). */
    private static void poseRow(String name, List<String> ids, List<float[]> descriptors, List<Image> images, double lambda) {
        VerificationMetrics m = VerificationPairs.of(ids, descriptors,
                (i, j, d) -> d - lambda * Math.abs(images.get(i).meshYaw() - images.get(j).meshYaw())).metrics();
        print(String.format("%s, score d - %.2f x yaw difference (rad)", name, lambda), m, false);
    }

    private static void row(String name, List<String> ids, List<float[]> descriptors) {
        print(name, VerificationPairs.of(ids, descriptors).metrics(), true);
    }

    private static void print(String name, VerificationMetrics m, boolean distances) {
        VerificationMetrics.BestAccuracy best = m.bestAccuracy();
        VerificationMetrics.TarAtFar t2 = m.tarAtFar(1e-2);
        VerificationMetrics.TarAtFar t3 = m.tarAtFar(1e-3);
        System.out.printf("| %s | %s | %.2f%% (%.3f) | %.4f | %.2f%% | %.2f%% (%.3f) | %.2f%% (%.3f) |%n", name,
                distances ? String.format("%.2f%%", 100 * m.accuracyAt(THRESHOLD)) : "n/a",
                100 * best.accuracy(), best.threshold(), m.auc(), 100 * m.eer(),
                100 * t2.tar(), t2.threshold(), 100 * t3.tar(), t3.threshold());
    }

    private VerificationLeverExperiment() {}
}
