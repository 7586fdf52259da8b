package io.biostream.operators.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biostream.operators.image.RgbImage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Landmark refinement and the landmark mirror average on face-api's golden demo faces: further
 * passes pull the points of a badly framed box back to those of the SSD's box, and the mirror
 * average treats a face and its mirror image alike.
 */
class LandmarkRefinementTest {
    private static FaceLandmarkNet net;

    @BeforeAll
    static void load() {
        net = FaceLandmarkNet.load(FaceLandmarkNet.Variant.FULL);
    }

    @AfterAll
    static void close() {
        if (net != null) {
            net.close();
        }
    }

    @Test
    void theMirrorPermutationIsAnInvolutionSwappingLeftForRight() {
        int[] p = LandmarkRefinement.MIRROR;
        assertThat(p).hasSize(FaceLandmarks.COUNT);
        for (int i = 0; i < p.length; i++) {
            assertThat(p[p[i]]).as("point %d", i).isEqualTo(i);
        }
        for (int i = 0; i < 6; i++) { // left eye 36-41 onto right eye 42-47, corner to corner
            assertThat(p[36 + i]).isBetween(42, 47);
        }
        assertThat(p[36]).isEqualTo(45); // outer corners
        assertThat(p[39]).isEqualTo(42); // inner corners
        assertThat(p[0]).isEqualTo(16);
        assertThat(p[48]).isEqualTo(54); // mouth corners
        assertThat(p[17]).isEqualTo(26); // brow ends
        for (int midline : new int[] {8, 27, 28, 29, 30, 33, 51, 57, 62, 66}) {
            assertThat(p[midline]).as("midline point %d", midline).isEqualTo(midline);
        }
    }

    @Test
    void furtherPassesBringTheLandmarksOfABadlyFramedBoxBackToTheWellFramedOnes() throws IOException {
        LandmarkRefinement refined = new LandmarkRefinement(net, 3, false);
        List<Double> singlePass = new ArrayList<>();
        List<Double> afterRefinement = new ArrayList<>();
        for (GoldenFaces sample : List.of(GoldenFaces.load("sample1"), GoldenFaces.load("sample2"))) {
            for (GoldenFaces.Face face : sample.faces()) {
                DetectedFace box = face.box();
                FaceLandmarks wellFramed = net.detect(sample.image(), box);
                // off the face by a fifth of the box right and down, and a third larger: as a
                // fallback region or a detector's loose box frames a face
                DetectedFace badly = new DetectedFace(box.x() + 0.2f * box.width() - box.width() / 6,
                        box.y() + 0.2f * box.height() - box.height() / 6, box.width() * 4 / 3, box.height() * 4 / 3, box.score());
                FaceLandmarks once = net.detect(sample.image(), badly);
                FaceLandmarks again = refined.detectEach(List.of(sample.image()), List.of(badly)).get(0);
                // refinement for regions only: a region is refined, a detector's box gets one pass
                LandmarkRefinement regionsOnly = new LandmarkRefinement(net, 3, false, true);
                assertThat(regionsOnly.detectEach(List.of(sample.image()), List.of(badly)).get(0)).isEqualTo(again);
                assertThat(regionsOnly.forDetectorBoxes().detectEach(List.of(sample.image()), List.of(badly)).get(0)).isEqualTo(once);
                singlePass.add(LandmarkRefinement.meanMovement(wellFramed, once));
                afterRefinement.add(LandmarkRefinement.meanMovement(wellFramed, again));
            }
        }
        double before = mean(singlePass);
        double after = mean(afterRefinement);
        assertThat(singlePass).hasSize(6);
        // the badly framed box moves the points by a good part of an eye distance...
        assertThat(before).as("single pass, mean error in eye distances").isGreaterThan(0.1);
        // ...and refinement takes a good part of that back (to 0.150 on these six faces, from 0.248)
        assertThat(after).as("refined, mean error in eye distances (single pass: %.3f)", before).isLessThan(before * 0.7);
    }

    @Test
    void theMirrorAverageGivesTheMirroredPointsOfAMirroredFace() throws IOException {
        GoldenFaces sample = GoldenFaces.load("sample1");
        LandmarkRefinement averaged = new LandmarkRefinement(net, 0, true);
        for (GoldenFaces.Face face : sample.faces()) {
            DetectedFace box = face.box();
            PixelRect region = FaceLandmarkNet.cropRegion(box, sample.image().width(), sample.image().height());
            RgbImage crop = ImageOps.crop(sample.image(), region);
            RgbImage mirrored = ImageOps.mirror(crop);
            DetectedFace whole = new DetectedFace(0, 0, crop.width(), crop.height(), box.score());
            FaceLandmarks direct = averaged.detectEach(List.of(crop), List.of(whole)).get(0);
            FaceLandmarks ofMirror = averaged.detectEach(List.of(mirrored), List.of(whole)).get(0);
            FaceLandmarks plain = net.detect(crop, whole);
            double moved = 0;
            for (int i = 0; i < FaceLandmarks.COUNT; i++) {
                int j = LandmarkRefinement.MIRROR[i];
                assertThat(ofMirror.x(j)).as("x of point %d", i).isCloseTo(crop.width() - direct.x(i), org.assertj.core.data.Offset.offset(1e-3));
                assertThat(ofMirror.y(j)).as("y of point %d", i).isCloseTo(direct.y(i), org.assertj.core.data.Offset.offset(1e-3));
                moved += Math.hypot(direct.x(i) - plain.x(i), direct.y(i) - plain.y(i));
            }
            // the average is not the direct points alone: the mirrored crop's points take part
            assertThat(moved / FaceLandmarks.COUNT).as("mean shift from the single run").isGreaterThan(0.05);
        }
    }

    @Test
    void theMirrorAverageForRegionsOnlyLeavesADetectorsBoxToOnePlainPass() throws IOException {
        GoldenFaces sample = GoldenFaces.load("sample1");
        DetectedFace box = sample.faces().get(0).box();
        List<RgbImage> image = List.of(sample.image());
        FaceLandmarks plain = net.detect(sample.image(), box);
        FaceLandmarks mirrored = new LandmarkRefinement(net, 0, true).detectEach(image, List.of(box)).get(0);
        assertThat(mirrored).isNotEqualTo(plain);
        LandmarkRefinement regionsOnly = new LandmarkRefinement(net, 0, true, false, true);
        // a region (describeRegion) gets the average, a detector's box the plain pass
        assertThat(regionsOnly.detectEach(image, List.of(box)).get(0)).isEqualTo(mirrored);
        assertThat(regionsOnly.forDetectorBoxes().isOff()).isTrue();
        assertThat(regionsOnly.forDetectorBoxes().detectEach(image, List.of(box)).get(0)).isEqualTo(plain);
        // scoped to all faces, a detector's box keeps it
        assertThat(new LandmarkRefinement(net, 0, true, false, false).forDetectorBoxes().detectEach(image, List.of(box)).get(0))
                .isEqualTo(mirrored);
        // the passes' own scope is kept: passes for all faces stay, the mirror goes
        LandmarkRefinement passesForAll = new LandmarkRefinement(net, 2, true, false, true).forDetectorBoxes();
        assertThat(passesForAll.detectEach(image, List.of(box)).get(0))
                .isEqualTo(new LandmarkRefinement(net, 2, false).detectEach(image, List.of(box)).get(0));
    }

    @Test
    void regionFramingsAverageTheFirstPassOverTheBoxScaledAboutItsCentre() throws IOException {
        GoldenFaces sample = GoldenFaces.load("sample1");
        DetectedFace box = sample.faces().get(0).box();
        List<RgbImage> image = List.of(sample.image());
        LandmarkRefinement threeFramings = new LandmarkRefinement(net, 0, false, false, false, 3);
        FaceLandmarks averaged = threeFramings.detectEach(image, List.of(box)).get(0);
        FaceLandmarks plain = net.detect(sample.image(), box);
        double[] expected = plain.points().clone();
        for (double scale : new double[] {0.9, 1.1}) {
            float w = (float) (box.width() * scale);
            float h = (float) (box.height() * scale);
            FaceLandmarks scaled = net.detect(sample.image(),
                    new DetectedFace(box.x() + (box.width() - w) / 2, box.y() + (box.height() - h) / 2, w, h, box.score()));
            for (int j = 0; j < expected.length; j++) {
                expected[j] += scaled.points()[j];
            }
        }
        double moved = 0;
        for (int j = 0; j < expected.length; j++) {
            assertThat(averaged.points()[j]).as("coordinate %d", j).isCloseTo(expected[j] / 3, org.assertj.core.data.Offset.offset(1e-4));
            moved += Math.abs(averaged.points()[j] - plain.points()[j]);
        }
        assertThat(moved / expected.length).as("mean shift from the box alone, px").isGreaterThan(0.05);
        assertThat(averaged.crop()).isEqualTo(plain.crop());
        // a detector's box: the box alone
        assertThat(threeFramings.forDetectorBoxes().isOff()).isTrue();
        assertThat(threeFramings.forDetectorBoxes().detectEach(image, List.of(box)).get(0)).isEqualTo(plain);
        assertThatThrownBy(() -> new LandmarkRefinement(net, 0, false, false, false, 2)).hasMessageContaining("[1, 3, 5]");
    }

    @Test
    void passesOutsideTheBoundsAreRefused() {
        assertThatThrownBy(() -> new LandmarkRefinement(net, -1, false)).hasMessageContaining("between 0 and 5");
        assertThatThrownBy(() -> new LandmarkRefinement(net, 6, false)).hasMessageContaining("between 0 and 5");
    }

    private static double mean(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
    }
}
