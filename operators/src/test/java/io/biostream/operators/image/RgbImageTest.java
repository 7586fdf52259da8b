package io.biostream.operators.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

class RgbImageTest {
    private static byte[] randomRgb(int width, int height) {
        byte[] rgb = new byte[width * height * 3];
        new Random(13).nextBytes(rgb);
        return rgb;
    }

    @Test
    void anEightBitImageReadsAsTheFloatImageOfTheSameBytes() {
        byte[] rgb = randomRgb(7, 5);
        RgbImage eightBit = RgbImage.ofRgbBytes(7, 5, rgb);
        RgbImage floats = RgbImage.fromRgbBytes(7, 5, rgb);
        assertThat(eightBit.eightBit()).isTrue();
        assertThat(floats.eightBit()).isFalse();
        for (int i = 0; i < rgb.length; i++) {
            assertThat(eightBit.sample(i)).as("sample %d", i).isEqualTo(floats.sample(i)).isEqualTo(rgb[i] & 0xff);
        }
        assertThat(eightBit.get(6, 4, 2)).isEqualTo(rgb[(4 * 7 + 6) * 3 + 2] & 0xff);
        assertThat(eightBit.data()).containsExactly(floats.data());
        assertThat(eightBit.data()).as("converted once, then kept").isSameAs(eightBit.data());
    }

    @Test
    void copyToWidensARangeOfEitherKind() {
        byte[] rgb = randomRgb(4, 4);
        float[] fromBytes = new float[12];
        float[] fromFloats = new float[12];
        RgbImage.ofRgbBytes(4, 4, rgb).copyTo(9, fromBytes, 2, 10);
        RgbImage.fromRgbBytes(4, 4, rgb).copyTo(9, fromFloats, 2, 10);
        assertThat(fromBytes).containsExactly(fromFloats);
        assertThat(fromBytes[0]).isZero();
        assertThat(fromBytes[2]).isEqualTo(rgb[9] & 0xff);
        assertThat(fromBytes[11]).isEqualTo(rgb[18] & 0xff);
    }

    @Test
    void outOfRangeCopiesAndWrongLengthsAreRefused() {
        RgbImage image = RgbImage.ofRgbBytes(2, 2, new byte[12]);
        assertThatThrownBy(() -> image.copyTo(10, new float[12], 0, 3)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> image.copyTo(0, new float[2], 0, 3)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> RgbImage.ofRgbBytes(2, 2, new byte[11]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected 12");
        assertThatThrownBy(() -> RgbImage.ofRgbBytes(2, 2, null)).isInstanceOf(NullPointerException.class);
    }
}
