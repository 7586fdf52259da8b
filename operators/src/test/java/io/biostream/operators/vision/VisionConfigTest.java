package io.biostream.operators.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biostream.operators.config.Settings;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The descriptor crop settings: the aligned crop with the mirror average unless configured, bad values refused by key. */
class VisionConfigTest {

    @Test
    void theDefaultsAreTheAlignedCropWithTheMirrorAverageAndTheCascade() {
        VisionConfig defaults = VisionConfig.from(Settings.of(Map.of()));
        assertThat(defaults).isEqualTo(VisionConfig.DEFAULTS);
        assertThat(defaults.crop()).isEqualTo("aligned");
        assertThat(defaults.mirrorAverage()).isTrue();
        assertThat(defaults.cascade()).isEqualTo("on");
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
}
