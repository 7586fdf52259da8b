package io.biostream.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
        assertThat(ApiConfig.load(conf, env, new Properties(), new String[] {"--api.state.proxy.port", "2004"})
                .stateProxyPort()).isEqualTo(2004);
    }

    @Test
    void environmentNamesFollowTheKeys() {
        assertThat(ApiConfig.envName(ApiConfig.STATE_PROXY_PORT)).isEqualTo("BIOSTREAM_API_STATE_PROXY_PORT");
        assertThat(ApiConfig.envName(ApiConfig.MAX_REQUEST_BODY)).isEqualTo("BIOSTREAM_API_MAX_REQUEST_BODY");
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
        assertThatThrownBy(() -> ApiConfig.fromMap(Map.of("api.state.job-id", "job-1")))
                .hasMessageContaining("api.state.job-id must be 32 lowercase hex digits");
        assertThatThrownBy(() -> ApiConfig.fromMap(Map.of("api.host", " ")))
                .hasMessageContaining("api.host must not be blank");
    }

    @Test
    void unknownApiKeysAreRefusedSoTyposDoNotFallBackToDefaults() {
        assertThatThrownBy(() -> ApiConfig.fromMap(Map.of("api.prot", "8080")))
                .hasMessageContaining("unknown API setting api.prot").hasMessageContaining("api.port");
        assertThatThrownBy(() -> ApiConfig.load(Map.of(), Map.of("BIOSTREAM_API_PROT", "8080"), new Properties(), new String[0]))
                .hasMessageContaining("BIOSTREAM_API_PROT");
        assertThatThrownBy(() -> ApiConfig.load(Map.of(), Map.of(), new Properties(), new String[] {"--api.port"}))
                .hasMessageContaining("needs a value");
    }

    @Test
    void parsesFlinkStyleDurationsAndSizes() {
        assertThat(ApiConfig.parseDuration("250")).hasValue(Duration.ofMillis(250));
        assertThat(ApiConfig.parseDuration("3 s")).hasValue(Duration.ofSeconds(3));
        assertThat(ApiConfig.parseDuration("2min")).hasValue(Duration.ofMinutes(2));
        assertThat(ApiConfig.parseDuration("-1s")).isEmpty();
        assertThat(ApiConfig.parseSize("4096")).hasValue(4096L);
        assertThat(ApiConfig.parseSize("64 kb")).hasValue(64L << 10);
        assertThat(ApiConfig.parseSize("1m")).hasValue(1L << 20);
        assertThat(ApiConfig.parseSize("99999999999999999999")).isEmpty();
    }
}
