package io.biostream.operators.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biostream.operators.crypto.SecretFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.PasswordCallback;
import javax.security.auth.login.AppConfigurationEntry;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.types.Password;
import org.apache.kafka.common.security.JaasContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KafkaConnectionTest {
    @TempDir
    Path dir;

    @Test
    void scramSettingsFromTheEnvironmentBecomeClientPropertiesWithoutThePassword() throws Exception {
        Path password = dir.resolve("job.password");
        SecretFiles.writeOwnerOnly(password, "s3cret-Pw\n");
        Path ca = Files.writeString(dir.resolve("ca.crt"), "-----BEGIN CERTIFICATE-----\n");
        Settings settings = new Settings(Map.of(), Map.of(
                "BIOSTREAM_KAFKA_BOOTSTRAP_SERVERS", "kafka-0:9093,kafka-1:9093",
                "BIOSTREAM_KAFKA_SECURITY_PROTOCOL", "sasl_ssl",
                "BIOSTREAM_KAFKA_SASL_USERNAME", "biostream-job",
                "BIOSTREAM_KAFKA_SASL_PASSWORD_FILE", password.toString(),
                "BIOSTREAM_KAFKA_SSL_TRUSTSTORE_FILE", ca.toString()), Map.of());

        KafkaConnection kafka = KafkaConnection.from(settings).requireReadable();

        Map<String, Object> config = kafka.clientConfig();
        assertThat(config).containsEntry("bootstrap.servers", "kafka-0:9093,kafka-1:9093")
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512")
                .containsEntry("ssl.truststore.location", ca.toString())
                .containsEntry("ssl.truststore.type", "PEM")
                .containsEntry("sasl.client.callback.handler.class", PasswordFileCallbackHandler.class.getName());
        assertThat(config.toString()).doesNotContain("s3cret");
        assertThat(kafka.clientProperties().toString()).doesNotContain("s3cret");
        assertThat(kafka.toString()).doesNotContain("s3cret").contains("biostream-job");
        // settings() round-trips: what local mode hands a component is what it reads.
        assertThat(KafkaConnection.from(Settings.of(kafka.settings()))).isEqualTo(kafka);
    }

    @Test
    void theCallbackHandlerReadsThePasswordFromTheFileAtLoginWithoutItsTrailingNewline() throws Exception {
        Path password = dir.resolve("camera.password");
        SecretFiles.writeOwnerOnly(password, "first\n");
        KafkaConnection kafka = KafkaConnection.scram("127.0.0.1:9092", "camera-lobby", password);
        PasswordFileCallbackHandler handler = new PasswordFileCallbackHandler();
        Map<String, Object> parsed = new HashMap<>(kafka.clientConfig());
        parsed.put("sasl.jaas.config", new Password((String) parsed.get("sasl.jaas.config"))); // as ConfigDef types it
        List<AppConfigurationEntry> jaas = JaasContext.loadClientContext(parsed).configurationEntries();
        handler.configure(kafka.clientConfig(), "SCRAM-SHA-512", jaas);

        PasswordCallback first = new PasswordCallback("password", false);
        handler.handle(new Callback[] {first, new NameCallback("name", "camera-lobby")});
        assertThat(new String(first.getPassword())).isEqualTo("first");

        SecretFiles.writeOwnerOnly(password, "rotated");
        PasswordCallback second = new PasswordCallback("password", false);
        handler.handle(new Callback[] {second});
        assertThat(new String(second.getPassword())).isEqualTo("rotated");

        Files.delete(password);
        assertThatThrownBy(() -> handler.handle(new Callback[] {new PasswordCallback("password", false)}))
                .isInstanceOf(KafkaException.class).hasMessageContaining(password.toString());
    }

    @Test
    void refusesIncompleteOrContradictorySecurityWithTheKeyAtFault() {
        assertThatThrownBy(() -> KafkaConnection.from(Settings.of(Map.of())))
                .hasMessageContaining("biostream.kafka.bootstrap-servers").hasMessageContaining("required");
        assertThatThrownBy(() -> KafkaConnection.from(settings(Map.of("biostream.kafka.bootstrap-servers", "kafka"))))
                .hasMessageContaining("host:port");
        assertThatThrownBy(() -> KafkaConnection.from(settings(Map.of("biostream.kafka.security-protocol", "SASL_SSL"))))
                .hasMessageContaining("biostream.kafka.sasl.username").hasMessageContaining("required with SASL_SSL");
        assertThatThrownBy(() -> KafkaConnection.from(settings(Map.of("biostream.kafka.security-protocol", "SASL_PLAINTEXT",
                "biostream.kafka.sasl.username", "job"))))
                .hasMessageContaining("biostream.kafka.sasl.password-file").hasMessageContaining("never the password itself");
        assertThatThrownBy(() -> KafkaConnection.from(settings(Map.of("biostream.kafka.security-protocol", "SASL_PLAINTEXT",
                "biostream.kafka.sasl.username", "job", "biostream.kafka.sasl.password-file", "/p",
                "biostream.kafka.sasl.mechanism", "PLAIN"))))
                .hasMessageContaining("biostream.kafka.sasl.mechanism").hasMessageContaining("SCRAM-SHA-512");
        assertThatThrownBy(() -> KafkaConnection.from(settings(Map.of("biostream.kafka.sasl.username", "job"))))
                .hasMessageContaining("biostream.kafka.sasl.username").hasMessageContaining("PLAINTEXT, which sends no credentials");
        assertThatThrownBy(() -> KafkaConnection.from(settings(Map.of("biostream.kafka.security-protocol", "SASL_PLAINTEXT",
                "biostream.kafka.sasl.username", "job\" password=\"x", "biostream.kafka.sasl.password-file", "/p"))))
                .hasMessageContaining("must not contain quotes");
        assertThatThrownBy(() -> KafkaConnection.from(settings(Map.of("biostream.kafka.ssl.truststore-file", "/ca.crt"))))
                .hasMessageContaining("biostream.kafka.ssl.truststore-file").hasMessageContaining("does not use TLS");
        assertThatThrownBy(() -> KafkaConnection.from(settings(Map.of("biostream.kafka.security-protocol", "TLS"))))
                .hasMessageContaining("biostream.kafka.security-protocol").hasMessageContaining("'TLS'");
    }

    @Test
    void aPasswordFileThatIsMissingEmptyOrReadableByOthersIsRefusedAtStart() throws Exception {
        Path file = dir.resolve("api.password");
        KafkaConnection kafka = KafkaConnection.scram("127.0.0.1:9092", "api", file);
        assertThatThrownBy(kafka::requireReadable).hasMessageContaining("biostream.kafka.sasl.password-file")
                .hasMessageContaining("does not exist");
        SecretFiles.writeOwnerOnly(file, "  \n");
        assertThatThrownBy(kafka::requireReadable).hasMessageContaining("is empty");
        SecretFiles.writeOwnerOnly(file, "pw");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(kafka::requireReadable).hasMessageContaining("other users");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        assertThat(kafka.requireReadable()).isSameAs(kafka);
    }

    private static Settings settings(Map<String, String> values) {
        Map<String, String> all = new HashMap<>(Map.of("biostream.kafka.bootstrap-servers", "127.0.0.1:9092"));
        all.putAll(values);
        return Settings.of(all);
    }
}
