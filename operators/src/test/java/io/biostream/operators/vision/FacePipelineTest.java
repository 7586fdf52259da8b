package io.biostream.operators.vision;

import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.operators.image.RgbImage;
import io.biostream.schemas.FaceStatus;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The whole face path on a golden group photo: pose from the real landmark net, the quality gate, regions. */
class FacePipelineTest {
    private static FacePipeline pipeline;
    private static RgbImage sample;

    @BeforeAll
    static void load() throws Exception {
        Path goldens = Goldens.dir();
        sample = Goldens.png(goldens.resolve("images/sample1.png"));
        pipeline = VisionConfig.DEFAULTS.openPipeline();
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
        List<FacePipeline.Face> mirrored = pipeline.analyze(mirror(sample));
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
        try (FacePipeline strict = VisionConfig.DEFAULTS.withMinQuality(0.99).openPipeline()) {
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

    private static FacePipeline.Face nearest(List<FacePipeline.Face> faces, double x, double y) {
        return faces.stream().min((a, b) -> Double.compare(
                Math.hypot(a.detection().x() - x, a.detection().y() - y),
                Math.hypot(b.detection().x() - x, b.detection().y() - y))).orElseThrow();
    }

    private static RgbImage mirror(RgbImage image) {
        float[] src = image.data();
        float[] out = new float[src.length];
        int w = image.width();
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < w; x++) {
                System.arraycopy(src, (y * w + x) * 3, out, (y * w + (w - 1 - x)) * 3, 3);
            }
        }
        return new RgbImage(w, image.height(), out);
    }
}
