package io.biostream.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biostream.operators.config.Settings;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class ApiConfigTest {

    @Test
    void defaultsBindLoopbackAndPointAtTheLocalProxy() {
        ApiConfig d = ApiConfig.defaults();
        assertThat(d.host()).isEqualTo("127.0.0.1");
        assertThat(d.port()).isEqualTo(7070);
        assertThat(d.stateProxyHost()).isEqualTo("127.0.0.1");
        assertThat(d.stateProxyPort()).isEqualTo(9069);
        assertThat(d.optionalJobId()).isEmpty();
    }

    @Test
    void readsFlinkStyleKeysAndIgnoresNonApiKeys() {
        ApiConfig c = ApiConfig.fromMap(Map.of(
                "api.port", "8080",
                "api.state.proxy.port", "19069",
                "api.state.query-timeout", "750 ms",
                "api.state.retry-deadline", "1min",
                "api.max-request-body", "2mb",
                "api.state.job-id", "0123456789ABCDEF0123456789abcdef",
                "queryable-state.enable", "true"));
        assertThat(c.port()).isEqualTo(8080);
        assertThat(c.stateProxyPort()).isEqualTo(19069);
        assertThat(c.stateQueryTimeout()).isEqualTo(Duration.ofMillis(750));
        assertThat(c.stateRetryDeadline()).isEqualTo(Duration.ofMinutes(1));
        assertThat(c.maxRequestBodyBytes()).isEqualTo(2L << 20);
        assertThat(c.jobId()).isEqualTo("0123456789abcdef0123456789abcdef");
    }

    @Test
    void flagsBeatSystemPropertiesWhichBeatEnvironmentWhichBeatsTheMap() {
        Map<String, String> conf = Map.of("api.port", "1001", "api.host", "127.0.0.2", "api.state.proxy.port", "2001");
        Map<String, String> env = Map.of("BIOSTREAM_API_PORT", "1002", "BIOSTREAM_API_STATE_PROXY_PORT", "2002",
                "HOME", "/root");
        Properties sys = new Properties();
        sys.setProperty("api.port", "1003");
        String[] args = {"--api.port=1004", "positional"};
        ApiConfig c = ApiConfig.load(conf, env, sys, args);
        assertThat(c.port()).isEqualTo(1004);
        assertThat(c.stateProxyPort()).isEqualTo(2002);
        assertThat(c.host()).isEqualTo("127.0.0.2");
        assertThat(ApiConfig.load(conf, env, sys, new String[0]).port()).isEqualTo(1003);
        assertThat(ApiConfig.load(conf, env, new Properties(), new String[0]).port()).isEqualTo(1002);
        assertThat(ApiConfig.load(conf, Map.of(), new Properties(), new String[] {"--api.state.proxy.port=2004"})
                .stateProxyPort()).isEqualTo(2004);
    }

    @Test
    void readsTheSameSettingsAsTheRestOfBiostream() {
        Settings settings = new Settings(Map.of("api.port", "7171"), Map.of("BIOSTREAM_API_STATE_PROXY_HOST", "127.0.0.3"),
                Map.of("api.max-request-body", "64kb"));
        ApiConfig c = ApiConfig.from(settings);
        assertThat(c.port()).isEqualTo(7171);
        assertThat(c.stateProxyHost()).isEqualTo("127.0.0.3");
        assertThat(c.maxRequestBodyBytes()).isEqualTo(64L << 10);
    }

    @Test
    void environmentNamesFollowTheSharedRule() {
        assertThat(Settings.envName(ApiConfig.PORT)).isEqualTo("BIOSTREAM_API_PORT");
        assertThat(Settings.envName(ApiConfig.STATE_PROXY_PORT)).isEqualTo("BIOSTREAM_API_STATE_PROXY_PORT");
        assertThat(Settings.envName(ApiConfig.MAX_REQUEST_BODY)).isEqualTo("BIOSTREAM_API_MAX_REQUEST_BODY");
    }

    @Test
    void invalidValuesAreRefusedNamingTheSettingAndItsOrigin() {
        assertThatThrownBy(() -> ApiConfig.load(Map.of(), Map.of("BIOSTREAM_API_PORT", "seventy"), new Properties(), new String[0]))
                .hasMessageContaining("api.port").hasMessageContaining("BIOSTREAM_API_PORT").hasMessageContaining("seventy");
        assertThatThrownBy(() -> ApiConfig.fromMap(Map.of("api.port", "70000")))
                .hasMessageContaining("api.port must be between 0 and 65535");
        assertThatThrownBy(() -> ApiConfig.fromMap(Map.of("api.state.query-timeout", "soon")))
                .hasMessageContaining("api.state.query-timeout").hasMessageContaining("duration");
        assertThatThrownBy(() -> ApiConfig.fromMap(Map.of("api.state.query-timeout", "0ms")))
                .hasMessageContaining("api.state.query-timeout must be more than 0");
        assertThatThrownBy(() -> ApiConfig.fromMap(Map.of("api.max-request-body", "12")))
                .hasMessageContaining("api.max-request-body must be between 1 kb and 256 mb");
        assertThatThrownBy(() -> ApiConfig.fromMap(Map.of("api.max-request-body", "lots")))
                .hasMessageContaining("api.max-request-body").hasMessageContaining("size");
        assertThatThrownBy(() -> ApiConfig.fromMap(Map.of("api.state.job-id", "job-1")))
                .hasMessageContaining("api.state.job-id must be 32 lowercase hex digits");
        assertThatThrownBy(() -> new ApiConfig(" ", 7070, "127.0.0.1", 9069, Duration.ofSeconds(1), Duration.ZERO, 4096, null, Duration.ZERO))
                .hasMessageContaining("api.host must not be blank");
        assertThatThrownBy(() -> ApiConfig.defaults().withStateProxy("", 9069))
                .hasMessageContaining("api.state.proxy.host must not be blank");
    }

    @Test
    void liveSettingsAreReadWithDefaultsAndRefusedOutOfRange() {
        LiveConfig defaults = ApiConfig.fromMap(Map.of()).live();
        assertThat(defaults.maxClients()).isEqualTo(64);
        assertThat(defaults.queueSize()).isEqualTo(256);
        assertThat(defaults.heartbeat()).isEqualTo(Duration.ofSeconds(15));
        assertThat(defaults.ticketTtl()).isEqualTo(Duration.ofSeconds(30));
        assertThat(defaults.videoFps()).isEqualTo(2);
        LiveConfig set = ApiConfig.load(Map.of("api.live.max-clients", "8"), Map.of("BIOSTREAM_API_LIVE_QUEUE_SIZE", "32"),
                new Properties(), new String[] {"--api.live.heartbeat=2s", "--api.live.ticket-ttl=10s", "--api.live.video-fps=5"}).live();
        assertThat(set).isEqualTo(new LiveConfig(8, 32, Duration.ofSeconds(2), Duration.ofSeconds(10), 5));
        assertThatThrownBy(() -> ApiConfig.fromMap(Map.of("api.live.max-clients", "0")))
                .hasMessageContaining("api.live.max-clients must be between 1 and 10000");
        assertThatThrownBy(() -> ApiConfig.fromMap(Map.of("api.live.queue-size", "many")))
                .hasMessageContaining("api.live.queue-size");
        assertThatThrownBy(() -> ApiConfig.fromMap(Map.of("api.live.heartbeat", "10ms")))
                .hasMessageContaining("api.live.heartbeat must be between 100 ms and 5 min");
        assertThatThrownBy(() -> ApiConfig.fromMap(Map.of("api.live.ticket-ttl", "1h")))
                .hasMessageContaining("api.live.ticket-ttl must be between 1 s and 5 min");
        assertThatThrownBy(() -> ApiConfig.fromMap(Map.of("api.live.video-fps", "6")))
                .hasMessageContaining("api.live.video-fps must be between 1 and 5");
    }

    @Test
    void aBlankValueMeansTheDefaultAsEverywhereElse() {
        assertThat(ApiConfig.fromMap(Map.of("api.host", " ", "api.port", "")).host()).isEqualTo("127.0.0.1");
        assertThat(ApiConfig.fromMap(Map.of("api.port", "")).port()).isEqualTo(7070);
    }

    @Test
    void unknownApiKeysAreRefusedSoTyposDoNotFallBackToDefaults() {
        assertThatThrownBy(() -> ApiConfig.fromMap(Map.of("api.prot", "8080")))
                .hasMessageContaining("unknown API setting").hasMessageContaining("config key api.prot")
                .hasMessageContaining("api.port");
        assertThatThrownBy(() -> ApiConfig.load(Map.of(), Map.of("BIOSTREAM_API_PROT", "8080"), new Properties(), new String[0]))
                .hasMessageContaining("environment variable BIOSTREAM_API_PROT").hasMessageContaining("BIOSTREAM_API_PORT");
        Properties sys = new Properties();
        sys.setProperty("api.hots", "127.0.0.1");
        assertThatThrownBy(() -> ApiConfig.load(Map.of(), Map.of(), sys, new String[0]))
                .hasMessageContaining("system property api.hots");
        assertThatThrownBy(() -> ApiConfig.load(Map.of(), Map.of(), new Properties(), new String[] {"--api.prot=1"}))
                .hasMessageContaining("flag --api.prot");
    }

    @Test
    void anApiFlagWithoutAValueIsRefused() {
        assertThatThrownBy(() -> ApiConfig.load(Map.of(), Map.of(), new Properties(), new String[] {"--api.port"}))
                .hasMessageContaining("--api.port needs a value");
        assertThatThrownBy(() -> ApiConfig.load(Map.of(), Map.of(), new Properties(), new String[] {"--api.port", "8080"}))
                .hasMessageContaining("--api.port=VALUE");
    }
}
