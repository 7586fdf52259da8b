package io.biostream.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.marcnuri.helm.LintResult;
import org.junit.jupiter.api.Test;

/** `helm lint --strict`: warnings fail too. */
class ChartLintTest {

    @Test
    void minimalValuesLintCleanly() {
        LintResult result = HelmChart.lint(HelmChart.values("minimal.yaml"));
        assertThat(result.isFailed()).as("lint messages: %s", result.getMessages()).isFalse();
        assertThat(result.getMessages()).noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
    }

    @Test
    void productionValuesLintCleanly() {
        LintResult result = HelmChart.lint(HelmChart.values("production.yaml"));
        assertThat(result.isFailed()).as("lint messages: %s", result.getMessages()).isFalse();
        assertThat(result.getMessages()).noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
    }

    /** The chart's defaults name no Kafka, storage or Secrets: installing without them must fail, not guess. */
    @Test
    void chartDefaultsAloneAreRefusedNamingWhatIsMissing() {
        LintResult result = HelmChart.lint();
        assertThat(result.isFailed()).isTrue();
        String messages = String.join("\n", result.getMessages());
        assertThat(messages).contains("/kafka/bootstrapServers", "/flink/storage/checkpoints",
                "/api/keys/secretName", "/api/auditSigning/secretName", "/crypto/kek/uri",
                "/crypto/controlSigning/secretName", "/crypto/cameras/secretName");
    }

    @Test
    void lintRefusesAnInvalidValuesFileToo() {
        LintResult result = HelmChart.lint(HelmChart.values("minimal.yaml"), HelmChart.values("invalid-upgrade-mode.yaml"));
        assertThat(result.isFailed()).isTrue();
        assertThat(String.join("\n", result.getMessages())).contains("/flink/upgradeMode");
    }
}
