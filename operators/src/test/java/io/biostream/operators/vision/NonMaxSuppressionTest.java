package io.biostream.operators.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class NonMaxSuppressionTest {

    /** {@code [ymin, xmin, ymax, xmax]} per box, back to back. */
    private static float[] corners(float[]... boxes) {
        float[] all = new float[boxes.length * 4];
        for (int i = 0; i < boxes.length; i++) {
            System.arraycopy(boxes[i], 0, all, 4 * i, 4);
        }
        return all;
    }

    private static float[] box(float ymin, float xmin, float ymax, float xmax) {
        return new float[] {ymin, xmin, ymax, xmax};
    }

    @Test
    void ssdKeepsBoxesByScoreAndDropsHeavyOverlaps() {
        float[] boxes = corners(
                box(0, 0, 1, 1),
                box(0, 0, 1, 0.9f),   // IoU 0.9 with box 0
                box(0, 2, 1, 3),      // disjoint
                box(0, 4, 1, 5));     // disjoint, but scored exactly at the threshold
        float[] scores = {0.8f, 0.9f, 0.7f, 0.5f};
        // Box 1 scores highest and suppresses box 0; box 3 is not above 0.5.
        assertThat(NonMaxSuppression.ssd(boxes, scores, 100, 0.5, 0.5)).containsExactly(1, 2);
    }

    @Test
    void ssdKeepsAnOverlapOfExactlyTheThreshold() {
        // Areas 1 and 2, intersection 1: IoU = 1 / 2.
        float[] boxes = corners(box(0, 0, 1, 1), box(0, 0, 1, 2));
        assertThat(NonMaxSuppression.cornerIou(boxes, 0, 1)).isEqualTo(0.5);
        assertThat(NonMaxSuppression.ssd(boxes, new float[] {0.9f, 0.8f}, 100, 0.5, 0.5)).containsExactly(0, 1);
        assertThat(NonMaxSuppression.ssd(boxes, new float[] {0.9f, 0.8f}, 100, 0.49, 0.5)).containsExactly(0);
    }

    @Test
    void ssdStopsAtMaxResultsAndKeepsIndexOrderForEqualScores() {
        float[] boxes = corners(box(0, 0, 1, 1), box(0, 2, 1, 3), box(0, 4, 1, 5), box(0, 6, 1, 7));
        float[] scores = {0.6f, 0.9f, 0.6f, 0.7f};
        assertThat(NonMaxSuppression.ssd(boxes, scores, 100, 0.5, 0.5)).containsExactly(1, 3, 0, 2);
        assertThat(NonMaxSuppression.ssd(boxes, scores, 2, 0.5, 0.5)).containsExactly(1, 3);
    }

    @Test
    void ssdIouOrdersCornersAndIgnoresEmptyBoxes() {
        float[] boxes = corners(box(0, 0, 2, 2), box(2, 2, 1, 1), box(0.5f, 0.5f, 0.5f, 1.5f));
        // Box 1 is given max-first: the same square [1,2]x[1,2], inside box 0: 1/4.
        assertThat(NonMaxSuppression.cornerIou(boxes, 0, 1)).isEqualTo(0.25);
        // Box 2 has zero height: it overlaps nothing and survives next to box 0.
        assertThat(NonMaxSuppression.cornerIou(boxes, 0, 2)).isZero();
        assertThat(NonMaxSuppression.ssd(boxes, new float[] {0.9f, 0.1f, 0.8f}, 100, 0.5, 0.5)).containsExactly(0, 2);
    }

    @Test
    void ssdRejectsMismatchedInputs() {
        assertThatThrownBy(() -> NonMaxSuppression.ssd(new float[8], new float[3], 100, 0.5, 0.5))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void iouOfBoxesIsIntersectionOverUnion() {
        DetectionBox square = new DetectionBox(0, 0, 2, 2);
        assertThat(NonMaxSuppression.iou(square, new DetectionBox(1, 1, 2, 2))).isCloseTo(1.0 / 7, within(1e-15));
        assertThat(NonMaxSuppression.iou(square, square)).isEqualTo(1.0);
        assertThat(NonMaxSuppression.iou(square, new DetectionBox(3, 0, 1, 1))).isZero();
    }

    @Test
    void greedyPicksByScoreAndDropsOverlapsAboveTheThreshold() {
        List<DetectionBox> boxes = List.of(
                new DetectionBox(0, 0, 10, 10),
                new DetectionBox(1, 0, 10, 10),   // IoU 0.82 with box 0
                new DetectionBox(5, 0, 10, 10),   // IoU 1/3 with box 0
                new DetectionBox(100, 0, 10, 10));
        double[] scores = {0.7, 0.9, 0.6, 0.8};
        // 1 (drops 0, keeps 2: IoU(1,2) = 0.43 > 0.4 drops it too), then 3.
        assertThat(NonMaxSuppression.greedy(boxes, scores, 0.4)).containsExactly(1, 3);
        // With a looser threshold box 2 survives box 1.
        assertThat(NonMaxSuppression.greedy(boxes, scores, 0.5)).containsExactly(1, 3, 2);
    }

    @Test
    void greedyTakesTheHigherIndexFirstAmongEqualScores() {
        List<DetectionBox> boxes = List.of(new DetectionBox(0, 0, 10, 10), new DetectionBox(0, 0, 10, 10),
                new DetectionBox(50, 0, 10, 10));
        assertThat(NonMaxSuppression.greedy(boxes, new double[] {0.6, 0.6, 0.6}, 0.4)).containsExactly(2, 1);
    }

    @Test
    void greedyDropsEmptyBoxesWhoseIouIsUndefined() {
        List<DetectionBox> boxes = List.of(new DetectionBox(0, 0, 0, 0), new DetectionBox(0, 0, 0, 0));
        assertThat(NonMaxSuppression.iou(boxes.get(0), boxes.get(1))).isNaN();
        assertThat(NonMaxSuppression.greedy(boxes, new double[] {0.9, 0.8}, 0.4)).containsExactly(0);
    }
}
