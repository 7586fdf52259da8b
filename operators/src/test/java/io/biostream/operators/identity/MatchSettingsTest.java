package io.biostream.operators.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biostream.operators.config.Settings;
import io.biostream.operators.vision.VisionConfig;
import io.biostream.schemas.CameraOverride;
import io.biostream.schemas.MatchSettings;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Defaults from configuration, per-camera overrides, and the rules a SETTINGS_CHANGED must pass. */
class MatchSettingsTest {
    private static final long DAY = 24 * 3600;
    private final MatchSettings settings = new MatchSettings(0.5f, 40, 0.2f, "ssd", 3,
            Map.of("gate", new CameraOverride(0.3f, 80, null, "watchlist-only", null),
                    "yard", new CameraOverride(null, null, 0.7f, null, 7 * DAY),
                    "hall", new CameraOverride(null, null, null, "count-only", 3600L)), 4L, "full", 30 * DAY);

    @Test
    void aCameraOverrideBeatsTheDeploymentValueFieldByField() {
        Duration month = Duration.ofDays(30);
        assertThat(MatchPolicy.forCamera(settings, "lobby"))
                .isEqualTo(new MatchPolicy(0.5f, 3, 40, 0.2f, "ssd", PrivacyMode.FULL, month));
        assertThat(MatchPolicy.forCamera(settings, "gate"))
                .isEqualTo(new MatchPolicy(0.3f, 3, 80, 0.2f, "ssd", PrivacyMode.WATCHLIST_ONLY, month));
        assertThat(MatchPolicy.forCamera(settings, "yard"))
                .isEqualTo(new MatchPolicy(0.5f, 3, 40, 0.7f, "ssd", PrivacyMode.FULL, Duration.ofDays(7)));
        assertThat(MatchPolicy.forCamera(settings, "hall"))
                .isEqualTo(new MatchPolicy(0.5f, 3, 40, 0.2f, "ssd", PrivacyMode.COUNT_ONLY, Duration.ofHours(1)));
    }

    @Test
    void defaultsComeFromConfiguration() {
        IdentityConfig identity = IdentityConfig.from(Settings.of(Map.of(
                "biostream.identity.match-threshold", "0.45", "biostream.identity.top-k", "7")));
        MatchSettings defaults = identity.defaultSettings(VisionConfig.DEFAULTS.withMinFaceSize(30));

        // the default vision path's threshold (docs/accuracy.md, "Threshold"), not face-api's 0.6
        assertThat(IdentityConfig.from(Settings.of(Map.of()))).isEqualTo(new IdentityConfig(0.55f, 5));
        assertThat(defaults).isEqualTo(new MatchSettings(0.45f, 30, 0f, "ssd", 7, Map.of(), 0L, "full", 2_592_000L));
        assertThat(MatchPolicy.forCamera(defaults, "any").privacyMode()).isEqualTo(PrivacyMode.FULL);
        assertThat(MatchPolicy.forCamera(defaults, "any").unenrolledRetention()).isEqualTo(Duration.ofDays(30));
        assertThat(MatchSettingsRules.problems(defaults)).isEmpty();
        assertThatThrownBy(() -> IdentityConfig.from(Settings.of(Map.of("biostream.identity.match-threshold", "0"))))
                .hasMessageContaining("threshold");
        assertThatThrownBy(() -> IdentityConfig.from(Settings.of(Map.of("biostream.identity.top-k", "0"))))
                .hasMessageContaining("top-k");
    }

    @Test
    void invalidValuesAreNamedOneByOne() {
        MatchSettings bad = new MatchSettings(-1f, 0, 1.5f, "yolo", 101,
                Map.of("gate", new CameraOverride(Float.POSITIVE_INFINITY, 20_000, -0.1f, "blur", 0L)), 1L, "anonymous", -5L);

        assertThat(MatchSettingsRules.problems(settings)).isEmpty();
        assertThat(MatchSettingsRules.problems(bad)).hasSize(12)
                .anySatisfy(p -> assertThat(p).isEqualTo(
                        "privacyMode must be one of [full, watchlist-only, count-only], got 'anonymous'"))
                .anySatisfy(p -> assertThat(p).startsWith("retentionSeconds must be between 1 and 94608000"))
                .anySatisfy(p -> assertThat(p).startsWith("cameras.gate.privacyMode").contains("'blur'"))
                .anySatisfy(p -> assertThat(p).startsWith("cameras.gate.retentionSeconds"))
                .anySatisfy(p -> assertThat(p).startsWith("threshold"))
                .anySatisfy(p -> assertThat(p).startsWith("detector"))
                .anySatisfy(p -> assertThat(p).startsWith("topK"))
                .anySatisfy(p -> assertThat(p).startsWith("cameras.gate.threshold"))
                .anySatisfy(p -> assertThat(p).startsWith("cameras.gate.minFaceSize"))
                .anySatisfy(p -> assertThat(p).startsWith("cameras.gate.minQuality"));
    }

    @Test
    void retentionIsBetweenOneSecondAndThreeYears() {
        for (long ok : new long[] {1, 30 * DAY, 94_608_000L}) {
            assertThat(MatchSettingsRules.problems(MatchSettings.newBuilder(settings).setRetentionSeconds(ok).build()))
                    .as("%d s", ok).isEmpty();
        }
        for (long tooLong : new long[] {0, 94_608_001L, Long.MAX_VALUE}) {
            assertThat(MatchSettingsRules.problems(MatchSettings.newBuilder(settings).setRetentionSeconds(tooLong).build()))
                    .as("%d s", tooLong).singleElement().asString().startsWith("retentionSeconds");
        }
    }

    @Test
    void privacyModesHaveWireNames() {
        assertThat(PrivacyMode.wireNames()).containsExactly("full", "watchlist-only", "count-only");
        for (PrivacyMode mode : PrivacyMode.values()) {
            assertThat(PrivacyMode.fromWire(mode.wireName())).contains(mode);
        }
        assertThat(PrivacyMode.fromWire("FULL")).isEmpty();
        assertThat(PrivacyMode.fromWire(null)).isEmpty();
        assertThat(PrivacyMode.COUNT_ONLY.matches()).isFalse();
        assertThat(PrivacyMode.WATCHLIST_ONLY.matches()).isTrue();
    }

    /** Settings that reached the job with a mode it does not know (a newer writer): the least is kept (docs/security.md). */
    @Test
    void anUnknownPrivacyModeIsTreatedAsCountOnly() {
        MatchSettings newer = MatchSettings.newBuilder(settings).setPrivacyMode("blur-faces")
                .setCameras(Map.of("gate", new CameraOverride(null, null, null, "anonymous", null),
                        "hall", new CameraOverride(null, null, null, "full", null)))
                .build();

        assertThat(MatchPolicy.forCamera(newer, "lobby").privacyMode()).as("unknown deployment mode").isEqualTo(PrivacyMode.COUNT_ONLY);
        assertThat(MatchPolicy.forCamera(newer, "gate").privacyMode()).as("unknown camera mode").isEqualTo(PrivacyMode.COUNT_ONLY);
        assertThat(MatchPolicy.forCamera(newer, "hall").privacyMode()).as("a known camera mode still applies").isEqualTo(PrivacyMode.FULL);
        assertThat(MatchPolicy.forCamera(MatchSettings.newBuilder(settings).setPrivacyMode("FULL").build(), "lobby").privacyMode())
                .as("wire names are case-sensitive").isEqualTo(PrivacyMode.COUNT_ONLY);
    }

    @Test
    void settingsWrittenBeforePrivacyModesReadAsFullWithThirtyDays() throws Exception {
        // A version-1 writer knew neither field: the schema defaults stand in for them.
        org.apache.avro.Schema v1 = new org.apache.avro.Schema.Parser().parse(
                getClass().getResourceAsStream("/avro-history/v1/MatchSettings.avsc"));
        org.apache.avro.generic.GenericRecord old = new org.apache.avro.generic.GenericData.Record(v1);
        old.put("threshold", 0.5f);
        old.put("minFaceSize", 40);
        old.put("minQuality", 0.2f);
        old.put("detector", "ssd");
        old.put("topK", 3);
        org.apache.avro.Schema override = v1.getField("cameras").schema().getValueType();
        org.apache.avro.generic.GenericRecord gate = new org.apache.avro.generic.GenericData.Record(override);
        gate.put("threshold", 0.3f);
        old.put("cameras", Map.of("gate", gate));
        old.put("version", 2L);
        byte[] bytes = new org.apache.avro.message.BinaryMessageEncoder<org.apache.avro.generic.GenericRecord>(
                org.apache.avro.generic.GenericData.get(), v1).encode(old).array();

        MatchSettings read = io.biostream.schemas.WireFormat.decode(MatchSettings.class, bytes);
        assertThat(read.getPrivacyMode()).isEqualTo("full");
        assertThat(read.getRetentionSeconds()).isEqualTo(2_592_000L);
        assertThat(read.getCameras().get("gate").getPrivacyMode()).isNull();
        assertThat(MatchPolicy.forCamera(read, "gate").privacyMode()).isEqualTo(PrivacyMode.FULL);
        assertThat(MatchSettingsRules.problems(read)).isEmpty();
    }
}
