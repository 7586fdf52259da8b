package io.biostream.operators.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biostream.operators.config.Settings;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BatchConfigTest {

    @Test
    void defaultsUnlessSetAndOneFrameIsOff() {
        BatchConfig defaults = BatchConfig.from(Settings.of(Map.of()));
        assertThat(defaults).isEqualTo(BatchConfig.DEFAULTS);
        assertThat(defaults.enabled()).isTrue();
        BatchConfig set = BatchConfig.from(Settings.of(Map.of("biostream.vision.batch.max-frames", "16",
                "biostream.vision.batch.max-faces", "64", "biostream.vision.batch.latency-budget", "200ms")));
        assertThat(set).isEqualTo(new BatchConfig(16, 64, Duration.ofMillis(200)));
        assertThat(BatchConfig.from(Settings.of(Map.of("biostream.vision.batch.max-frames", "1"))).enabled()).isFalse();
        assertThat(BatchConfig.OFF.enabled()).isFalse();
    }

    @Test
    void refusesValuesOutOfRangeNamingTheKey() {
        assertThatThrownBy(() -> BatchConfig.from(Settings.of(Map.of("biostream.vision.batch.max-frames", "0"))))
                .isInstanceOf(Settings.ConfigException.class).hasMessageContaining("biostream.vision.batch.max-frames");
        assertThatThrownBy(() -> BatchConfig.from(Settings.of(Map.of("biostream.vision.batch.max-faces", "5000"))))
                .hasMessageContaining("biostream.vision.batch.max-faces");
        assertThatThrownBy(() -> BatchConfig.from(Settings.of(Map.of("biostream.vision.batch.latency-budget", "0ms"))))
                .hasMessageContaining("biostream.vision.batch.latency-budget");
        assertThatThrownBy(() -> BatchConfig.from(Settings.of(Map.of("biostream.vision.batch.latency-budget", "1min"))))
                .hasMessageContaining("biostream.vision.batch.latency-budget");
        assertThatThrownBy(() -> BatchConfig.from(Settings.of(Map.of("biostream.vision.batch.latency-budget", "soon"))))
                .hasMessageContaining("biostream.vision.batch.latency-budget");
        // built in code, not from settings: the same checks
        assertThatThrownBy(() -> new BatchConfig(0, 32, Duration.ofMillis(100))).hasMessageContaining("max-frames");
        assertThatThrownBy(() -> new BatchConfig(8, 0, Duration.ofMillis(100))).hasMessageContaining("max-faces");
        assertThatThrownBy(() -> new BatchConfig(8, 32, Duration.ZERO)).hasMessageContaining("latency-budget");
        assertThatThrownBy(() -> new BatchConfig(8, 32, null)).hasMessageContaining("latency-budget");
    }
}
