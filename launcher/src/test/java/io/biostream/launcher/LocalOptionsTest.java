package io.biostream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biostream.operators.config.Settings;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Finding 12 of the hardening issue: local mode accepted a non-loopback api.host without TLS. */
class LocalOptionsTest {
    private static LocalOptions with(Map<String, String> flags) {
        return LocalOptions.from(new Settings(flags, Map.of(), Map.of()), false, Path.of("/nonexistent/biostream"));
    }

    @Test
    void theApiStaysOnLoopbackUnlessItHasTls() {
        assertThat(with(Map.of()).api().host()).isEqualTo("127.0.0.1");
        assertThat(with(Map.of("api.host", "localhost")).api().host()).isEqualTo("localhost");
        assertThatThrownBy(() -> with(Map.of("api.host", "0.0.0.0")))
                .isInstanceOf(Settings.ConfigException.class)
                .hasMessageStartingWith("configuration api.host is 0.0.0.0, which is not a loopback address, and the API has no TLS")
                .hasMessageContaining("api.tls.keystore");
        // With a keystore the operator chose to serve the network over HTTPS (the file is read when the API starts).
        assertThat(with(Map.of("api.host", "0.0.0.0", "api.tls.keystore", "/nonexistent/api.p12",
                "api.tls.keystore-password-file", "/nonexistent/api.p12.password")).api().host()).isEqualTo("0.0.0.0");
    }
}
