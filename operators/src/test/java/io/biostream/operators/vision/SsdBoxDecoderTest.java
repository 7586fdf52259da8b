package io.biostream.operators.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class SsdBoxDecoderTest {

    @Test
    void zeroEncodingGivesTheAnchorItself() {
        float[] anchors = {0.25f, 0.5f, 0.75f, 1.0f, 0f, 0f, 0.125f, 0.0625f};
        assertThat(SsdBoxDecoder.decode(anchors, new float[8])).containsExactly(anchors);
    }

    @Test
    void encodingsShiftByTenthsAndScaleByFifthsInLogSpace() {
        float[] anchor = {0f, 0f, 1f, 2f}; // height 1, width 2, centre (0.5, 1)
        float ln2 = (float) Math.log(2);
        // ty = 10: centre y moves by one anchor height; tx = -5: x by half a width;
        // th = 5 ln 2: height doubles; tw = 0: width stays.
        float[] box = SsdBoxDecoder.decode(anchor, new float[] {10f, -5f, 5 * ln2, 0f});
        assertThat(box[0]).isCloseTo(0.5f, within(1e-6f));  // 1.5 - 1
        assertThat(box[1]).isCloseTo(-1f, within(1e-6f));   // 0 - 1
        assertThat(box[2]).isCloseTo(2.5f, within(1e-6f));  // 1.5 + 1
        assertThat(box[3]).isCloseTo(1f, within(1e-6f));    // 0 + 1
    }

    @Test
    void scoreIsTheSigmoidOfTheSecondLogit() {
        float[] scores = SsdBoxDecoder.scores(new float[] {9f, 0f, -9f, -9f, 2f, 9f});
        assertThat(scores[0]).isEqualTo(0.5f);
        assertThat(scores[1]).isCloseTo((float) (1 / (1 + Math.exp(-2))), within(1e-7f));
        assertThatThrownBy(() -> SsdBoxDecoder.scores(new float[4])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SsdBoxDecoder.decode(new float[4], new float[8]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void boxesAreClampedToThePaddedSquareNotToTheImage() {
        // 1920x1280 in 512: the image ends at row 341 of the input; padY = 512/341.
        DetectorInputGeometry geometry = DetectorInputGeometry.of(1920, 1280, 512);
        float[] boxes = {-0.1f, -0.2f, 1.3f, 1.1f};
        DetectionBox box = SsdBoxDecoder.toImageBox(boxes, 0, geometry);
        assertThat(box.x()).isZero();
        assertThat(box.y()).isZero();
        assertThat(box.width()).isEqualTo(1920.0);
        // The clamped bottom is the bottom of the padded square: beyond the image.
        assertThat(box.height()).isCloseTo(512.0 / 341 * 1280, within(1e-9));
    }

    @Test
    void mappingUsesTheRoundedReshapedSize() {
        // 1000x333 in 512: the image really ends at 170.496 rows, face-api divides by round() = 170,
        // so a box ending where the image ends lands half a pixel below it.
        DetectorInputGeometry geometry = DetectorInputGeometry.of(1000, 333, 512);
        assertThat(geometry.reshapedHeight()).isEqualTo(170);
        float imageBottom = (float) (333 * 0.512 / 512);
        DetectionBox box = SsdBoxDecoder.toImageBox(new float[] {0f, 0.5f, imageBottom, 0.75f}, 0, geometry);
        assertThat(box.bottom()).isCloseTo(333 * 170.496 / 170, within(1e-3));
        assertThat(box.x()).isCloseTo(500, within(1e-9));
        assertThat(box.right()).isCloseTo(750, within(1e-9));
    }
}
