package io.biostream.operators.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biostream.operators.config.Settings;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The descriptor crop settings: the aligned crop with the mirror average unless configured, bad values refused by key. */
class VisionConfigTest {

    @Test
    void theDefaultsAreTheAlignedCropWithTheMirrorAverageWithoutTheCascade() {
        VisionConfig defaults = VisionConfig.from(Settings.of(Map.of()));
        assertThat(defaults).isEqualTo(VisionConfig.DEFAULTS);
        assertThat(defaults.crop()).isEqualTo("aligned");
        assertThat(defaults.mirrorAverage()).isTrue();
        assertThat(defaults.cascade()).isEqualTo("off");
        VisionConfig faceApi = VisionConfig.from(Settings.of(Map.of(
                "biostream.vision.crop", "Face-API", "biostream.vision.mirror-average", "false")));
        assertThat(faceApi.crop()).isEqualTo("face-api");
        assertThat(faceApi.mirrorAverage()).isFalse();
        assertThat(DescriptorCrop.named(faceApi.crop())).isEqualTo(DescriptorCrop.FACE_API);
        assertThat(defaults.withDetector("tiny").crop()).isEqualTo("aligned");
        assertThat(faceApi.withDescriptorCrop("aligned", true)).isEqualTo(defaults);
        assertThat(PeerPath.vision()).isEqualTo(defaults.withDescriptorCrop("face-api", false).withCascade("off"));
    }

    @Test
    void anUnknownCropOrMirrorValueIsRefusedNamingItsKey() {
        assertThatThrownBy(() -> VisionConfig.from(Settings.of(Map.of("biostream.vision.crop", "dlib"))))
                .isInstanceOf(Settings.ConfigException.class)
                .hasMessageContaining("biostream.vision.crop").hasMessageContaining("face-api");
        assertThatThrownBy(() -> VisionConfig.from(Settings.of(Map.of("biostream.vision.mirror-average", "maybe"))))
                .isInstanceOf(Settings.ConfigException.class)
                .hasMessageContaining("biostream.vision.mirror-average");
        assertThatThrownBy(() -> DescriptorCrop.named("dlib")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void landmarkRefinementIsOffUnlessConfiguredAndKeptByTheOtherSettings() {
        VisionConfig defaults = VisionConfig.from(Settings.of(Map.of()));
        assertThat(defaults.landmarkPasses()).isZero();
        assertThat(defaults.landmarkMirror()).isFalse();
        VisionConfig refined = VisionConfig.from(Settings.of(Map.of(
                "biostream.vision.landmark-passes", "2", "biostream.vision.landmark-mirror", "true")));
        assertThat(refined.landmarkPasses()).isEqualTo(2);
        assertThat(refined.landmarkMirror()).isTrue();
        VisionConfig changed = refined.withDetector("ssd").withMinQuality(0.1).withMinFaceSize(30)
                .withDescriptorCrop("aligned", true).withCascade("on").withCascadeBudgetMs(10);
        assertThat(changed.landmarkPasses()).isEqualTo(2);
        assertThat(changed.landmarkMirror()).isTrue();
        assertThat(refined.withLandmarkRefinement(0, false)).isEqualTo(defaults);
        assertThat(defaults.landmarkRefineScope()).isEqualTo("all");
        assertThat(VisionConfig.from(Settings.of(Map.of("biostream.vision.landmark-refine-scope", "Regions")))
                .withCascade("on").landmarkRefineScope()).isEqualTo("regions");
    }

    @Test
    void landmarkPassesOutOfRangeAreRefusedNamingTheKey() {
        assertThatThrownBy(() -> VisionConfig.from(Settings.of(Map.of("biostream.vision.landmark-passes", "6"))))
                .isInstanceOf(Settings.ConfigException.class)
                .hasMessageContaining("biostream.vision.landmark-passes").hasMessageContaining("between 0 and 5");
        assertThatThrownBy(() -> VisionConfig.from(Settings.of(Map.of("biostream.vision.landmark-passes", "two"))))
                .isInstanceOf(Settings.ConfigException.class)
                .hasMessageContaining("biostream.vision.landmark-passes");
        assertThatThrownBy(() -> VisionConfig.DEFAULTS.withLandmarkRefinement(-1, false))
                .isInstanceOf(Settings.ConfigException.class)
                .hasMessageContaining("biostream.vision.landmark-passes");
        assertThatThrownBy(() -> VisionConfig.from(Settings.of(Map.of("biostream.vision.landmark-refine-scope", "some"))))
                .isInstanceOf(Settings.ConfigException.class)
                .hasMessageContaining("biostream.vision.landmark-refine-scope").hasMessageContaining("regions");
        assertThatThrownBy(() -> VisionConfig.from(Settings.of(Map.of("biostream.vision.landmark-mirror", "maybe"))))
                .isInstanceOf(Settings.ConfigException.class)
                .hasMessageContaining("biostream.vision.landmark-mirror");
    }

    @Test
    void theRegionLeversAreOffUnlessConfiguredAndBadValuesAreRefusedNamingTheirKey() {
        VisionConfig defaults = VisionConfig.from(Settings.of(Map.of()));
        assertThat(defaults.landmarkMirrorScope()).isEqualTo("all");
        assertThat(defaults.descriptorJitter()).isEqualTo("off");
        assertThat(defaults.regionCrop()).isEqualTo("same");
        VisionConfig regional = VisionConfig.from(Settings.of(Map.of(
                "biostream.vision.landmark-mirror-scope", "Regions", "biostream.vision.descriptor-jitter", "regions",
                "biostream.vision.region-crop", "blend")));
        assertThat(regional.landmarkMirrorScope()).isEqualTo("regions");
        assertThat(regional.descriptorJitter()).isEqualTo("regions");
        assertThat(regional.regionCrop()).isEqualTo("blend");
        VisionConfig changed = regional.withDetector("ssd").withMinQuality(0.1).withMinFaceSize(30)
                .withDescriptorCrop("aligned", false).withCascade("on").withCascadeBudgetMs(10).withLandmarkRefinement(1, true);
        assertThat(List.of(changed.landmarkMirrorScope(), changed.descriptorJitter(), changed.regionCrop()))
                .containsExactly("regions", "regions", "blend");
        assertThat(regional.withLandmarkMirrorScope("all").withDescriptorJitter("off").withRegionCrop("same")).isEqualTo(defaults);
        assertThatThrownBy(() -> VisionConfig.from(Settings.of(Map.of("biostream.vision.landmark-mirror-scope", "some"))))
                .isInstanceOf(Settings.ConfigException.class)
                .hasMessageContaining("biostream.vision.landmark-mirror-scope").hasMessageContaining("regions");
        assertThatThrownBy(() -> VisionConfig.from(Settings.of(Map.of("biostream.vision.descriptor-jitter", "8"))))
                .isInstanceOf(Settings.ConfigException.class)
                .hasMessageContaining("biostream.vision.descriptor-jitter").hasMessageContaining("off, regions, all");
        assertThat(VisionConfig.from(Settings.of(Map.of("biostream.vision.region-framings", "5"))).regionFramings()).isEqualTo(5);
        assertThat(defaults.regionFramings()).isEqualTo(1);
        assertThat(regional.withRegionFramings(3).withCascade("on").regionFramings()).isEqualTo(3);
        assertThatThrownBy(() -> VisionConfig.from(Settings.of(Map.of("biostream.vision.region-framings", "2"))))
                .isInstanceOf(Settings.ConfigException.class)
                .hasMessageContaining("biostream.vision.region-framings").hasMessageContaining("[1, 3, 5]");
        assertThatThrownBy(() -> VisionConfig.from(Settings.of(Map.of("biostream.vision.region-crop", "plain"))))
                .isInstanceOf(Settings.ConfigException.class)
                .hasMessageContaining("biostream.vision.region-crop").hasMessageContaining("same, face-api, blend");
        // the jitter moves dlib's aligned chip: face-api's crop has none to move
        assertThatThrownBy(() -> regional.withDescriptorCrop("face-api", true))
                .isInstanceOf(Settings.ConfigException.class)
                .hasMessageContaining("biostream.vision.descriptor-jitter").hasMessageContaining("aligned");
    }
}
