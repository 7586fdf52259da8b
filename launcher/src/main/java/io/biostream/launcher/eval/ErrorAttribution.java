package io.biostream.launcher.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.biostream.operators.identity.VerificationPairs;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Which images the errors of a verification run involve ({@code eval verify --per-image}): at the
 * threshold where the false accept and false reject rates are closest (the EER's operating point),
 * each false reject (same person, distance above it) and false accept (different people, at or
 * below it) is counted against both of its images, beside what the pipeline said of each image:
 * the stage that found the face or "fallback", the detection score, the quality score and the
 * head pose from the landmarks.
 */
public final class ErrorAttribution {

    /** One described image and what the pipeline said of it; NaN where not known. */
    public record Image(String file, String identity, String stage, double detectionScore, double quality,
                        double yaw, double pitch, double roll) {}

    /** An image's errors at {@link #threshold()}. */
    public record Counted(Image image, int falseRejects, int falseAccepts) {
        public int errors() {
            return falseRejects + falseAccepts;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final double threshold;
    private final List<Counted> counted;

    private ErrorAttribution(double threshold, List<Counted> counted) {
        this.threshold = threshold;
        this.counted = counted;
    }

    /** {@code images.get(i)} is the image whose descriptor is {@code descriptors.get(i)}. */
    public static ErrorAttribution of(List<Image> images, List<float[]> descriptors) {
        int n = images.size();
        if (descriptors.size() != n) {
            throw new IllegalArgumentException(n + " images for " + descriptors.size() + " descriptors");
        }
        double[][] distance = new double[n][n];
        List<Double> same = new ArrayList<>();
        List<Double> different = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                double d = VerificationPairs.euclidean(descriptors.get(i), descriptors.get(j));
                distance[i][j] = d;
                (sameIdentity(images, i, j) ? same : different).add(d);
            }
        }
        double threshold = equalErrorThreshold(same, different);
        int[] falseRejects = new int[n];
        int[] falseAccepts = new int[n];
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                boolean accepted = distance[i][j] <= threshold;
                if (sameIdentity(images, i, j) && !accepted) {
                    falseRejects[i]++;
                    falseRejects[j]++;
                } else if (!sameIdentity(images, i, j) && accepted) {
                    falseAccepts[i]++;
                    falseAccepts[j]++;
                }
            }
        }
        List<Counted> counted = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            counted.add(new Counted(images.get(i), falseRejects[i], falseAccepts[i]));
        }
        counted.sort(Comparator.comparingInt(Counted::errors).reversed().thenComparing(c -> c.image().file()));
        return new ErrorAttribution(threshold, counted);
    }

    /**
     * The distance (one of the pairs') at which FAR and FRR are closest, pairs at or below it
     * accepted; ties go to the lowest.
     */
    static double equalErrorThreshold(List<Double> same, List<Double> different) {
        double[] s = same.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double[] d = different.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double[] all = new double[s.length + d.length];
        System.arraycopy(s, 0, all, 0, s.length);
        System.arraycopy(d, 0, all, s.length, d.length);
        java.util.Arrays.sort(all);
        double best = Double.NaN;
        double bestGap = Double.POSITIVE_INFINITY;
        for (double t : all) {
            double far = (double) countAtOrBelow(d, t) / Math.max(1, d.length);
            double frr = 1 - (double) countAtOrBelow(s, t) / Math.max(1, s.length);
            if (Math.abs(far - frr) < bestGap) {
                bestGap = Math.abs(far - frr);
                best = t;
            }
        }
        return best;
    }

    private static int countAtOrBelow(double[] sorted, double t) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] <= t) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private static boolean sameIdentity(List<Image> images, int i, int j) {
        return images.get(i).identity().equals(images.get(j).identity());
    }

    public double threshold() {
        return threshold;
    }

    /** Every image, most errors first. */
    public List<Counted> counted() {
        return counted;
    }

    public ObjectNode toJson() {
        ObjectNode json = JSON.createObjectNode();
        json.put("threshold", threshold);
        ArrayNode images = json.putArray("images");
        for (Counted c : counted) {
            ObjectNode o = images.addObject();
            Image image = c.image();
            o.put("file", image.file());
            o.put("stage", image.stage());
            number(o, "detection_score", image.detectionScore());
            number(o, "quality", image.quality());
            number(o, "yaw", image.yaw());
            number(o, "pitch", image.pitch());
            number(o, "roll", image.roll());
            o.put("false_rejects", c.falseRejects());
            o.put("false_accepts", c.falseAccepts());
        }
        return json;
    }

    private static void number(ObjectNode o, String key, double value) {
        if (Double.isNaN(value)) {
            o.putNull(key);
        } else {
            o.put(key, value);
        }
    }
}
