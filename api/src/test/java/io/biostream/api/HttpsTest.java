package io.biostream.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biostream.api.audit.InMemoryAuditTrail;
import io.biostream.api.auth.ApiKeyStore;
import io.biostream.api.auth.IssuedKey;
import io.biostream.api.auth.Role;
import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.operators.crypto.TestKeyRings;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API over HTTPS with a self-signed PKCS12 keystore made by the JDK's keytool: a client that
 * trusts that certificate gets answers; plain HTTP on the same port gets none.
 */
class HttpsTest {
    @TempDir
    static Path dir;

    private static Path keystore;
    private static Path passwordFile;
    private static String password;

    @BeforeAll
    static void makeKeystore() throws Exception {
        byte[] random = new byte[12];
        new SecureRandom().nextBytes(random);
        password = HexFormat.of().formatHex(random);
        keystore = dir.resolve("api.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "api", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=127.0.0.1", "-ext", "san=ip:127.0.0.1", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", keystore.toString(),
                "-storepass", password, "-keypass", password)
                .redirectErrorStream(true).start();
        String output = new String(keytool.getInputStream().readAllBytes());
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).as("keytool finished").isTrue();
        assertThat(keytool.exitValue()).as(output).isZero();
        passwordFile = dir.resolve("keystore-password");
        Files.writeString(passwordFile, password + "\n");
        Files.setPosixFilePermissions(passwordFile, PosixFilePermissions.fromString("rw-------"));
    }

    @Test
    void servesHttpsToAClientTrustingTheCertificateAndNothingInClear() throws Exception {
        ApiKeyStore keys = new ApiKeyStore();
        IssuedKey analyst = keys.generate("analyst", Set.of(Role.ANALYST), Set.of());
        ApiConfig config = ApiConfig.defaults().withPort(0).withTls(new TlsConfig(keystore, passwordFile, null));
        try (ApiServer server = ApiServer.start(config, keys, new InMemoryCameraState(),
                TestKeyRings.throwawayCipher(), new InMemoryAuditTrail().trail())) {
            HttpClient https = HttpClient.newBuilder().sslContext(trusting(keystore)).connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> health = https.send(request("https", server, "/health", null), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("\"status\"");
            HttpResponse<String> cameras = https.send(request("https", server, "/api/v1/cameras", analyst.plaintext()),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(cameras.statusCode()).isEqualTo(200);

            HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            try {
                HttpResponse<String> clear = plain.send(request("http", server, "/health", null), HttpResponse.BodyHandlers.ofString());
                assertThat(clear.statusCode()).as("plain HTTP must not be served").isNotEqualTo(200);
                assertThat(clear.body()).doesNotContain("\"status\"");
            } catch (IOException refused) {
                // The TLS connector closed the plain connection: nothing was served in clear.
            }
            HttpClient untrusting = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            assertThatThrownBy(() -> untrusting.send(request("https", server, "/health", null), HttpResponse.BodyHandlers.ofString()))
                    .as("a client that does not trust the certificate").isInstanceOf(IOException.class);
        }
    }

    @Test
    void aPasswordFileOthersMayReadIsRefused() throws Exception {
        Path open = Files.writeString(dir.resolve("open-password"), password);
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> HttpsConnector.password(new TlsConfig(keystore, open, null)))
                .hasMessageContaining("chmod 600");
    }

    @Test
    void aWrongPasswordStopsTheStartWithAClearMessage() {
        assertThatThrownBy(() -> HttpsConnector.open(new TlsConfig(keystore, null, "not-the-password")))
                .hasMessageContaining(TlsConfig.KEYSTORE).hasMessageContaining("cannot be opened");
    }

    @Test
    void theSettingsAreReadAndThePasswordIsNeverShown() {
        ApiConfig config = ApiConfig.fromMap(Map.of(TlsConfig.KEYSTORE, keystore.toString(),
                TlsConfig.PASSWORD, "s3cret-from-env"));
        assertThat(config.tls().enabled()).isTrue();
        assertThat(config.toString()).doesNotContain("s3cret-from-env");
        assertThat(HttpsConnector.password(config.tls())).isEqualTo("s3cret-from-env");
        assertThatThrownBy(() -> ApiConfig.fromMap(Map.of(TlsConfig.KEYSTORE, keystore.toString())))
                .hasMessageContaining(TlsConfig.PASSWORD_FILE);
        assertThat(ApiConfig.load(Map.of(), Map.of("BIOSTREAM_API_TLS_KEYSTORE", keystore.toString(),
                "BIOSTREAM_API_TLS_KEYSTORE_PASSWORD", "from-env"), new java.util.Properties(), new String[0]).tls().password())
                .isEqualTo("from-env");
    }

    private static HttpRequest request(String scheme, ApiServer server, String path, String key) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(scheme + "://127.0.0.1:" + server.port() + path))
                .timeout(Duration.ofSeconds(10)).GET();
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return request.build();
    }

    /** An SSL context trusting only the keystore's certificate. */
    private static SSLContext trusting(Path p12) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            store.load(in, password.toCharArray());
        }
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("api", store.getCertificate("api"));
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }
}
