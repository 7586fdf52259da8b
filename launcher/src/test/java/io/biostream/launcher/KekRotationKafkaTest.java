package io.biostream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.crypto.tink.KeysetHandle;
import io.biostream.api.ApiConfig;
import io.biostream.api.ApiServer;
import io.biostream.api.audit.AuditTrail;
import io.biostream.api.audit.KafkaAuditReader;
import io.biostream.api.auth.ApiKeyStore;
import io.biostream.api.auth.IssuedKey;
import io.biostream.api.auth.Role;
import io.biostream.api.state.QueryableStateCameraReader;
import io.biostream.launcher.local.EmbeddedKafkaBroker;
import io.biostream.operators.audit.AuditActions;
import io.biostream.operators.audit.AuditChain;
import io.biostream.operators.audit.AuditLog;
import io.biostream.operators.audit.AuditSigningKeys;
import io.biostream.operators.audit.AuditVerifier;
import io.biostream.operators.config.Topics;
import io.biostream.operators.crypto.DirectoryDataKeyStore;
import io.biostream.operators.crypto.LocalKeyFiles;
import io.biostream.operators.crypto.LocalKeysetKms;
import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.operators.crypto.TestKeyRings;
import io.biostream.operators.crypto.TemplateKeyRing;
import io.biostream.operators.state.StateSeal;
import io.biostream.schemas.AssociatedData;
import io.biostream.schemas.EncryptedTemplate;
import io.biostream.schemas.WrappedDataKey;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.flink.api.common.JobID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * KEK rotation as deployed: data keys in the broker's keys topic (KafkaDataKeyStore), a local KEK,
 * the audit trail on the broker, and the API over HTTP. An admin's POST /api/v1/crypto/kek/rotate
 * re-wraps every data key under a new KEK key and deletes the old one: a process opening the keys
 * afresh opens the templates sealed before, the old KEK opens none of them, and the keys as they
 * were wrapped before no longer unwrap. The rotation is the audit event key.rotate; other roles are
 * refused and change nothing.
 */
class KekRotationKafkaTest {
    private static final Topics TOPICS = Topics.defaults();
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    static Path dir;
    private static Path keysDir;
    private static EmbeddedKafkaBroker broker;
    private static TemplateKeyRing ring;
    private static AuditLog auditLog;
    private static ApiServer api;
    private static final List<IssuedKey> others = new ArrayList<>();
    private static IssuedKey admin;
    private static IssuedKey auditor;

    @BeforeAll
    static void start() throws Exception {
        broker = new EmbeddedKafkaBroker(dir.resolve("kafka")).start();
        broker.createTopics(TOPICS.newTopics());
        keysDir = dir.resolve("keys");
        ring = KafkaKeyRings.open(keysDir, broker.adminConnection());
        KeysetHandle signingKeys = AuditSigningKeys.readOrCreate(dir.resolve("audit-signing.json"));
        auditLog = AuditLog.open(broker.adminConnection(), TOPICS.audit(), signingKeys,
                AuditChain.DEFAULT_CHECKPOINT_INTERVAL, TIMEOUT, dir.resolve("audit-head.properties"));
        AuditTrail audit = new AuditTrail(auditLog, new KafkaAuditReader(broker.adminConnection(), TOPICS.audit(), TIMEOUT),
                new AuditVerifier(AuditSigningKeys.verifier(signingKeys), AuditChain.DEFAULT_CHECKPOINT_INTERVAL));

        ApiKeyStore keys = new ApiKeyStore();
        admin = keys.generate("key custodian", EnumSet.of(Role.ADMIN), Set.of());
        auditor = keys.generate("privacy office", EnumSet.of(Role.AUDITOR), Set.of());
        others.add(auditor);
        others.add(keys.generate("investigator", EnumSet.of(Role.ANALYST), Set.of()));
        others.add(keys.generate("door camera", EnumSet.of(Role.CAMERA), Set.of()));
        // No job runs here: the camera state is a proxy nobody listens on.
        ApiConfig config = ApiConfig.defaults().withPort(0).withStateProxy("127.0.0.1", closedPort())
                .withStateTimings(Duration.ofSeconds(2), Duration.ZERO);
        JobID noJob = new JobID();
        api = ApiServer.start(config, keys, new QueryableStateCameraReader(config, () -> Optional.of(noJob), new StateSeal(ring)),
                new TemplateCipher(ring), audit);
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {api, auditLog, ring, broker}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @Test
    void anAdminRotatesTheKekOverHttpAndEveryDataKeyIsRewrappedAndAudited() throws Exception {
        TemplateCipher cipher = new TemplateCipher(ring);
        float[] adaDescriptor = TestKeyRings.descriptor(1);
        float[] doorDescriptor = TestKeyRings.descriptor(2);
        EncryptedTemplate ada = cipher.seal("enrollment/ada/0", adaDescriptor, ad("enrollment/ada", 0), "m",
                ring.subjectKey("ada"));
        EncryptedTemplate door = cipher.seal("door-1/7/0", doorDescriptor, ad("door-1", 7), "m",
                ring.periodKey("door-1", Instant.now(), Duration.ofDays(1), Duration.ofDays(30)));
        List<WrappedDataKey> before = List.of(ring.describe(ada.getKeyId()).orElseThrow(),
                ring.describe(door.getKeyId()).orElseThrow());

        // A copy of the KEK as it is now; it opens the templates through the keys topic.
        Path oldKeysDir = Files.createDirectory(dir.resolve("old-keys"));
        for (String file : List.of(LocalKeyFiles.MASTER_SECRET, LocalKeyFiles.KEK_KEYSET)) {
            Files.copy(keysDir.resolve(file), oldKeysDir.resolve(file));
        }
        try (TemplateKeyRing oldKek = KafkaKeyRings.open(oldKeysDir, broker.adminConnection())) {
            assertThat(new TemplateCipher(oldKek).open(ada)).containsExactly(adaDescriptor);
        }

        // Other roles and no key are refused, and nothing is re-wrapped.
        for (IssuedKey other : others) {
            assertThat(rotate(other.plaintext()).statusCode()).as(other.key().name()).isEqualTo(403);
        }
        assertThat(rotate(null).statusCode()).isEqualTo(401);
        try (TemplateKeyRing fresh = KafkaKeyRings.open(keysDir, broker.adminConnection())) {
            assertThat(List.of(fresh.describe(ada.getKeyId()).orElseThrow(), fresh.describe(door.getKeyId()).orElseThrow()))
                    .as("the keys topic after refused rotations").isEqualTo(before);
        }

        HttpResponse<String> rotated = rotate(admin.plaintext());
        assertThat(rotated.statusCode()).as(rotated.body()).isEqualTo(200);
        JsonNode answer = JSON.readTree(rotated.body());
        assertThat(answer.get("rewrapped").asInt()).isEqualTo(2);
        String kek = answer.get("kek").asText();
        String kekFile = LocalKeysetKms.uri(keysDir.resolve(LocalKeyFiles.KEK_KEYSET));
        assertThat(before).extracting(WrappedDataKey::getKek).allSatisfy(old -> assertThat(old).startsWith(kekFile + "#"));
        assertThat(kek).as("the same keyset, another primary key").startsWith(kekFile + "#").isNotEqualTo(before.get(0).getKek());

        // A process that opens the keys topic now: every key re-wrapped under the new KEK key, templates open.
        try (TemplateKeyRing fresh = KafkaKeyRings.open(keysDir, broker.adminConnection())) {
            for (WrappedDataKey old : before) {
                WrappedDataKey now = fresh.describe(old.getKeyId()).orElseThrow();
                assertThat(now.getKek()).isEqualTo(kek);
                assertThat(now.getWrapped()).isNotEqualTo(old.getWrapped());
            }
            TemplateCipher afterRotation = new TemplateCipher(fresh);
            assertThat(afterRotation.open(ada)).containsExactly(adaDescriptor);
            assertThat(afterRotation.open(door)).containsExactly(doorDescriptor);

            // The keys as wrapped before no longer unwrap: the old KEK key is gone from the keyset.
            DirectoryDataKeyStore restored = new DirectoryDataKeyStore(dir.resolve("restored-keys"));
            before.forEach(restored::put);
            TemplateCipher fromOldRecords = new TemplateCipher(new TemplateKeyRing(restored, fresh.kek(), Clock.systemUTC()));
            assertThatThrownBy(() -> fromOldRecords.open(ada)).isInstanceOf(GeneralSecurityException.class);
            assertThatThrownBy(() -> fromOldRecords.open(door)).isInstanceOf(GeneralSecurityException.class);
        }
        // The old KEK opens nothing any more.
        try (TemplateKeyRing oldKek = KafkaKeyRings.open(oldKeysDir, broker.adminConnection())) {
            TemplateCipher old = new TemplateCipher(oldKek);
            assertThatThrownBy(() -> old.open(ada)).isInstanceOf(GeneralSecurityException.class);
            assertThatThrownBy(() -> old.open(door)).isInstanceOf(GeneralSecurityException.class);
        }
        // The API's own key ring goes on opening them.
        assertThat(cipher.open(door)).containsExactly(doorDescriptor);

        // Audited on the broker as key.rotate by the admin; the refused keys as denied requests.
        JsonNode events = JSON.readTree(get("/api/v1/audit?limit=1000", auditor).body()).get("events");
        List<JsonNode> rotations = new ArrayList<>();
        List<JsonNode> denied = new ArrayList<>();
        events.forEach(e -> {
            if (e.get("action").asText().equals(AuditActions.KEY_ROTATION)) {
                rotations.add(e);
            } else if (e.get("action").asText().equals(AuditActions.REQUEST_DENIED)
                    && e.get("details").get("path").asText().equals("/api/v1/crypto/kek/rotate")) {
                denied.add(e);
            }
        });
        assertThat(rotations).singleElement().satisfies(e -> {
            assertThat(e.get("actor").asText()).isEqualTo(admin.key().id());
            assertThat(e.get("outcome").asText()).isEqualTo("SUCCESS");
            assertThat(e.get("details").get("rewrapped").asText()).isEqualTo("2");
            assertThat(e.get("details").get("kek").asText()).isEqualTo(kek);
        });
        // Each 403 of a known key is an event; the anonymous 401 is counted into the minute's aggregate.
        assertThat(denied).hasSize(others.size());
        JsonNode verified = JSON.readTree(get("/api/v1/audit/verify", auditor).body());
        assertThat(verified.get("ok").asBoolean()).as(verified.toString()).isTrue();
    }

    private static HttpResponse<String> rotate(String key) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + "/api/v1/crypto/kek/rotate"))
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.noBody());
        if (key != null) {
            request.header("Authorization", "Bearer " + key);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(String path, IssuedKey key) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + api.port() + path))
                .header("Authorization", "Bearer " + key.plaintext())
                .timeout(Duration.ofSeconds(60))
                .GET()
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response;
    }

    private static AssociatedData ad(String cameraId, long sequence) {
        return AssociatedData.newBuilder().setCameraId(cameraId).setSequence(sequence).setFaceIndex(0).build();
    }


    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
