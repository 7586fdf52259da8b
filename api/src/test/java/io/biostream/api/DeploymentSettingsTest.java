package io.biostream.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.biostream.api.audit.InMemoryAuditTrail;
import io.biostream.api.auth.ApiKeyStore;
import io.biostream.api.auth.IssuedKey;
import io.biostream.api.auth.Role;
import io.biostream.api.identity.IdentityServices;
import io.biostream.api.identity.InMemoryControlLog;
import io.biostream.api.identity.InMemoryIdentityState;
import io.biostream.api.identity.SharedVision;
import io.biostream.operators.config.Settings;
import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.operators.crypto.TestKeyRings;
import io.biostream.operators.identity.IdentityLedger;
import io.biostream.operators.functions.PipelineConfig;
import io.biostream.schemas.ControlType;
import io.biostream.operators.identity.TestControlSigning;
import io.biostream.schemas.MatchSettings;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The API starts from the deployment's match settings as the job does ({@link
 * PipelineConfig#defaultMatchSettings()}, local mode's wiring): a settings change that names only the
 * threshold keeps the deployment's retention, top-k and gate. Before, the API built its defaults
 * apart and such a change published the 30-day default retention, lengthening a shorter one.
 */
class DeploymentSettingsTest {
    private static final Map<String, String> DEPLOYMENT = Map.of(
            "biostream.kafka.bootstrap-servers", "127.0.0.1:9",
            "biostream.crypto.kek-uri", "biostream-local:///nonexistent/kek.json", // parsed, never opened here
            "biostream.identity.retention", "8s",
            "biostream.identity.top-k", "3",
            "biostream.identity.match-threshold", "0.55",
            "biostream.vision.min-face-size", "30");
    private static IssuedKey admin;
    private static InMemoryControlLog control;
    private static IdentityServices identity;
    private static IdentityApiServer api;
    private static ApiServer server;
    private static MatchSettings defaults;

    @BeforeAll
    static void start() throws Exception {
        TemplateCipher cipher = TestKeyRings.throwawayCipher();
        ApiKeyStore keys = new ApiKeyStore();
        admin = keys.generate("registrar", EnumSet.of(Role.ADMIN), Set.of());
        defaults = PipelineConfig.from(Settings.of(DEPLOYMENT).with(TestControlSigning.jobSettings())
                .with(io.biostream.operators.crypto.TestCameras.jobSettings())).defaultMatchSettings();
        control = new InMemoryControlLog(new IdentityLedger(defaults));
        api = IdentityApiServer.start(ApiConfig.defaults().withPort(0), keys, cipher, new InMemoryAuditTrail().trail(),
                control, new InMemoryIdentityState());
        identity = api.identity;
        server = api.server;
    }

    @AfterAll
    static void stop() {
        if (api != null) {
            api.close();
        }
    }

    @Test
    void theDeploymentsSettingsAreTheDefaultsAndAChangeOfTheThresholdKeepsTheRest() throws Exception {
        assertThat(defaults.getRetentionSeconds()).isEqualTo(8L);
        assertThat(defaults.getTopK()).isEqualTo(3);
        assertThat(defaults.getThreshold()).isEqualTo(0.55f);
        assertThat(defaults.getMinFaceSize()).isEqualTo(30);

        var response = ApiRequests.send(server.port(), "PUT", "/api/v1/config", admin, "application/json",
                "{\"threshold\": 0.5}".getBytes(StandardCharsets.UTF_8));
        JsonNode after = ApiRequests.json(response);
        assertThat(response.statusCode()).as(after.toString()).isEqualTo(200);
        assertThat(after.get("threshold").floatValue()).isEqualTo(0.5f);
        assertThat(after.get("retentionSeconds").asLong()).as("the deployment's retention, not the 30-day default").isEqualTo(8L);
        assertThat(after.get("topK").asInt()).isEqualTo(3);
        assertThat(after.get("minFaceSize").asInt()).isEqualTo(30);

        MatchSettings published = control.appended().get(control.appended().size() - 1).event().getSettings();
        assertThat(control.appended().get(control.appended().size() - 1).event().getType()).isEqualTo(ControlType.SETTINGS_CHANGED);
        assertThat(published.getRetentionSeconds()).isEqualTo(8L);
        assertThat(published.getVersion()).isEqualTo(1L);
    }
}
