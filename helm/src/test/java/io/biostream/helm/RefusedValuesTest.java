package io.biostream.helm;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Values the chart must refuse, each on top of minimal.yaml (which renders): the render fails
 * with a message that names the setting at fault, from values.schema.json or a `fail` in the
 * templates, and nothing is produced.
 */
class RefusedValuesTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "invalid-missing-api-keys-secret.yaml | /api/keys     | missing property 'secretName'",
            "invalid-missing-control-signing-secret.yaml | /crypto/controlSigning | missing property 'secretName'",
            "invalid-missing-cameras-secret.yaml  | /crypto/cameras | missing property 'secretName'",
            "invalid-sasl-without-password-secret.yaml | /kafka/sasl/api/secretName | minLength",
            "invalid-kafka-mechanism.yaml         | /kafka/sasl/mechanism | 'SCRAM-SHA-512', 'SCRAM-SHA-256'",
            "invalid-truststore-without-tls.yaml  | /kafka/truststore/secretName | value must be ''",
            "invalid-empty-kek-secret.yaml        | /crypto/kek/local/secretName | minLength",
            "invalid-kms-uri.yaml                 | /crypto/kek/uri | does not match pattern",
            "invalid-upgrade-mode.yaml            | /flink/upgradeMode | 'savepoint', 'last-state'",
            "invalid-negative-parallelism.yaml    | /flink/parallelism | minimum",
            "invalid-negative-gpus.yaml           | /flink/taskManager/gpus | minimum",
            "invalid-unknown-key.yaml             | /flink        | 'paralellism' not allowed",
            "invalid-owned-flink-setting.yaml     | /flink/configuration/high-availability.type | false schema",
            "invalid-tls-without-secret.yaml      | /api/tls/secretName | minLength",
            "invalid-two-api-replicas.yaml        | /api/replicas | maximum",
            "invalid-pdb-blocks-drains.yaml       | api.podDisruptionBudget.minAvailable (1) must be below api.replicas (1) | node drains hang",
            "invalid-file-storage-without-pvc.yaml | flink.storage.checkpoints is file:///flink-data/checkpoints | flink.storage.pvc.claimName",
    })
    void refusedWithAMessageNamingTheProblem(String file, String where, String what) {
        assertThatThrownBy(() -> HelmChart.render(HelmChart.values("minimal.yaml"), HelmChart.values(file)))
                .hasMessageContaining(where)
                .hasMessageContaining(what);
    }
}
