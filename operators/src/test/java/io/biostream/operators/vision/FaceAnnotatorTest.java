package io.biostream.operators.vision;

import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.operators.image.RgbImage;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class FaceAnnotatorTest {
    private static final int WIDTH = 320;
    private static final int HEIGHT = 240;

    /** A smooth gradient, so that every drawn pixel differs from what was there. */
    private static RgbImage gradient() {
        float[] data = new float[WIDTH * HEIGHT * 3];
        for (int y = 0; y < HEIGHT; y++) {
            for (int x = 0; x < WIDTH; x++) {
                int o = (y * WIDTH + x) * 3;
                data[o] = 40 + x / 4;
                data[o + 1] = 60 + y / 4;
                data[o + 2] = 100;
            }
        }
        return new RgbImage(WIDTH, HEIGHT, data);
    }

    private static int rgbAt(RgbImage image, int x, int y) {
        return ((int) image.get(x, y, 0) << 16) | ((int) image.get(x, y, 1) << 8) | (int) image.get(x, y, 2);
    }

    private static BufferedImage decode(byte[] png) throws IOException {
        assertThat(png).startsWith(0x89, 'P', 'N', 'G');
        BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(png));
        assertThat(decoded).isNotNull();
        return decoded;
    }

    @Test
    void drawsBoxLandmarksAndMeshAndLeavesTheRestAlone() throws IOException {
        RgbImage image = gradient();
        float[] before = image.data().clone();
        DetectedFace face = new DetectedFace(120, 80, 80, 100, 0.87f);
        Random random = new Random(7);
        double[] landmarks = new double[136];
        for (int i = 0; i < 68; i++) {
            landmarks[2 * i] = 135 + 50 * random.nextDouble();
            landmarks[2 * i + 1] = 100 + 60 * random.nextDouble();
        }
        List<int[]> mesh = FaceMesh.triangulate(landmarks);

        BufferedImage out = decode(FaceAnnotator.annotatePng(image,
                List.of(new FaceAnnotator.Annotation(face, landmarks, mesh))));

        assertThat(out.getWidth()).isEqualTo(WIDTH);
        assertThat(out.getHeight()).isEqualTo(HEIGHT);
        assertThat(Arrays.equals(image.data(), before)).as("input untouched").isTrue();
        // On the box's left, right and bottom edges: pure green.
        assertThat(out.getRGB(120, 130) & 0xffffff).isEqualTo(0x00ff00);
        assertThat(out.getRGB(200, 130) & 0xffffff).isEqualTo(0x00ff00);
        assertThat(out.getRGB(160, 180) & 0xffffff).isEqualTo(0x00ff00);
        // A landmark's centre: red.
        int lx = (int) Math.round(landmarks[0]);
        int ly = (int) Math.round(landmarks[1]);
        assertThat(out.getRGB(lx, ly) & 0xffffff).isEqualTo(0xff0000);
        // Every pixel more than 30 px from the box (the score sits just above it) is unchanged,
        // and some pixels inside changed beyond the edges and points (the mesh).
        int changedInside = 0;
        for (int y = 0; y < HEIGHT; y++) {
            for (int x = 0; x < WIDTH; x++) {
                boolean far = x < 90 || x > 230 || y < 50 || y > 210;
                boolean changed = (out.getRGB(x, y) & 0xffffff) != rgbAt(image, x, y);
                if (far && changed) {
                    throw new AssertionError("pixel (" + x + ", " + y + ") far from the face changed");
                } else if (changed && x > 125 && x < 195 && y > 85 && y < 175) {
                    changedInside++;
                }
            }
        }
        assertThat(changedInside).isGreaterThan(68 * 9);
    }

    @Test
    void boxOnlyAnnotationsDrawNoPointsAndAnEmptyListChangesNothing() throws IOException {
        RgbImage image = gradient();
        BufferedImage boxOnly = decode(FaceAnnotator.annotatePng(image,
                List.of(FaceAnnotator.Annotation.box(new DetectedFace(10, 5, 60, 60, 0.5f)))));
        assertThat(boxOnly.getRGB(10, 30) & 0xffffff).isEqualTo(0x00ff00);
        assertThat(boxOnly.getRGB(40, 35) & 0xffffff).as("inside the box, no landmarks").isEqualTo(rgbAt(image, 40, 35));
        // The box touches the top: its score goes inside, under the top edge.
        assertThat(boxOnly.getRGB(5, 2) & 0xffffff).isEqualTo(rgbAt(image, 5, 2));

        BufferedImage untouched = decode(FaceAnnotator.annotatePng(image, List.of()));
        for (int y = 0; y < HEIGHT; y += 7) {
            for (int x = 0; x < WIDTH; x += 7) {
                assertThat(untouched.getRGB(x, y) & 0xffffff).isEqualTo(rgbAt(image, x, y));
            }
        }
    }
}
