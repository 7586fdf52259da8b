package io.biostream.operators.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biostream.operators.config.Settings;
import io.biostream.operators.image.RgbImage;
import io.biostream.operators.testing.SharedFaces;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The detection cascade on real photos: it refuses non-faces (random regions of the face-api demo
 * photos away from every face), recovers faces the SSD misses on bbt crops and says which stage
 * found each, leaves the SSD's own faces as they are, and keeps to its per-frame budget.
 */
class DetectionCascadeTest {
    /** bbt crops (in the protocol's 25% black border) on which the SSD finds no face. */
    private static final List<String> SSD_MISSES = List.of("raj/raj_11.png", "lennard/lennard_19.png",
            "howard/howard_10.png", "howard/howard_12.png", "sheldon/sheldon_21.png", "stuart/stuart_6.png",
            "raj/raj_2.png", "stuart/stuart_3.png");
    /** Margin around every golden face box that random regions keep clear of, in box widths. */
    private static final double FACE_MARGIN = 0.25;

    private static FaceLandmarkNet landmarkNet;
    private static DetectionCascade cascade;
    private static SsdMobilenetV1Detector ssd;
    private static TinyFaceDetector tiny;

    @BeforeAll
    static void load() {
        landmarkNet = FaceLandmarkNet.load(FaceLandmarkNet.Variant.FULL);
        ssd = SsdMobilenetV1Detector.load();
        tiny = TinyFaceDetector.load(TinyFaceDetector.DEFAULT_INPUT_SIZE, DetectionCascade.Stage.TINY.minScore());
        cascade = new DetectionCascade(ssd, tiny, landmarkNet, DetectionCascade.DEFAULT_STAGES, 60_000);
    }

    @AfterAll
    static void close() {
        if (cascade != null) {
            cascade.close();
        }
        if (landmarkNet != null) {
            landmarkNet.close();
        }
    }

    @Test
    void noFaceIsAcceptedInAThousandRandomFaceFreeRegionsOfTheDemoPhotos() throws IOException {
        Random random = new Random(20261205);
        int regions = 0;
        int passedLandmarkCheck = 0;
        int rejectedByGeometry = 0;
        int rejectedByDrift = 0;
        for (GoldenFaces sample : GoldenFaces.all()) {
            // Each region as a later stage's candidate, judged on its own as the cascade judges
            // what its detectors propose: refined onto the landmarks, the face check, re-detection.
            List<DetectedFace> regionsOfSample = faceFreeRegions(sample, 250, random);
            List<DetectionCascade.Judgement> judgements = cascade.confirm(sample.image(), regionsOfSample, false);
            for (int i = 0; i < judgements.size(); i++) {
                DetectionCascade.Judgement judgement = judgements.get(i);
                LandmarkFaceCheck.Verdict verdict = judgement.verdict();
                assertThat(judgement.face()).as("%s region %s: drift %.3f, geometry %s, re-detected %s", sample.sample(),
                        regionsOfSample.get(i), verdict.drift(), verdict.plausibleGeometry(), judgement.ssdAgrees()).isFalse();
                passedLandmarkCheck += verdict.face() ? 1 : 0;
                rejectedByGeometry += verdict.plausibleGeometry() ? 0 : 1;
                rejectedByDrift += verdict.plausibleGeometry() && verdict.drift() > LandmarkFaceCheck.MAX_DRIFT ? 1 : 0;
            }
            regions += judgements.size();
        }
        assertThat(regions).isEqualTo(1000);
        // Every check takes part: geometry, drift, and the SSD for the few that pass both.
        assertThat(rejectedByGeometry).isBetween(100, 990);
        assertThat(rejectedByDrift).isBetween(10, 900);
        assertThat(passedLandmarkCheck).isBetween(1, 100);
    }

    @Test
    void theWholeCascadeFindsNoFaceInFaceFreeRegionsCutOutAsImages() throws IOException {
        Random random = new Random(7);
        int images = 0;
        for (GoldenFaces sample : GoldenFaces.all()) {
            for (DetectedFace region : faceFreeRegions(sample, 3, random)) {
                RgbImage cut = ImageOps.crop(sample.image(), (int) region.x(), (int) region.y(), (int) region.width(),
                        (int) region.height());
                DetectionCascade.Result result = cascade.detectStaged(cut);
                assertThat(result.stagesRun()).as("every stage ran").containsExactly("ssd", "refine", "ssd-padded", "tiny");
                assertThat(result.faces()).as("%s region %s", sample.sample(), region).isEmpty();
                images++;
            }
        }
        assertThat(images).isEqualTo(12);
    }

    @Test
    void laterStagesRecoverFacesTheSsdMissesOnBbtCropsAndSayWhichStageFoundThem() {
        Map<String, Integer> byStage = new LinkedHashMap<>();
        List<String> missed = new ArrayList<>();
        for (String name : SSD_MISSES) {
            RgbImage frame = bbtFrame(name);
            assertThat(ssd.detect(frame)).as("SSD alone on %s", name).isEmpty();
            DetectionCascade.Result result = cascade.detectStaged(frame);
            assertThat(result.faces()).as("%s", name).hasSizeLessThanOrEqualTo(1);
            if (result.faces().isEmpty()) {
                missed.add(name);
                continue;
            }
            DetectionCascade.Found found = result.faces().get(0);
            byStage.merge(found.stage(), 1, Integer::sum);
            assertThat(cascade.stageOf(found.face())).isEqualTo(found.stage());
            // The face is the crop's: its box centre lies in the 150 px crop, not in the 38 px border.
            double cx = found.face().x() + found.face().width() / 2.0;
            double cy = found.face().y() + found.face().height() / 2.0;
            assertThat(cx).as("%s box centre x", name).isBetween(38 + 20.0, 38 + 130.0);
            assertThat(cy).as("%s box centre y", name).isBetween(38 + 20.0, 38 + 130.0);
        }
        assertThat(byStage).isEqualTo(Map.of("refine", 2, "ssd-padded", 3));
        // stuart_6: the tiny detector finds it, but the SSD does not agree even in a margin
        assertThat(missed).containsExactly("stuart/stuart_6.png", "raj/raj_2.png", "stuart/stuart_3.png");
    }

    @Test
    void theSsdsOwnFacesAreKeptUnchangedAndNoLaterStageRuns() throws IOException {
        GoldenFaces sample = GoldenFaces.load("sample1");
        List<DetectedFace> alone = ssd.detect(sample.image());
        DetectionCascade.Result result = cascade.detectStaged(sample.image());
        assertThat(alone).isNotEmpty();
        assertThat(result.detections().subList(0, alone.size())).isEqualTo(alone);
        assertThat(result.faces()).allSatisfy(f -> assertThat(f.stage()).isEqualTo("ssd"));
        // where the SSD found faces, no later stage runs
        assertThat(result.stagesRun()).containsExactly("ssd");
    }

    @Test
    void laterStagesStartOnlyWhileTheFrameIsWithinItsBudget() {
        RgbImage frame = bbtFrame("howard/howard_10.png");
        DetectionCascade.Result none = withClock(0).detectStaged(frame);
        assertThat(none.stagesRun()).containsExactly("ssd");
        assertThat(none.faces()).isEmpty();
        // A clock that moves 100 ms each time the cascade reads it: with 250 ms, two later stages start.
        DetectionCascade.Result two = withClock(250).detectStaged(frame);
        assertThat(two.stagesRun()).containsExactly("ssd", "refine", "ssd-padded");
        assertThat(two.faces()).extracting(DetectionCascade.Found::stage).containsExactly("ssd-padded");
    }

    @Test
    void aPipelineWithTheCascadeOnTellsWhichStageFoundEachFace() {
        try (FacePipeline pipeline = VisionConfig.DEFAULTS.withCascade("ssd-padded").withCascadeBudgetMs(60_000).openPipeline()) {
            List<FacePipeline.Face> faces = pipeline.analyze(bbtFrame("howard/howard_10.png"));
            assertThat(faces).hasSize(1);
            assertThat(faces.get(0).described()).isTrue();
            assertThat(pipeline.detectionStage(faces.get(0).detection())).isEqualTo("ssd-padded");
        }
    }

    @Test
    void theCascadeSettingIsCheckedWhenTheConfigurationIsBuilt() {
        assertThat(VisionConfig.DEFAULTS.cascade()).as("off by default: docs/accuracy.md, whole images").isEqualTo("off");
        assertThat(VisionConfig.DEFAULTS.cascadeBudgetMs()).isEqualTo(1000);
        assertThat(DetectionCascade.parseStages("on")).isEqualTo(DetectionCascade.DEFAULT_STAGES);
        assertThat(DetectionCascade.parseStages("tiny, refine"))
                .containsExactly(DetectionCascade.Stage.TINY, DetectionCascade.Stage.REFINE);
        assertThat(VisionConfig.from(Settings.of(Map.of("biostream.vision.cascade", "ON",
                "biostream.vision.cascade-budget-ms", "400")))).satisfies(c -> {
                    assertThat(c.cascade()).isEqualTo("on");
                    assertThat(c.cascadeBudgetMs()).isEqualTo(400);
                });
        assertThatThrownBy(() -> VisionConfig.DEFAULTS.withCascade("ssd-padded,bogus"))
                .isInstanceOf(Settings.ConfigException.class).hasMessageContaining("biostream.vision.cascade")
                .hasMessageContaining("bogus");
        assertThatThrownBy(() -> VisionConfig.DEFAULTS.withCascade("tiny,tiny")).hasMessageContaining("twice");
        assertThatThrownBy(() -> VisionConfig.DEFAULTS.withDetector("haar").withCascade("on"))
                .hasMessageContaining("needs biostream.vision.detector ssd");
        assertThatThrownBy(() -> VisionConfig.from(Settings.of(Map.of("biostream.vision.detector", "tiny",
                "biostream.vision.cascade", "on")))).hasMessageContaining("needs biostream.vision.detector ssd");
        // the default cascade follows the detector: another one (configured, or a live SETTINGS_CHANGED) runs alone
        assertThat(VisionConfig.from(Settings.of(Map.of("biostream.vision.detector", "tiny"))).cascade()).isEqualTo("off");
        assertThat(VisionConfig.DEFAULTS.withDetector("haar").cascade()).isEqualTo("off");
        assertThat(VisionConfig.DEFAULTS.withDetector("ssd")).isEqualTo(VisionConfig.DEFAULTS);
        assertThatThrownBy(() -> VisionConfig.from(Settings.of(Map.of("biostream.vision.cascade-budget-ms", "-1"))))
                .hasMessageContaining("cascade-budget-ms");
    }

    /** A cascade on the shared nets (not closed: {@link #close} closes them) whose clock moves 100 ms per reading. */
    private static DetectionCascade withClock(long budgetMillis) {
        AtomicLong now = new AtomicLong();
        return new DetectionCascade(ssd, tiny, landmarkNet, DetectionCascade.DEFAULT_STAGES, budgetMillis,
                () -> now.getAndAdd(100_000_000L));
    }

    private static RgbImage bbtFrame(String name) {
        try {
            return Goldens.png(SharedFaces.bbtFrame(name));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * {@code count} random regions of the photo (40-400 px wide, 0.8-1.4 times as tall) clear of
     * every golden face box grown by {@value #FACE_MARGIN} of its width on each side.
     */
    static List<DetectedFace> faceFreeRegions(GoldenFaces sample, int count, Random random) {
        RgbImage image = sample.image();
        List<DetectedFace> regions = new ArrayList<>();
        for (int tries = 0; regions.size() < count && tries < 1_000_000; tries++) {
            int width = 40 + random.nextInt(361);
            int height = (int) (width * (0.8 + 0.6 * random.nextDouble()));
            if (width >= image.width() || height >= image.height()) {
                continue;
            }
            int x = random.nextInt(image.width() - width);
            int y = random.nextInt(image.height() - height);
            boolean clear = sample.faces().stream().map(GoldenFaces.Face::box).allMatch(face -> {
                double margin = FACE_MARGIN * face.width();
                return x + width < face.x() - margin || x > face.x() + face.width() + margin
                        || y + height < face.y() - margin || y > face.y() + face.height() + margin;
            });
            if (clear) {
                regions.add(new DetectedFace(x, y, width, height, 0f));
            }
        }
        assertThat(regions).as("face-free regions of %s", sample.sample()).hasSize(count);
        return regions;
    }
}
