package io.biostream.operators.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AnalyticsConfigTest {

    @Test
    void defaultsUnlessSet() {
        assertThat(AnalyticsConfig.from(Settings.of(Map.of()))).isEqualTo(AnalyticsConfig.DEFAULTS);
        AnalyticsConfig set = AnalyticsConfig.from(Settings.of(Map.of("biostream.analytics.out-of-orderness", "30s",
                "biostream.analytics.idleness", "2min", "biostream.analytics.minute-retention", "1d")));
        assertThat(set.outOfOrderness()).isEqualTo(Duration.ofSeconds(30));
        assertThat(set.idleness()).isEqualTo(Duration.ofMinutes(2));
        assertThat(set.minuteRetention()).isEqualTo(Duration.ofDays(1));
        assertThat(set.hourRetention()).isEqualTo(AnalyticsConfig.DEFAULTS.hourRetention());
    }

    @Test
    void refusesValuesOutOfRangeNamingTheKey() {
        assertThatThrownBy(() -> AnalyticsConfig.from(Settings.of(Map.of("biostream.analytics.out-of-orderness", "2h"))))
                .isInstanceOf(Settings.ConfigException.class).hasMessageContaining("biostream.analytics.out-of-orderness");
        assertThatThrownBy(() -> AnalyticsConfig.from(Settings.of(Map.of("biostream.analytics.idleness", "0s"))))
                .hasMessageContaining("biostream.analytics.idleness");
        assertThatThrownBy(() -> AnalyticsConfig.from(Settings.of(Map.of("biostream.analytics.minute-retention", "10s"))))
                .hasMessageContaining("biostream.analytics.minute-retention");
        assertThatThrownBy(() -> AnalyticsConfig.from(Settings.of(Map.of("biostream.analytics.hour-retention", "soon"))))
                .hasMessageContaining("biostream.analytics.hour-retention");
    }
}
