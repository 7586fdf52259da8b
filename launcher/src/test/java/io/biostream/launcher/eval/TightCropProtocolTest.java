package io.biostream.launcher.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biostream.operators.vision.DetectedFace;
import io.biostream.operators.vision.FacePipeline;
import io.biostream.schemas.FaceStatus;
import io.biostream.operators.image.RgbImage;
import java.util.List;
import org.junit.jupiter.api.Test;

class TightCropProtocolTest {

    private static RgbImage filled(int width, int height, float value) {
        float[] data = new float[width * height * 3];
        java.util.Arrays.fill(data, value);
        return new RgbImage(width, height, data);
    }

    @Test
    void borderIsTheRoundedFractionOfEachSideAsThePeerPads() {
        // the peer's sizes: bbt 150 -> 226 (round(37.5) = 38, half up), ORL 92x112 -> 138x168
        RgbImage bbt = TightCropProtocol.withBlackBorder(filled(150, 150, 7), 0.25);
        assertThat(bbt.width()).isEqualTo(226);
        assertThat(bbt.height()).isEqualTo(226);
        RgbImage orl = TightCropProtocol.withBlackBorder(filled(92, 112, 7), 0.25);
        assertThat(orl.width()).isEqualTo(138);
        assertThat(orl.height()).isEqualTo(168);
        assertThat(TightCropProtocol.withBlackBorder(filled(4, 4, 7), 0)).extracting(RgbImage::width).isEqualTo(4);
    }

    @Test
    void theCropSitsInTheMiddleOfABlackBorder() {
        float[] data = new float[2 * 2 * 3];
        for (int i = 0; i < data.length; i++) {
            data[i] = i + 1;
        }
        RgbImage padded = TightCropProtocol.withBlackBorder(new RgbImage(2, 2, data), 0.5); // one pixel each side
        assertThat(padded.width()).isEqualTo(4);
        assertThat(padded.get(0, 0, 0)).isZero();
        assertThat(padded.get(3, 3, 2)).isZero();
        assertThat(padded.get(1, 1, 0)).isEqualTo(1f);
        assertThat(padded.get(2, 2, 2)).isEqualTo(12f);
        assertThat(padded.get(2, 1, 1)).isEqualTo(5f);
    }

    @Test
    void theLargestDetectionCounts() {
        FacePipeline.Face small = new FacePipeline.Face(0, new DetectedFace(0, 0, 50, 60, 1), null, null, new float[128], FaceStatus.DESCRIBED);
        FacePipeline.Face large = new FacePipeline.Face(1, new DetectedFace(10, 10, 70, 70, 0.5f), null, null, new float[128], FaceStatus.DESCRIBED);
        assertThat(TightCropProtocol.largest(List.of(small, large))).containsSame(large);
        assertThat(TightCropProtocol.largest(List.of())).isEmpty();
    }

    @Test
    void refusesAnUnreasonableBorder() {
        assertThatThrownBy(() -> new TightCropProtocol(-0.1, true)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new TightCropProtocol(Double.NaN, true)).isInstanceOf(IllegalArgumentException.class);
    }
}
