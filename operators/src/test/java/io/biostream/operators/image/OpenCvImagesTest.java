package io.biostream.operators.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC1;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imread;

import io.biostream.operators.testing.SharedFolder;
import java.util.Arrays;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.junit.jupiter.api.Test;

class OpenCvImagesTest {

    /** A demo photo (1920 px wide) as the job receives it: JPEG, decoded by OpenCV to BGR. */
    private static Mat demoPhotoAsJpeg() {
        String png = SharedFolder.resolve("goldens/images/sample1.png").toString();
        try (Mat photo = imread(png, IMREAD_COLOR); BytePointer jpeg = new BytePointer()) {
            assertThat(photo.empty()).as("OpenCV reads " + png).isFalse();
            assertThat(imencode(".jpg", photo, jpeg)).isTrue();
            try (Mat encoded = new Mat(1, (int) jpeg.limit(), CV_8UC1, jpeg)) {
                return imdecode(encoded, IMREAD_COLOR);
            }
        }
    }

    /** Equal float for float; names the first pixel that differs (AssertJ's own diff is quadratic in the length). */
    private static void assertSameValues(RgbImage actual, RgbImage expected) {
        int at = Arrays.mismatch(actual.data(), expected.data());
        assertThat(at).as(() -> "first difference at pixel (" + at / 3 % expected.width() + ", " + at / 3 / expected.width()
                + ") channel " + at % 3 + ": " + actual.data()[at] + " instead of " + expected.data()[at]).isEqualTo(-1);
    }

    @Test
    void nativeConversionEqualsThePixelByPixelOneOnADecodedPhoto() {
        try (Mat bgr = demoPhotoAsJpeg()) {
            assertThat(bgr.cols()).isEqualTo(1920);
            RgbImage expected = OpenCvImages.toRgbImageByPixel(bgr);
            RgbImage actual = OpenCvImages.toRgbImage(bgr);
            assertThat(actual.eightBit()).as("a decoded frame keeps its 8-bit samples").isTrue();
            assertThat(actual.width()).isEqualTo(expected.width());
            assertThat(actual.height()).isEqualTo(expected.height());
            assertSameValues(actual, expected);
        }
    }

    @Test
    void nativeConversionEqualsThePixelByPixelOneOnANonContinuousRegionWithAPartStrip() {
        try (Mat bgr = demoPhotoAsJpeg();
                Mat region = new Mat(bgr, new Rect(101, 37, 1001, 803))) {
            // 1001 px rows: 261 rows a strip, so 803 rows end in a strip of 20; the region's rows
            // are not adjacent in memory (the photo's stride is 1920 px).
            assertThat(region.isContinuous()).isFalse();
            assertThat(803 % (OpenCvImages.STRIP_VALUES / (1001 * 3))).isNotZero();
            RgbImage expected = OpenCvImages.toRgbImageByPixel(region);
            assertSameValues(OpenCvImages.toRgbImage(region), expected);
            // Red first: the photo's pixel (0, 0) of the region read straight from the BGR bytes.
            byte[] bgrPixel = new byte[3];
            bgr.ptr(37, 101).get(bgrPixel);
            assertThat(expected.get(0, 0, 0)).isEqualTo(bgrPixel[2] & 0xff);
            assertThat(expected.get(0, 0, 2)).isEqualTo(bgrPixel[0] & 0xff);
        }
    }

    @Test
    void refusesAMatrixThatIsNotEightBitBgr() {
        try (Mat gray = new Mat(4, 4, CV_8UC1)) {
            assertThatThrownBy(() -> OpenCvImages.toRgbImage(gray)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("8-bit 3-channel");
        }
    }
}
