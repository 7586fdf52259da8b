package io.biostream.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.api.audit.InMemoryAuditTrail;
import io.biostream.api.auth.ApiKeyStore;
import io.biostream.api.auth.IssuedKey;
import io.biostream.api.auth.Permission;
import io.biostream.api.auth.Role;
import io.biostream.operators.config.Settings;
import io.biostream.operators.crypto.CryptoConfig;
import io.biostream.operators.crypto.KafkaDataKeyStore;
import io.biostream.operators.crypto.KeyEncryptionKey;
import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.operators.crypto.TemplateKeyRing;
import io.biostream.operators.crypto.TestKeyRings;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API while its data key store is unavailable (the keys topic on a port nobody listens on):
 * a request that needs a data key is answered 503 keys_unavailable with Retry-After, not held
 * and not answered as if the templates were erased. (KafkaDataKeyStoreTest shows the bounded wait
 * when the broker goes away while the API runs.)
 */
class KeyStoreOutageRoutesTest {
    @TempDir
    Path keysDir;

    @Test
    void aRequestNeedingADataKeyIsAnswered503WithRetryAfter() throws Exception {
        // Results sealed while the keys were reachable (here: a directory store under the same KEK).
        TemplateCipher sealing = new TemplateCipher(TestKeyRings.directory(keysDir));
        InMemoryCameraState state = new InMemoryCameraState();
        state.put(Results.latest(sealing, "lobby-1", 42, Results.descriptor(1)));

        CryptoConfig crypto = CryptoConfig.from(Settings.of(TestKeyRings.directorySettings(keysDir)), null, "unused");
        KeyEncryptionKey kek = KeyEncryptionKey.resolve(crypto.kekUri(), crypto.localKms());
        ApiKeyStore keys = new ApiKeyStore();
        IssuedKey analyst = keys.generate("dashboard", Set.of(Role.ANALYST), Set.of());
        IssuedKey investigator = keys.generate("investigator", Set.of(Role.ANALYST), Set.of(Permission.DESCRIPTORS));
        try (TemplateKeyRing unreachable = new TemplateKeyRing(
                KafkaDataKeyStore.open("127.0.0.1:" + closedPort(), "biostream.keys", Duration.ofSeconds(1)), kek, Clock.systemUTC())) {
            ApiServer server = ApiServer.start(ApiConfig.defaults().withPort(0), keys, state, new TemplateCipher(unreachable),
                    new InMemoryAuditTrail().trail());
            try {
                for (IssuedKey caller : new IssuedKey[] {analyst, investigator, analyst}) {
                    HttpResponse<byte[]> response = ApiRequests.send(server.port(), "GET", "/api/v1/cameras/lobby-1/latest",
                            caller, null, null);
                    assertThat(response.statusCode()).isEqualTo(503);
                    assertThat(ApiRequests.json(response).get("error").asText()).isEqualTo("keys_unavailable");
                    assertThat(response.headers().firstValue("Retry-After")).hasValueSatisfying(
                            v -> assertThat(Long.parseLong(v)).isPositive());
                }
            } finally {
                server.stop();
            }
        }
    }

    private static int closedPort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
