package io.biostream.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biostream.api.auth.JwtConfig;
import io.biostream.api.auth.RateLimit;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The api.rate-limit.*, api.jwt.* and api.tls.* settings: defaults, reading, validation. */
class ApiAccessConfigTest {

    @Test
    void defaultsLimitRatesAndLeaveJwtAndTlsOff() {
        ApiConfig d = ApiConfig.defaults();
        assertThat(d.rateLimit()).isEqualTo(new RateLimit(50, 200));
        assertThat(d.jwt().enabled()).isFalse();
        assertThat(d.tls().enabled()).isFalse();
        assertThat(d.withPort(0).withMaxRequestBodyBytes(4096).rateLimit()).as("withers keep it").isEqualTo(d.rateLimit());
    }

    @Test
    void readsTheKeys() {
        ApiConfig c = ApiConfig.fromMap(Map.of(
                RateLimit.RATE, "2.5", RateLimit.BURST, "10",
                JwtConfig.JWKS_FILE, "/etc/biostream/jwks.json", JwtConfig.ISSUER, "https://idp", JwtConfig.AUDIENCE, "biostream"));
        assertThat(c.rateLimit()).isEqualTo(new RateLimit(2.5, 10));
        assertThat(c.jwt()).isEqualTo(new JwtConfig(Path.of("/etc/biostream/jwks.json"), "https://idp", "biostream"));
        assertThat(ApiConfig.fromMap(Map.of(RateLimit.RATE, "0", RateLimit.BURST, "0")).rateLimit().enabled()).isFalse();
    }

    @Test
    void refusesBadValuesNamingTheKey() {
        assertThatThrownBy(() -> ApiConfig.fromMap(Map.of(RateLimit.RATE, "-1"))).hasMessageContaining(RateLimit.RATE);
        assertThatThrownBy(() -> ApiConfig.fromMap(Map.of(RateLimit.BURST, "0"))).hasMessageContaining(RateLimit.BURST);
        assertThatThrownBy(() -> ApiConfig.fromMap(Map.of(RateLimit.RATE, "fast"))).hasMessageContaining(RateLimit.RATE);
        assertThatThrownBy(() -> ApiConfig.fromMap(Map.of(JwtConfig.JWKS_FILE, "/x.json"))).hasMessageContaining(JwtConfig.ISSUER);
        assertThatThrownBy(() -> ApiConfig.fromMap(Map.of(TlsConfig.PASSWORD_FILE, "/pw"))).hasMessageContaining(TlsConfig.KEYSTORE);
        assertThatThrownBy(() -> ApiConfig.fromMap(Map.of("api.rate-limit.rps", "5"))).hasMessageContaining("unknown API setting");
    }
}
