package io.biostream.operators.vision;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * face-api's two non-maximum suppressions, reproduced with their own quirks because they decide
 * which boxes survive and in which order: the SSD one ({@code ssdMobilenetv1/nonMaxSuppression})
 * and the generic one the tiny detector uses ({@code ops/nonMaxSuppression}). Both return
 * indices in pick order (score descending). Arithmetic is in double, as in JavaScript.
 */
final class NonMaxSuppression {
    private NonMaxSuppression() {
    }

    /**
     * The SSD variant: candidates with score {@code > scoreThreshold}, by score descending (ties
     * keep index order: JavaScript's sort is stable); a candidate is kept when its IoU with every
     * box kept so far is {@code <= iouThreshold}; at most {@code maxResults} are kept.
     *
     * @param corners {@code [ymin, xmin, ymax, xmax]} per box, back to back
     */
    static List<Integer> ssd(float[] corners, float[] scores, int maxResults, double iouThreshold,
                             double scoreThreshold) {
        if (corners.length != scores.length * 4) {
            throw new IllegalArgumentException(corners.length + " corner values for " + scores.length + " scores");
        }
        int outputSize = Math.min(maxResults, scores.length);
        List<Integer> candidates = new ArrayList<>();
        for (int i = 0; i < scores.length; i++) {
            if (scores[i] > scoreThreshold) {
                candidates.add(i);
            }
        }
        candidates.sort(Comparator.comparingDouble((Integer i) -> scores[i]).reversed());
        List<Integer> selected = new ArrayList<>();
        for (int candidate : candidates) {
            if (selected.size() >= outputSize) {
                break;
            }
            boolean suppressed = false;
            for (int j = selected.size() - 1; j >= 0 && !suppressed; j--) {
                suppressed = cornerIou(corners, candidate, selected.get(j)) > iouThreshold;
            }
            if (!suppressed) {
                selected.add(candidate);
            }
        }
        return selected;
    }

    /**
     * The SSD variant's IoU of boxes {@code i} and {@code j}: corners are ordered with min/max
     * first, and a box with a non-positive area overlaps nothing.
     */
    static double cornerIou(float[] corners, int i, int j) {
        double yminI = Math.min(corners[4 * i], corners[4 * i + 2]);
        double xminI = Math.min(corners[4 * i + 1], corners[4 * i + 3]);
        double ymaxI = Math.max(corners[4 * i], corners[4 * i + 2]);
        double xmaxI = Math.max(corners[4 * i + 1], corners[4 * i + 3]);
        double yminJ = Math.min(corners[4 * j], corners[4 * j + 2]);
        double xminJ = Math.min(corners[4 * j + 1], corners[4 * j + 3]);
        double ymaxJ = Math.max(corners[4 * j], corners[4 * j + 2]);
        double xmaxJ = Math.max(corners[4 * j + 1], corners[4 * j + 3]);
        double areaI = (ymaxI - yminI) * (xmaxI - xminI);
        double areaJ = (ymaxJ - yminJ) * (xmaxJ - xminJ);
        if (areaI <= 0 || areaJ <= 0) {
            return 0.0;
        }
        double intersection = Math.max(Math.min(ymaxI, ymaxJ) - Math.max(yminI, yminJ), 0.0)
                * Math.max(Math.min(xmaxI, xmaxJ) - Math.max(xminI, xminJ), 0.0);
        return intersection / (areaI + areaJ - intersection);
    }

    /**
     * The generic variant: repeatedly take the highest-scoring remaining box and drop every
     * remaining box whose IoU with it is not {@code <= iouThreshold}. No score threshold, no limit.
     * Among equal scores the box with the higher index is taken first (face-api sorts ascending
     * and pops from the end).
     */
    static List<Integer> greedy(List<DetectionBox> boxes, double[] scores, double iouThreshold) {
        if (boxes.size() != scores.length) {
            throw new IllegalArgumentException(boxes.size() + " boxes for " + scores.length + " scores");
        }
        List<Integer> remaining = new ArrayList<>();
        for (int i = 0; i < scores.length; i++) {
            remaining.add(i);
        }
        remaining.sort(Comparator.comparingDouble((Integer i) -> scores[i]));
        List<Integer> picked = new ArrayList<>();
        while (!remaining.isEmpty()) {
            int current = remaining.remove(remaining.size() - 1);
            picked.add(current);
            // Kept only when IoU <= threshold: a NaN IoU (two empty boxes) drops the box, as in face-api.
            remaining.removeIf(other -> !(iou(boxes.get(current), boxes.get(other)) <= iouThreshold));
        }
        return picked;
    }

    /** face-api's {@code iou(box1, box2)}: intersection over union of two boxes. */
    static double iou(DetectionBox a, DetectionBox b) {
        double width = Math.max(0.0, Math.min(a.right(), b.right()) - Math.max(a.x(), b.x()));
        double height = Math.max(0.0, Math.min(a.bottom(), b.bottom()) - Math.max(a.y(), b.y()));
        double intersection = width * height;
        return intersection / (a.area() + b.area() - intersection);
    }
}
