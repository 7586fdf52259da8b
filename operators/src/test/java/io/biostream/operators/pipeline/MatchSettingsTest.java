package io.biostream.operators.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biostream.operators.config.Settings;
import io.biostream.operators.vision.VisionConfig;
import io.biostream.schemas.CameraOverride;
import io.biostream.schemas.MatchSettings;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Defaults from configuration, per-camera overrides, and the rules a SETTINGS_CHANGED must pass. */
class MatchSettingsTest {
    private final MatchSettings settings = new MatchSettings(0.5f, 40, 0.2f, "ssd", 3,
            Map.of("gate", new CameraOverride(0.3f, 80, null), "yard", new CameraOverride(null, null, 0.7f)), 4L);

    @Test
    void aCameraOverrideBeatsTheDeploymentValueFieldByField() {
        assertThat(MatchPolicy.forCamera(settings, "lobby")).isEqualTo(new MatchPolicy(0.5f, 3, 40, 0.2f, "ssd"));
        assertThat(MatchPolicy.forCamera(settings, "gate")).isEqualTo(new MatchPolicy(0.3f, 3, 80, 0.2f, "ssd"));
        assertThat(MatchPolicy.forCamera(settings, "yard")).isEqualTo(new MatchPolicy(0.5f, 3, 40, 0.7f, "ssd"));
    }

    @Test
    void defaultsComeFromConfiguration() {
        IdentityConfig identity = IdentityConfig.from(Settings.of(Map.of(
                "biostream.identity.match-threshold", "0.45", "biostream.identity.top-k", "7")));
        MatchSettings defaults = identity.defaultSettings(VisionConfig.DEFAULTS.withMinFaceSize(30));

        assertThat(IdentityConfig.from(Settings.of(Map.of()))).isEqualTo(new IdentityConfig(0.6f, 5));
        assertThat(defaults).isEqualTo(new MatchSettings(0.45f, 30, 0f, "ssd", 7, Map.of(), 0L));
        assertThat(MatchSettingsRules.problems(defaults)).isEmpty();
        assertThatThrownBy(() -> IdentityConfig.from(Settings.of(Map.of("biostream.identity.match-threshold", "0"))))
                .hasMessageContaining("threshold");
        assertThatThrownBy(() -> IdentityConfig.from(Settings.of(Map.of("biostream.identity.top-k", "0"))))
                .hasMessageContaining("top-k");
    }

    @Test
    void invalidValuesAreNamedOneByOne() {
        MatchSettings bad = new MatchSettings(-1f, 0, 1.5f, "yolo", 101,
                Map.of("gate", new CameraOverride(Float.POSITIVE_INFINITY, 20_000, -0.1f)), 1L);

        assertThat(MatchSettingsRules.problems(settings)).isEmpty();
        assertThat(MatchSettingsRules.problems(bad)).hasSize(8)
                .anySatisfy(p -> assertThat(p).startsWith("threshold"))
                .anySatisfy(p -> assertThat(p).startsWith("detector"))
                .anySatisfy(p -> assertThat(p).startsWith("topK"))
                .anySatisfy(p -> assertThat(p).startsWith("cameras.gate.threshold"))
                .anySatisfy(p -> assertThat(p).startsWith("cameras.gate.minFaceSize"))
                .anySatisfy(p -> assertThat(p).startsWith("cameras.gate.minQuality"));
    }
}
