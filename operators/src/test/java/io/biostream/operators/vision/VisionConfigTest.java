package io.biostream.operators.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biostream.operators.config.Settings;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The descriptor crop settings: face-api's crop unless configured, bad values refused by key. */
class VisionConfigTest {

    @Test
    void theDescriptorCropIsFaceApisUnlessConfigured() {
        VisionConfig defaults = VisionConfig.from(Settings.of(Map.of()));
        assertThat(defaults.crop()).isEqualTo("face-api");
        assertThat(defaults.mirrorAverage()).isFalse();
        VisionConfig aligned = VisionConfig.from(Settings.of(Map.of(
                "biostream.vision.crop", "Aligned", "biostream.vision.mirror-average", "true")));
        assertThat(aligned.crop()).isEqualTo("aligned");
        assertThat(aligned.mirrorAverage()).isTrue();
        assertThat(DescriptorCrop.named(aligned.crop())).isEqualTo(DescriptorCrop.ALIGNED);
        assertThat(aligned.withDetector("tiny").crop()).isEqualTo("aligned");
        assertThat(aligned.withDescriptorCrop("face-api", false)).isEqualTo(defaults);
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
