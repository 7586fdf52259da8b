package io.biostream.launcher.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.operators.image.RgbImage;
import io.biostream.operators.testing.SharedFolder;
import io.biostream.operators.vision.DetectedFace;
import io.biostream.operators.vision.SsdMobilenetV1Detector;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** The inputs {@code bench describe|detect} builds, and the batched detection it measures. */
class NetBenchTest {

    @Test
    void batchedDetectionFindsWhatOnePhotoAtATimeFinds() throws Exception {
        List<RgbImage> photos = NetBench.pngs(SharedFolder.resolve("goldens/images"), ".png");
        assertThat(photos).hasSize(4);
        List<RgbImage> batch = new ArrayList<>(photos);
        batch.add(1, new RgbImage(0, 0, new float[0]));
        try (SsdMobilenetV1Detector detector = SsdMobilenetV1Detector.load()) {
            List<List<DetectedFace>> together = detector.detect(batch);
            assertThat(together).hasSize(5);
            assertThat(together.get(1)).isEmpty();
            together.remove(1);
            int faces = 0;
            for (int i = 0; i < photos.size(); i++) {
                List<DetectedFace> alone = detector.detect(photos.get(i));
                List<DetectedFace> batched = together.get(i);
                assertThat(batched).as("photo %d", i).hasSameSizeAs(alone);
                for (int f = 0; f < alone.size(); f++) {
                    DetectedFace a = alone.get(f);
                    DetectedFace b = batched.get(f);
                    // The same net on the same pixels; a batch may only change the summation order.
                    assertThat(new float[] {b.x(), b.y(), b.width(), b.height(), b.score()}).as("photo %d face %d", i, f)
                            .containsExactly(new float[] {a.x(), a.y(), a.width(), a.height(), a.score()},
                                    Offset.offset(1e-3f));
                }
                faces += alone.size();
            }
            assertThat(faces).isEqualTo(13);
        }
    }

    @Test
    void stripsTilesSideBySide() {
        float[] a = new float[2 * 2 * 3];
        float[] b = new float[2 * 2 * 3];
        for (int i = 0; i < a.length; i++) {
            a[i] = i;
            b[i] = 100 + i;
        }
        RgbImage strip = NetBench.strip(List.of(new RgbImage(2, 2, a), new RgbImage(2, 2, b), new RgbImage(2, 2, a)));
        assertThat(strip.width()).isEqualTo(6);
        assertThat(strip.height()).isEqualTo(2);
        // Row 1 of the second tile starts at pixel (2, 1): b's values 6..8.
        assertThat(strip.get(2, 1, 0)).isEqualTo(106);
        assertThat(strip.get(3, 1, 2)).isEqualTo(111);
        assertThat(strip.get(5, 0, 1)).isEqualTo(4);
    }

    @Test
    void batchesTakeTheInputsInTurn() {
        RgbImage x = new RgbImage(1, 1, new float[3]);
        RgbImage y = new RgbImage(1, 1, new float[] {1, 2, 3});
        assertThat(NetBench.cycle(List.of(x, y), 5)).containsExactly(x, y, x, y, x);
    }
}
