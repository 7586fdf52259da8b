package io.biostream.operators.vision;

import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.operators.image.RgbImage;
import io.biostream.schemas.FaceStatus;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole face path on a golden group photo: pose from the real landmark net, the quality gate,
 * regions; the peer's path (face-api's crop) beside the aligned crop and the mirror average, and
 * the defaults, which are both.
 */
class FacePipelineTest {
    private static FacePipeline pipeline;
    private static RgbImage sample;

    @BeforeAll
    static void load() throws Exception {
        Path goldens = Goldens.dir();
        sample = Goldens.png(goldens.resolve("images/sample1.png"));
        pipeline = PeerPath.vision().openPipeline();
    }

    @AfterAll
    static void close() {
        if (pipeline != null) {
            pipeline.close();
        }
    }

    @Test
    void aMirroredPhotoGivesTheSameFacesWithTheOppositeYaw() {
        List<FacePipeline.Face> faces = pipeline.analyze(sample);
        List<FacePipeline.Face> mirrored = pipeline.analyze(ImageOps.mirror(sample));
        assertThat(faces).isNotEmpty();
        assertThat(mirrored).hasSameSizeAs(faces);
        int turned = 0;
        for (FacePipeline.Face face : faces) {
            FacePipeline.Face twin = nearest(mirrored, sample.width() - face.detection().x() - face.detection().width(), face.detection().y());
            double yaw = face.quality().yaw();
            if (Math.abs(yaw) >= 10) {
                assertThat(Math.signum(twin.quality().yaw())).as("yaw of face %d: %.1f vs mirrored %.1f", face.index(), yaw, twin.quality().yaw())
                        .isEqualTo(-Math.signum(yaw));
                turned++;
            }
        }
        assertThat(turned).as("faces turned by 10 degrees or more in sample1").isPositive();
    }

    @Test
    void facesUnderTheQualityMinimumAreReportedButNotDescribed() {
        try (FacePipeline strict = PeerPath.vision().withMinQuality(0.99).openPipeline()) {
            List<FacePipeline.Face> faces = strict.analyze(sample);
            assertThat(faces).isNotEmpty().allSatisfy(face -> {
                assertThat(face.status()).isEqualTo(FaceStatus.LOW_QUALITY);
                assertThat(face.quality().score()).isLessThan(0.99);
                assertThat(face.landmarks()).isNotNull();
                assertThat(face.descriptor()).isNull();
            });
        }
    }

    @Test
    void aRegionGoesThroughTheSameLandmarkCropAndDescriptorSteps() {
        FacePipeline.Face detected = pipeline.analyze(sample).get(0);
        FacePipeline.Face region = pipeline.describeRegion(sample, detected.detection());
        assertThat(region.status()).isEqualTo(FaceStatus.DESCRIBED);
        double sum = 0;
        for (int i = 0; i < 128; i++) {
            double d = region.descriptor()[i] - detected.descriptor()[i];
            sum += d * d;
        }
        // a batch of one vs the frame's batch: the same up to float rounding
        assertThat(Math.sqrt(sum)).isLessThan(1e-5);
    }

    @Test
    void theAlignedCropDescribesTheSameFacesWithItsChipUnderItsOwnModelId() {
        List<FacePipeline.Face> faceApi = pipeline.analyze(sample);
        try (FacePipeline aligned = PeerPath.vision().withDescriptorCrop("aligned", false).openPipeline()) {
            assertThat(aligned.modelId()).isEqualTo(FaceDescriptorNet.MODEL_ID + "+aligned");
            List<FacePipeline.Face> faces = aligned.analyze(sample);
            assertThat(faces).hasSameSizeAs(faceApi);
            for (FacePipeline.Face face : faces) {
                FacePipeline.Face twin = faceApi.get(face.index());
                assertThat(face.status()).isEqualTo(FaceStatus.DESCRIBED);
                assertThat(face.landmarks()).isEqualTo(twin.landmarks());
                // the aligned chip is what was described, and it is not face-api's crop
                float[] expected = aligned.describeCrop(AlignedFaceChip.crop(sample, face.landmarks()));
                assertThat(distance(face.descriptor(), expected)).isLessThan(1e-5);
                assertThat(distance(face.descriptor(), twin.descriptor())).isGreaterThan(0.02);
            }
        }
    }

    @Test
    void theMirrorAverageIsTheMeanOfACropAndItsMirrorAtTheirMeanLength() {
        FacePipeline.Face face = pipeline.analyze(sample).get(0);
        RgbImage crop = FaceApiDescriptorCrop.crop(sample, face.landmarks());
        float[] plain = pipeline.describeCrop(crop);
        float[] mirror = pipeline.describeCrop(ImageOps.mirror(crop));
        try (FacePipeline averaging = PeerPath.vision().withDescriptorCrop("face-api", true).openPipeline()) {
            assertThat(averaging.modelId()).isEqualTo(FaceDescriptorNet.MODEL_ID + "+mirror-average");
            float[] averaged = averaging.analyze(sample).get(0).descriptor();
            float[] expected = FacePipeline.meanOfPair(plain, mirror);
            assertThat(distance(averaged, expected)).isLessThan(1e-5);
            assertThat(norm(averaged)).isCloseTo((norm(plain) + norm(mirror)) / 2, org.assertj.core.api.Assertions.within(1e-5));
            assertThat(distance(averaged, plain)).isGreaterThan(0.01);
        }
        float[] a = {3, 0};
        float[] b = {0, 3};
        // the plain mean (1.5, 1.5) has length 2.12; rescaled to 3
        assertThat(FacePipeline.meanOfPair(a, b)).containsExactly(new float[] {2.1213202f, 2.1213202f},
                org.assertj.core.api.Assertions.within(1e-6f));
        assertThat(FacePipeline.meanOfPair(a, new float[] {-3, 0})).containsExactly(0f, 0f);
    }

    @Test
    void theDefaultPathDescribesTheAlignedChipAveragedWithItsMirror() {
        List<FacePipeline.Face> faceApi = pipeline.analyze(sample);
        try (FacePipeline defaults = VisionConfig.DEFAULTS.openPipeline()) {
            assertThat(defaults.modelId()).isEqualTo("face-api-recognition-1.7.15+aligned+mirror-average");
            List<FacePipeline.Face> faces = defaults.analyze(sample);
            assertThat(faces).hasSameSizeAs(faceApi);
            for (FacePipeline.Face face : faces) {
                assertThat(face.landmarks()).isEqualTo(faceApi.get(face.index()).landmarks());
                RgbImage chip = AlignedFaceChip.crop(sample, face.landmarks());
                float[] expected = FacePipeline.meanOfPair(pipeline.describeCrop(chip), pipeline.describeCrop(ImageOps.mirror(chip)));
                assertThat(distance(face.descriptor(), expected)).as("face %d", face.index()).isLessThan(1e-5);
            }
        }
    }

    @Test
    void descriptorJitterAndTheBlendForRegionsChangeARegionsDescriptorAndNotADetectedFaces() {
        VisionConfig config = VisionConfig.DEFAULTS.withDescriptorJitter("regions").withRegionCrop("blend");
        try (FacePipeline regional = config.openPipeline()) {
            assertThat(regional.modelId()).isEqualTo("face-api-recognition-1.7.15+aligned+mirror-average");
            List<FacePipeline.Face> faces = regional.analyze(sample);
            assertThat(faces).isNotEmpty();
            for (FacePipeline.Face face : faces) { // detected: the default path's descriptor, one chip
                RgbImage chip = AlignedFaceChip.crop(sample, face.landmarks());
                assertThat(distance(face.descriptor(), mirrorAveraged(chip))).as("face %d", face.index()).isLessThan(1e-5);
            }
            FacePipeline.Face detected = faces.get(0);
            FacePipeline.Face region = regional.describeRegion(sample, detected.detection());
            assertThat(region.landmarks()).isEqualTo(detected.landmarks());
            // a region: the mean over the nine jittered chips (each with its mirror), blended with face-api's crop
            List<RgbImage> chips = DescriptorJitter.chips(sample, region.landmarks());
            assertThat(chips).hasSize(9);
            List<float[]> jittered = chips.stream().map(FacePipelineTest::mirrorAveraged).toList();
            float[] faceApi = mirrorAveraged(FaceApiDescriptorCrop.crop(sample, region.landmarks()));
            float[] expected = FacePipeline.meanOfPair(FacePipeline.meanOf(jittered), faceApi);
            assertThat(distance(region.descriptor(), expected)).isLessThan(1e-5);
            assertThat(distance(region.descriptor(), detected.descriptor())).isGreaterThan(0.01);
        }
        try (FacePipeline faceApiRegions = VisionConfig.DEFAULTS.withRegionCrop("face-api").openPipeline()) {
            FacePipeline.Face detected = faceApiRegions.analyze(sample).get(0);
            RgbImage chip = AlignedFaceChip.crop(sample, detected.landmarks());
            assertThat(distance(detected.descriptor(), mirrorAveraged(chip))).isLessThan(1e-5);
            FacePipeline.Face region = faceApiRegions.describeRegion(sample, detected.detection());
            float[] expected = mirrorAveraged(FaceApiDescriptorCrop.crop(sample, region.landmarks()));
            assertThat(distance(region.descriptor(), expected)).isLessThan(1e-5);
            assertThat(distance(region.descriptor(), detected.descriptor())).isGreaterThan(0.02);
        }
    }

    @Test
    void theMeanOfSeveralDescriptorsIsRescaledToTheirMeanLength() {
        float[] mean = FacePipeline.meanOf(List.of(new float[] {3, 0}, new float[] {0, 3}, new float[] {0, 6}));
        // the plain mean (1, 3) has length sqrt(10); rescaled to the mean length 4
        double scale = 4 / Math.sqrt(10);
        assertThat(mean).containsExactly(new float[] {(float) scale, (float) (3 * scale)}, org.assertj.core.api.Assertions.within(1e-6f));
        assertThat(FacePipeline.meanOf(List.of(new float[] {3, 0}, new float[] {0, 3})))
                .containsExactly(FacePipeline.meanOfPair(new float[] {3, 0}, new float[] {0, 3}), org.assertj.core.api.Assertions.within(1e-6f));
    }

    /** The peer pipeline's descriptor of {@code crop} averaged with its mirror's: what the default path gives a crop. */
    private static float[] mirrorAveraged(RgbImage crop) {
        return FacePipeline.meanOfPair(pipeline.describeCrop(crop), pipeline.describeCrop(ImageOps.mirror(crop)));
    }

    private static double distance(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            sum += d * d;
        }
        return Math.sqrt(sum);
    }

    private static double norm(float[] a) {
        return distance(a, new float[a.length]);
    }

    private static FacePipeline.Face nearest(List<FacePipeline.Face> faces, double x, double y) {
        return faces.stream().min((a, b) -> Double.compare(
                Math.hypot(a.detection().x() - x, a.detection().y() - y),
                Math.hypot(b.detection().x() - x, b.detection().y() - y))).orElseThrow();
    }
}
