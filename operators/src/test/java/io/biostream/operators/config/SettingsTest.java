package io.biostream.operators.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class SettingsTest {
    private static final String KEY = "biostream.kafka.group-id";
    private static final String ENV = "BIOSTREAM_KAFKA_GROUP_ID";

    private static Properties properties(String key, String value) {
        Properties p = new Properties();
        p.setProperty(key, value);
        return p;
    }

    @Test
    void flagsOutsideOurPrefixesAreAnotherComponentsAndOnlyFlagsCount() {
        Settings settings = new Settings(
                Map.of("execution.checkpointing.interval", "1s", "biostream.vision.crop", "aligned", "api.port", "0"),
                Map.of("BIOSTREAM_STATE_BACKEND_TYPE", "hashmap"), Map.of("parallelism.default", "4"));
        assertThat(settings.flagsOutside(List.of("biostream.", "api.")))
                .containsExactly(Map.entry("execution.checkpointing.interval", "1s"));
        assertThat(settings.flagsOutside(List.of())).hasSize(3);
    }

    @Test
    void flagsBeatSystemPropertiesWhichBeatEnvironmentWhichBeatsTheFile() {
        Map<String, String> flags = Map.of(KEY, "from-flag");
        Map<String, String> env = Map.of(ENV, "from-env");
        Map<String, String> file = Map.of(KEY, "from-file");
        Properties sys = properties(KEY, "from-property");

        assertThat(new Settings(flags, env, file).withSystemProperties(sys).get(KEY, "default")).isEqualTo("from-flag");
        assertThat(new Settings(Map.of(), env, file).withSystemProperties(sys).get(KEY, "default")).isEqualTo("from-property");
        assertThat(new Settings(Map.of(), env, file).get(KEY, "default")).isEqualTo("from-env");
        assertThat(new Settings(Map.of(), Map.of(), file).get(KEY, "default")).isEqualTo("from-file");
        assertThat(new Settings(Map.of(), Map.of(), Map.of()).get(KEY, "default")).isEqualTo("default");
    }

    @Test
    void systemPropertiesAreReadOnlyWhenGiven() {
        assertThat(new Settings(Map.of(), Map.of(ENV, "from-env"), Map.of()).get(KEY, null)).isEqualTo("from-env");
    }

    @Test
    void valuesAreTrimmedAndABlankValueGivesTheDefault() {
        assertThat(Settings.of(Map.of(KEY, "  padded ")).get(KEY, "default")).isEqualTo("padded");
        assertThat(Settings.of(Map.of(KEY, "  ")).get(KEY, "default")).isEqualTo("default");
        assertThat(new Settings(Map.of(), Map.of(ENV, ""), Map.of(KEY, "from-file")).get(KEY, "default")).isEqualTo("default");
    }

    @Test
    void environmentNamesCarryTheBiostreamPrefixOnce() {
        assertThat(Settings.envName("biostream.kafka.bootstrap-servers")).isEqualTo("BIOSTREAM_KAFKA_BOOTSTRAP_SERVERS");
        assertThat(Settings.envName("api.state.proxy.port")).isEqualTo("BIOSTREAM_API_STATE_PROXY_PORT");
        assertThat(Settings.envName("rest.port")).isEqualTo("BIOSTREAM_REST_PORT");
        // A generic variable such as REST_PORT is never read.
        assertThat(new Settings(Map.of(), Map.of("REST_PORT", "1"), Map.of()).getInt("rest.port", 8081, 0, 65_535)).isEqualTo(8081);
    }

    @Test
    void parsesFlagsOfTheFormKeyEqualsValueOnly() {
        assertThat(Settings.parseFlags("local", "--demo", "--api.port=8080", "--a.b=x=y", "--=z", "--rest.port", "9"))
                .isEqualTo(Map.of("api.port", "8080", "a.b", "x=y"));
    }

    @Test
    void withPutsOverridesOnTopOfTheFlagsAndKeepsTheOtherSources() {
        Settings base = new Settings(Map.of(KEY, "flag"), Map.of("BIOSTREAM_OTHER", "env"), Map.of())
                .withSystemProperties(properties("biostream.prop", "p"));
        Settings changed = base.with(Map.of(KEY, "override"));
        assertThat(changed.get(KEY, null)).isEqualTo("override");
        assertThat(changed.get("biostream.other", null)).isEqualTo("env");
        assertThat(changed.get("biostream.prop", null)).isEqualTo("p");
        assertThat(base.get(KEY, null)).isEqualTo("flag");
    }

    @Test
    void requireNamesTheKeyAndEveryWayToSetIt() {
        assertThatThrownBy(() -> Settings.of(Map.of()).require("biostream.kafka.bootstrap-servers"))
                .isInstanceOf(Settings.ConfigException.class)
                .hasMessage("configuration biostream.kafka.bootstrap-servers is required (flag "
                        + "--biostream.kafka.bootstrap-servers=..., environment BIOSTREAM_KAFKA_BOOTSTRAP_SERVERS, "
                        + "or flink-conf/config.yaml)");
    }

    @Test
    void numbersAreParsedAndCheckedAgainstTheirRange() {
        Settings s = new Settings(Map.of("n.flag", "12"), Map.of("BIOSTREAM_N_ENV", "seventy"), Map.of("n.file", "99"));
        assertThat(s.getInt("n.flag", 0, 0, 100)).isEqualTo(12);
        assertThat(s.getLong("n.missing", 5, 0, 100)).isEqualTo(5);
        assertThatThrownBy(() -> s.getInt("n.env", 0, 0, 100))
                .hasMessage("configuration n.env (environment variable BIOSTREAM_N_ENV) must be a whole number, got 'seventy'");
        assertThatThrownBy(() -> s.getInt("n.file", 0, 0, 50))
                .hasMessage("configuration n.file (config key n.file) must be between 0 and 50, got 99");
        assertThatThrownBy(() -> s.getInt("n.missing", 70, 0, 50))
                .hasMessage("configuration n.missing must be between 0 and 50, got 70");
    }

    @Test
    void booleansAcceptTheUsualWords() {
        Settings s = Settings.of(Map.of("a", "yes", "b", "FALSE", "c", "maybe"));
        assertThat(s.getBoolean("a", false)).isTrue();
        assertThat(s.getBoolean("b", true)).isFalse();
        assertThat(s.getBoolean("missing", true)).isTrue();
        assertThatThrownBy(() -> s.getBoolean("c", false))
                .hasMessage("configuration c (flag --c) must be true or false, got 'maybe'");
    }

    @Test
    void durationsAreFlinkStyleWithMillisecondsByDefault() {
        Settings s = Settings.of(Map.of("a", "250", "b", "3 s", "c", "2min", "d", "4sec", "e", "1m", "f", "-1s",
                "g", "99999999999999999999", "h", "9223372036854775807min"));
        assertThat(s.getDuration("a", null)).isEqualTo(Duration.ofMillis(250));
        assertThat(s.getDuration("b", null)).isEqualTo(Duration.ofSeconds(3));
        assertThat(s.getDuration("c", null)).isEqualTo(Duration.ofMinutes(2));
        assertThat(s.getDuration("d", null)).isEqualTo(Duration.ofSeconds(4));
        assertThat(s.getDuration("e", null)).isEqualTo(Duration.ofMinutes(1));
        assertThat(s.getDuration("missing", Duration.ofHours(1))).isEqualTo(Duration.ofHours(1));
        for (String bad : List.of("f", "g", "h")) {
            assertThatThrownBy(() -> s.getDuration(bad, null))
                    .hasMessageStartingWith("configuration " + bad + " (flag --" + bad + ") must be a duration");
        }
    }

    @Test
    void sizesAreBytesOrBinaryKilobytesAndMegabytes() {
        Settings s = Settings.of(Map.of("a", "4096", "b", "64 kb", "c", "1m", "d", "2MB", "e", "1gb",
                "f", "99999999999999999999", "g", "9007199254740992mb"));
        assertThat(s.getBytes("a", 0)).isEqualTo(4096L);
        assertThat(s.getBytes("b", 0)).isEqualTo(64L << 10);
        assertThat(s.getBytes("c", 0)).isEqualTo(1L << 20);
        assertThat(s.getBytes("d", 0)).isEqualTo(2L << 20);
        assertThat(s.getBytes("missing", 7)).isEqualTo(7L);
        for (String bad : List.of("e", "f", "g")) {
            assertThatThrownBy(() -> s.getBytes(bad, 0)).hasMessageContaining("must be a size");
        }
    }

    @Test
    void listsKeysUnderAPrefixThatAreNotKnownWithWhereTheyWereSet() {
        Settings s = new Settings(Map.of("api.port", "1", "api.prot", "2", "other.x", "3"),
                Map.of("BIOSTREAM_API_PORT", "1", "BIOSTREAM_API_HOTS", "h", "BIOSTREAM_KAFKA_X", "y", "API_TYPO", "z"),
                Map.of("api.typo", "4"))
                .withSystemProperties(properties("api.hots", "x"));
        assertThat(s.unknownKeys("api.", List.of("api.port", "api.host"))).containsExactly(
                "flag --api.prot", "system property api.hots", "environment variable BIOSTREAM_API_HOTS", "config key api.typo");
        assertThat(s.unknownKeys("api.", List.of("api.port", "api.prot", "api.hots", "api.typo"))).isEmpty();
    }

    @Test
    void survivesJavaSerializationAsFlinkShipsIt() throws Exception {
        Settings s = new Settings(Map.of("a", "1"), Map.of("BIOSTREAM_B", "2"), Map.of("c", "3"))
                .withSystemProperties(properties("d", "4"));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(s);
        }
        Settings copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (Settings) in.readObject();
        }
        assertThat(List.of(copy.get("a", null), copy.get("b", null), copy.get("c", null), copy.get("d", null)))
                .containsExactly("1", "2", "3", "4");
    }
}
