package io.biostream.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biostream.api.auth.ApiKeyStore;
import io.biostream.api.auth.Role;
import io.biostream.operators.audit.AuditChain;
import io.biostream.operators.audit.AuditSigningKeys;
import io.biostream.operators.config.Settings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The settings of the API service (`biostream api`): each refused before anything starts, with
 * a message naming the key; the config file, environment and flags in their order.
 */
class ApiServiceConfigTest {
    @TempDir
    Path dir;
    private Path keys;
    private Path signing;
    private Path controlSigning;
    /** Nothing listens here: a start that got as far as Kafka would hang or fail differently. */
    private String unusedKafka;

    @BeforeEach
    void files() throws Exception {
        keys = dir.resolve("api-keys.json");
        ApiKeyStore store = ApiKeyStore.fileBacked(keys);
        store.generate("admin", Set.of(Role.ADMIN), Set.of());
        signing = dir.resolve("audit-signing.json");
        AuditSigningKeys.readOrCreate(signing);
        controlSigning = Files.writeString(dir.resolve("control-signing.keyset"), "sealed under the KEK; not opened by these tests");
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            unusedKafka = "127.0.0.1:" + socket.getLocalPort();
        }
    }

    private Map<String, String> valid() {
        Map<String, String> s = new HashMap<>();
        s.put("biostream.kafka.bootstrap-servers", unusedKafka);
        s.put("biostream.crypto.kek-uri", "biostream-local://" + dir.resolve("kek.json"));
        s.put("api.flink.rest-url", "http://flink-jobmanager:8081");
        s.put("api.keys.file", keys.toString());
        s.put("api.audit.signing-keyset-file", signing.toString());
        s.put("biostream.control.signing-keyset-file", controlSigning.toString());
        s.put("api.port", "0");
        return s;
    }

    private Map<String, String> with(String key, String value) {
        Map<String, String> s = valid();
        if (value == null) {
            s.remove(key);
        } else {
            s.put(key, value);
        }
        return s;
    }

    @Test
    void readsTheDeploymentsSettingsWithDefaults() {
        Map<String, String> s = valid();
        s.put("biostream.identity.retention", "7d");
        s.put("biostream.identity.match-threshold", "0.5");
        s.put("biostream.vision.min-face-size", "30");
        s.put("biostream.decode.max-frame-bytes", "3145728");
        s.put("biostream.topics.audit", "vision.audit");
        ApiServiceConfig c = ApiServiceConfig.from(Settings.of(s));

        assertThat(c.flinkRestUrl()).contains(URI.create("http://flink-jobmanager:8081"));
        assertThat(c.jobRefreshInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.auditCheckpointInterval()).isEqualTo(AuditChain.DEFAULT_CHECKPOINT_INTERVAL);
        assertThat(c.keysFile()).isEqualTo(keys);
        assertThat(c.auditSigningKeyset()).isEqualTo(signing);
        assertThat(c.auditHeadFile()).as("beside the signing keyset").isEqualTo(signing.toAbsolutePath().resolveSibling("audit-head.properties"));
        assertThat(ApiServiceConfig.from(Settings.of(with("api.audit.head-file", "/var/lib/biostream/audit-head"))).auditHeadFile())
                .isEqualTo(Path.of("/var/lib/biostream/audit-head"));
        assertThat(c.topics().audit()).isEqualTo("vision.audit");
        assertThat(c.decodeLimits().maxFrameBytes()).isEqualTo(3L << 20);
        // The match settings the job starts with: the API's ledger keeps a shorter retention too.
        assertThat(c.defaultMatchSettings().getRetentionSeconds()).isEqualTo(Duration.ofDays(7).toSeconds());
        assertThat(c.defaultMatchSettings().getThreshold()).isEqualTo(0.5f);
        assertThat(c.defaultMatchSettings().getMinFaceSize()).isEqualTo(30);
        assertThat(c.defaultMatchSettings().getVersion()).isZero();
        assertThat(c.api().host()).isEqualTo("127.0.0.1");
    }

    @Test
    void requiredSettingsAreNamed() {
        for (String key : List.of("api.keys.file", "api.audit.signing-keyset-file", "biostream.kafka.bootstrap-servers",
                "biostream.crypto.kek-uri")) {
            assertThatThrownBy(() -> ApiServiceConfig.from(Settings.of(with(key, null))))
                    .as(key).isInstanceOf(Settings.ConfigException.class)
                    .hasMessageStartingWith("configuration " + key + " is required");
        }
    }

    @Test
    void theJobIsFoundOrNamedOrBothButNotNeither() {
        assertThatThrownBy(() -> ApiServiceConfig.from(Settings.of(with("api.flink.rest-url", null))))
                .hasMessageContaining("configuration api.flink.rest-url is required unless api.state.job-id is set");
        Map<String, String> both = with("api.state.job-id", "0123456789abcdef0123456789abcdef");
        ApiServiceConfig pinnedWithStatus = ApiServiceConfig.from(Settings.of(both)); // the id pins, the REST API reports status
        assertThat(pinnedWithStatus.api().jobId()).isEqualTo("0123456789abcdef0123456789abcdef");
        assertThat(pinnedWithStatus.flinkRestUrl()).isPresent();
        Map<String, String> pinned = with("api.flink.rest-url", null);
        pinned.put("api.state.job-id", "0123456789ABCDEF0123456789abcdef");
        assertThat(ApiServiceConfig.from(Settings.of(pinned)).api().jobId()).isEqualTo("0123456789abcdef0123456789abcdef");
    }

    @Test
    void aBadJobIdIsRefused() {
        Map<String, String> s = with("api.flink.rest-url", null);
        s.put("api.state.job-id", "job-1");
        assertThatThrownBy(() -> ApiServiceConfig.from(Settings.of(s)))
                .hasMessage("invalid API configuration: api.state.job-id must be 32 lowercase hex digits (a Flink JobID), got 'job-1'");
    }

    @Test
    void aBadRestUrlOrRefreshIntervalIsRefused() {
        for (String url : List.of("flink-jobmanager:8081", "ftp://flink:8081", "http://flink:8081/?x=1", "http://")) {
            assertThatThrownBy(() -> ApiServiceConfig.from(Settings.of(with("api.flink.rest-url", url))))
                    .as(url).hasMessage("configuration api.flink.rest-url must be the http(s) URL of the JobManager's REST API, "
                            + "such as http://flink-jobmanager:8081, got '" + url + "'");
        }
        assertThatThrownBy(() -> ApiServiceConfig.from(Settings.of(with("api.flink.refresh-interval", "20ms"))))
                .hasMessage("configuration api.flink.refresh-interval must be between 100 ms and 10 min, got PT0.02S");
    }

    @Test
    void anUnknownApiKeyInTheConfigFileIsRefused() throws Exception {
        Path file = Files.writeString(dir.resolve("api.yaml"), "api.prot: \"7070\"\n");
        Settings settings = ApiCommand.settings(List.of("--config", file.toString()), Map.of());
        assertThatThrownBy(() -> ApiServiceConfig.from(settings))
                .hasMessageStartingWith("unknown API setting in config key api.prot; known keys: [api.host, api.port");
    }

    @Test
    void aMissingKeyStoreFileStopsTheStartBeforeAnythingConnects() {
        Path missing = dir.resolve("secrets/api-keys.json");
        assertThatThrownBy(() -> ApiService.start(Settings.of(with("api.keys.file", missing.toString()))))
                .isInstanceOf(Settings.ConfigException.class)
                .hasMessage("configuration api.keys.file names " + missing + ", which is not a file: the API needs its hashed "
                        + "key store (api-keys.json; local mode writes one to var/api-keys.json)");
    }

    @Test
    void anEmptyKeyStoreStopsTheStart() throws Exception {
        Path empty = dir.resolve("empty-keys.json");
        new ApiKeyStore().save(empty);
        assertThatThrownBy(() -> ApiService.start(Settings.of(with("api.keys.file", empty.toString()))))
                .isInstanceOf(Settings.ConfigException.class)
                .hasMessageStartingWith("configuration api.keys.file names " + empty + ", which holds no API key: every request would be refused");
    }

    @Test
    void aMissingSigningKeysetStopsTheStart() {
        Path missing = dir.resolve("audit-signing-missing.json");
        assertThatThrownBy(() -> ApiService.start(Settings.of(with("api.audit.signing-keyset-file", missing.toString()))))
                .isInstanceOf(Settings.ConfigException.class)
                .hasMessageStartingWith("configuration api.audit.signing-keyset-file names " + missing + ", which is not a file");
    }

    @Test
    void aMissingControlSigningKeysetStopsTheStartBeforeAnyConnection() {
        Path missing = dir.resolve("control-signing-missing.keyset");
        assertThatThrownBy(() -> ApiService.start(Settings.of(with("biostream.control.signing-keyset-file", missing.toString()))))
                .isInstanceOf(Settings.ConfigException.class)
                .hasMessageStartingWith("configuration biostream.control.signing-keyset-file names " + missing + ", which is not a file");
        assertThatThrownBy(() -> ApiServiceConfig.from(Settings.of(with("biostream.control.signing-keyset-file", null))))
                .isInstanceOf(Settings.ConfigException.class)
                .hasMessageStartingWith("configuration biostream.control.signing-keyset-file is required");
    }

    @Test
    void flagsOverEnvironmentOverTheConfigFile() throws Exception {
        Path file = Files.writeString(dir.resolve("api.yaml"), """
                # as helm/biostream renders api.yaml
                api.port: "7001"
                api.state.proxy.port: "9001"
                api:
                  state:
                    query-timeout: 3s
                biostream.kafka.bootstrap-servers: "kafka-file:9092"
                """);
        Settings s = ApiCommand.settings(List.of("--config", file.toString(), "--api.port=7003"),
                Map.of("BIOSTREAM_API_PORT", "7002", "BIOSTREAM_API_STATE_PROXY_PORT", "9002"));
        assertThat(s.get("api.port", null)).isEqualTo("7003");
        assertThat(s.get("api.state.proxy.port", null)).isEqualTo("9002");
        assertThat(s.get("api.state.query-timeout", null)).as("a nested map, as Flink's config.yaml allows").isEqualTo("3s");
        assertThat(s.get("biostream.kafka.bootstrap-servers", null)).isEqualTo("kafka-file:9092");
    }

    @Test
    void aConfigFileThatCannotBeReadIsNamed() throws IOException {
        Path missing = dir.resolve("nope.yaml");
        assertThatThrownBy(() -> ApiCommand.settings(List.of("--config", missing.toString()), Map.of()))
                .hasMessage("config file " + missing + " not found");
        Path list = Files.writeString(dir.resolve("list.yaml"), "api.port:\n  - 1\n  - 2\n");
        assertThatThrownBy(() -> ApiCommand.settings(List.of("--config=" + list), Map.of()))
                .hasMessage("config file " + list + ": api.port must be a single value, not a list");
        assertThatThrownBy(() -> ApiCommand.settings(List.of("--config"), Map.of()))
                .hasMessage("--config needs a file: --config FILE");
        assertThatThrownBy(() -> ApiCommand.settings(List.of("api.yaml"), Map.of()))
                .hasMessageStartingWith("unexpected argument 'api.yaml'");
    }
}
