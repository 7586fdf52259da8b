package io.biostream.operators.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class TinyYoloDecoderTest {
    private static final double[][] ONE_ANCHOR = {{1, 1}};

    @Test
    void zeroOutputsGiveCellCentredAnchorBoxesOfScoreOneHalf() {
        // A 2x2 grid: centres at 0.25 / 0.75, anchor 1x1 cell = 0.5 of the input.
        DetectorInputGeometry square = DetectorInputGeometry.of(100, 100, 64);
        List<TinyYoloDecoder.Candidate> candidates = TinyYoloDecoder.decode(new float[20], 2, ONE_ANCHOR, square, 0.4);
        assertThat(candidates).hasSize(4);
        assertThat(candidates).allSatisfy(c -> assertThat(c.score()).isEqualTo(0.5));
        // Row-major: (row 0, col 0), (row 0, col 1), ...
        assertThat(candidates.get(1).relativeBox()).isEqualTo(new DetectionBox(0.5, 0, 0.5, 0.5));
        assertThat(candidates.get(2).relativeBox()).isEqualTo(new DetectionBox(0, 0.5, 0.5, 0.5));
    }

    @Test
    void scoresMustBeAboveTheThresholdAndZeroMeansNoThreshold() {
        DetectorInputGeometry square = DetectorInputGeometry.of(100, 100, 64);
        assertThat(TinyYoloDecoder.decode(new float[20], 2, ONE_ANCHOR, square, 0.5)).isEmpty();
        assertThat(TinyYoloDecoder.decode(new float[20], 2, ONE_ANCHOR, square, 0)).hasSize(4);
    }

    @Test
    void offsetsAndSizesFollowSigmoidAndExpPerAnchor() {
        double[][] anchors = {{1, 1}, {2, 3}};
        float[] output = new float[2 * 5];
        output[5] = 2f;                    // anchor 1: tx
        output[6] = -1f;                   // ty
        output[7] = (float) Math.log(0.5); // tw: half the anchor width
        output[9] = 3f;                    // objectness
        DetectorInputGeometry square = DetectorInputGeometry.of(32, 32, 32);
        List<TinyYoloDecoder.Candidate> candidates = TinyYoloDecoder.decode(output, 1, anchors, square, 0.6);
        assertThat(candidates).hasSize(1);
        TinyYoloDecoder.Candidate candidate = candidates.get(0);
        assertThat(candidate.score()).isEqualTo(TinyYoloDecoder.sigmoid(3));
        DetectionBox box = candidate.relativeBox();
        assertThat(box.width()).isCloseTo(1.0, within(1e-7));
        assertThat(box.height()).isCloseTo(3.0, within(1e-12));
        assertThat(box.x() + box.width() / 2).isCloseTo(TinyYoloDecoder.sigmoid(2), within(1e-7));
        assertThat(box.y() + box.height() / 2).isCloseTo(TinyYoloDecoder.sigmoid(-1), within(1e-12));
    }

    @Test
    void landscapeImagesAreStretchedBackOverTheirReshapedHeight() {
        // 200x100 in 64: the image fills 64x32 of the input, so y and heights double.
        DetectorInputGeometry landscape = DetectorInputGeometry.of(200, 100, 64);
        DetectionBox box = TinyYoloDecoder.decode(new float[20], 2, ONE_ANCHOR, landscape, 0.4).get(0).relativeBox();
        // Cell (0, 0): centre y = 0.25 x 2 = 0.5, height = 0.5 x 2 = 1, so y = 0.5 - 1/2 = 0.
        assertThat(box).isEqualTo(new DetectionBox(0, 0, 0.5, 1.0));
    }

    @Test
    void rejectsAnOutputOfTheWrongSize() {
        assertThatThrownBy(() -> TinyYoloDecoder.decode(new float[19], 2, ONE_ANCHOR,
                DetectorInputGeometry.of(10, 10, 64), 0.5)).isInstanceOf(IllegalArgumentException.class);
    }
}
