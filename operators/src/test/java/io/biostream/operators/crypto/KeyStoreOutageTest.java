package io.biostream.operators.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biostream.operators.config.Settings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process that starts while the keys topic cannot be read (the real Kafka client against a port
 * nobody listens on): the store opens, answers "unavailable" instead of failing the start or
 * claiming keys are gone, and the key ring neither creates keys nor treats templates as erased.
 */
class KeyStoreOutageTest {
    @TempDir
    Path dir;

    @Test
    void aStoreWhoseTopicCannotBeReadOpensAndAnswersUnavailable() throws Exception {
        KeyEncryptionKey kek = KeyEncryptionKey.resolve(LocalKeysetKms.uri(dir.resolve(LocalKeyFiles.KEK_KEYSET)),
                CryptoConfig.from(Settings.of(TestKeyRings.directorySettings(dir)), null, "unused").localKms());
        try (TemplateKeyRing ring = new TemplateKeyRing(
                KafkaDataKeyStore.open("127.0.0.1:" + closedPort(), "biostream.keys", Duration.ofSeconds(1)), kek, Clock.systemUTC())) {
            assertThat(ring.ready()).isFalse();
            assertThatThrownBy(() -> ring.aead("dk_unknown")).isInstanceOf(DataKeyUnavailableException.class)
                    .satisfies(e -> assertThat(((DataKeyUnavailableException) e).retryAfter()).isPositive());
            assertThatThrownBy(() -> ring.isLive("dk_unknown")).isInstanceOf(KeyStoreUnavailableException.class);
            assertThatThrownBy(() -> ring.periodKey("door-1", Instant.now(), Duration.ofDays(1), Duration.ofDays(30)))
                    .as("no key is created while the keys already stored are unknown")
                    .isInstanceOf(DataKeyUnavailableException.class);
            assertThatThrownBy(() -> ring.existingSubjectKey("ada")).isInstanceOf(DataKeyUnavailableException.class);
            assertThatThrownBy(() -> ring.destroySubject("ada")).isInstanceOf(KeyStoreUnavailableException.class);
        }
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
