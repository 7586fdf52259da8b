package io.biostream.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.biostream.api.audit.InMemoryAuditTrail;
import io.biostream.api.auth.ApiKeyStore;
import io.biostream.api.auth.IssuedKey;
import io.biostream.api.auth.Role;
import io.biostream.api.identity.InMemoryControlLog;
import io.biostream.api.identity.InMemoryIdentityState;
import io.biostream.operators.audit.AuditActions;
import io.biostream.operators.audit.AuditUnavailableException;
import io.biostream.operators.config.Settings;
import io.biostream.operators.crypto.CryptoConfig;
import io.biostream.operators.crypto.DataKeyStore;
import io.biostream.operators.crypto.DirectoryDataKeyStore;
import io.biostream.operators.crypto.KeyEncryptionKey;
import io.biostream.operators.crypto.KeyStoreUnavailableException;
import io.biostream.operators.crypto.SubjectSeal;
import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.operators.crypto.TemplateErasedException;
import io.biostream.operators.crypto.TemplateKeyRing;
import io.biostream.operators.crypto.TestKeyRings;
import io.biostream.operators.identity.IdentityConfig;
import io.biostream.operators.identity.IdentityEvents;
import io.biostream.operators.identity.IdentityLedger;
import io.biostream.operators.vision.VisionConfig;
import io.biostream.schemas.ControlEvent;
import io.biostream.schemas.ControlType;
import io.biostream.schemas.DataKeyScope;
import io.biostream.schemas.WireFormat;
import io.biostream.schemas.WrappedDataKey;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A subject's personal data and its erasure over real HTTP on 127.0.0.1, with real Tink keys in a
 * key directory (behind a store that can be made to fail destructions), a real ledger and audit
 * chain: the name travels sealed under the subject's key, an erasure commits with its audit event
 * before the key is destroyed, and an erased subject never comes back.
 */
class SubjectErasureRoutesTest {
    private static final String NAME = "Penelope Quarterman";
    private static final String ATTRIBUTE = "night-shift-lab-7";

    @TempDir
    static Path keysDir;

    private static FailingDestructions store;
    private static TemplateCipher cipher;
    private static IssuedKey admin;
    private static IssuedKey analyst;
    private static InMemoryAuditTrail audit;
    private static InMemoryControlLog control;
    private static IdentityApiServer api;

    @BeforeAll
    static void start() throws Exception {
        CryptoConfig crypto = CryptoConfig.from(Settings.of(TestKeyRings.directorySettings(keysDir)), null, "unused");
        store = new FailingDestructions(new DirectoryDataKeyStore(keysDir.resolve("data-keys")));
        cipher = new TemplateCipher(new TemplateKeyRing(store, KeyEncryptionKey.resolve(crypto.kekUri(), crypto.localKms()),
                Clock.systemUTC()));
        ApiKeyStore keys = new ApiKeyStore();
        admin = keys.generate("registrar", EnumSet.of(Role.ADMIN), Set.of());
        analyst = keys.generate("investigator", EnumSet.of(Role.ANALYST), Set.of());
        audit = new InMemoryAuditTrail();
        control = new InMemoryControlLog(new IdentityLedger(IdentityConfig.DEFAULTS.defaultSettings(VisionConfig.DEFAULTS)));
        api = IdentityApiServer.start(ApiConfig.defaults().withPort(0), keys, cipher, audit.trail(), control,
                new InMemoryIdentityState());
    }

    @AfterAll
    static void stop() {
        if (api != null) {
            api.close();
        }
    }

    @Test
    void theNameTravelsSealedUnderTheSubjectsKeyAndIsUnrecoverableAfterErasure() throws Exception {
        assertThat(create("penny-q").statusCode()).isEqualTo(201);
        JsonNode read = json(send("GET", "/api/v1/subjects/penny-q", analyst));
        assertThat(read.get("displayName").asText()).isEqualTo(NAME);
        assertThat(read.get("attributes").get("team").asText()).isEqualTo(ATTRIBUTE);
        assertThat(read.get("consent").get("legalBasis").asText()).isEqualTo("explicit-consent");
        JsonNode exported = json(send("GET", "/api/v1/subjects/penny-q/export", admin));
        assertThat(exported.get("subject").get("displayName").asText()).isEqualTo(NAME);

        ControlEvent upsert = upsertOf("penny-q");
        byte[] wire = WireFormat.encode(upsert);
        assertThat(upsert.getSubject()).as("nothing in clear").isNull();
        assertThat(upsert.getSubjectId()).isEqualTo("penny-q");
        assertThat(new String(wire, StandardCharsets.ISO_8859_1)).doesNotContain(NAME).doesNotContain(ATTRIBUTE)
                .doesNotContain("explicit-consent").doesNotContain("building access");
        WrappedDataKey key = cipher.keys().describe(upsert.getSealedSubject().getKeyId()).orElseThrow();
        assertThat(key.getScope()).isEqualTo(DataKeyScope.SUBJECT);
        assertThat(key.getOwner()).isEqualTo("penny-q");

        HttpResponse<byte[]> erased = send("DELETE", "/api/v1/subjects/penny-q", admin);
        assertThat(erased.statusCode()).isEqualTo(200);
        assertThat(json(erased).get("keysDestroyed").asBoolean()).isTrue();

        // What the topic holds of the subject, read back as a reader of the topic would: it no longer opens.
        ControlEvent stored = WireFormat.decode(ControlEvent.class, wire);
        assertThatThrownBy(() -> SubjectSeal.open("penny-q", ControlType.SUBJECT_UPSERTED.name(), stored.getSealedSubject(),
                cipher.keys())).isInstanceOf(TemplateErasedException.class);
        assertThat(cipher.keys().existingSubjectKey("penny-q")).isEmpty();
        assertThat(send("GET", "/api/v1/subjects/penny-q", analyst).statusCode()).isEqualTo(404);
    }

    @Test
    void anErasedSubjectNeverComesBackNeitherByReplayNorByItsId() throws Exception {
        assertThat(create("replay-r").statusCode()).isEqualTo(201);
        ControlEvent upsert = upsertOf("replay-r");
        assertThat(send("DELETE", "/api/v1/subjects/replay-r", admin).statusCode()).isEqualTo(200);
        IdentityLedger ledger = api.identity.commands().ledger();
        long skipped = ledger.refusedForErasedSubjects();

        // The upsert as it was published (signed) before the erasure, read again (a replay, a restart of the follower).
        assertThat(ledger.apply(upsert)).hasValueSatisfying(r -> assertThat(r).contains("replay-r, which was erased"));
        assertThat(ledger.refusedForErasedSubjects()).isEqualTo(skipped + 1);
        assertThat(send("GET", "/api/v1/subjects/replay-r", analyst).statusCode()).isEqualTo(404);
        assertThat(json(send("GET", "/api/v1/subjects?size=500", analyst)).get("subjects").findValuesAsText("id"))
                .doesNotContain("replay-r");

        HttpResponse<byte[]> again = create("replay-r");
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(json(again).get("error").asText()).isEqualTo("subject_erased");
        assertThat(cipher.keys().existingSubjectKey("replay-r")).as("no key made for a refused id").isEmpty();
    }

    @Test
    void anErasureTheAuditCannotRecordIsRefusedWith503AndChangesNothing() throws Exception {
        assertThat(create("kept-k").statusCode()).isEqualTo(201);
        String keyId = upsertOf("kept-k").getSealedSubject().getKeyId();
        int appended = control.appended().size();
        int audited = audit.size();

        audit.failWith(new AuditUnavailableException("audit topic unavailable", null));
        HttpResponse<byte[]> refused;
        try {
            refused = send("DELETE", "/api/v1/subjects/kept-k", admin);
        } finally {
            audit.failWith(null);
        }
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(json(refused).get("error").asText()).isEqualTo("audit_unavailable");

        assertThat(control.appended()).hasSize(appended);
        assertThat(audit.size()).isEqualTo(audited);
        assertThat(cipher.keys().isLive(keyId)).as("the subject's key").isTrue();
        JsonNode still = json(send("GET", "/api/v1/subjects/kept-k", analyst));
        assertThat(still.get("displayName").asText()).as("still readable").isEqualTo(NAME);
        assertThat(api.identity.commands().ledger().isErased("kept-k")).isFalse();
    }

    @Test
    void aKeyDestructionThatFailsAfterTheErasureCommittedIsReportedAndRetried() throws Exception {
        assertThat(create("late-l").statusCode()).isEqualTo(201);
        String keyId = upsertOf("late-l").getSealedSubject().getKeyId();

        store.failDestructions = true;
        HttpResponse<byte[]> erased;
        try {
            erased = send("DELETE", "/api/v1/subjects/late-l", admin);
        } finally {
            store.failDestructions = false;
        }
        assertThat(erased.statusCode()).as("the erasure stands: committed with its audit event").isEqualTo(200);
        assertThat(json(erased).get("keysDestroyed").asBoolean()).isFalse();
        assertThat(send("GET", "/api/v1/subjects/late-l", analyst).statusCode()).isEqualTo(404);
        assertThat(audit.events(0)).filteredOn(e -> e.getAction().equals(AuditActions.SUBJECT_ERASE))
                .anySatisfy(e -> assertThat(e.getSubject()).isEqualTo("late-l"));
        assertThat(cipher.keys().isLive(keyId)).isTrue();
        assertThat(api.identity.commands().pendingKeyDestructions()).containsExactly("late-l");

        // The next write retries the destruction first.
        assertThat(create("after-a").statusCode()).isEqualTo(201);
        assertThat(cipher.keys().isLive(keyId)).isFalse();
        assertThat(api.identity.commands().pendingKeyDestructions()).isEmpty();
    }

    private static ControlEvent upsertOf(String subjectId) {
        List<IdentityEvents.Keyed> upserts = control.appended().stream()
                .filter(k -> k.key().equals(subjectId) && k.event().getType() == ControlType.SUBJECT_UPSERTED).toList();
        assertThat(upserts).hasSize(1);
        return upserts.get(0).event();
    }

    private static HttpResponse<byte[]> create(String id) throws Exception {
        byte[] body = ("{\"id\": \"" + id + "\", \"displayName\": \"" + NAME + "\", \"attributes\": {\"team\": \"" + ATTRIBUTE
                + "\"}, \"consent\": {\"legalBasis\": \"explicit-consent\", \"purpose\": \"building access\"}}")
                .getBytes(StandardCharsets.UTF_8);
        return ApiRequests.send(api.server.port(), "POST", "/api/v1/subjects", admin, "application/json", body);
    }

    private static HttpResponse<byte[]> send(String method, String path, IssuedKey key) throws Exception {
        return ApiRequests.send(api.server.port(), method, path, key, null, null);
    }

    private static JsonNode json(HttpResponse<byte[]> response) throws Exception {
        return ApiRequests.json(response);
    }

    /** A real directory store whose destructions can be made to fail, as when the keys topic is down. */
    private static final class FailingDestructions implements DataKeyStore {
        private final DataKeyStore delegate;
        volatile boolean failDestructions;

        FailingDestructions(DataKeyStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public void put(WrappedDataKey key) {
            delegate.put(key);
        }

        @Override
        public void destroy(String keyId, WrappedDataKey destruction) {
            if (failDestructions) {
                throw new KeyStoreUnavailableException("the keys topic is unavailable (test)");
            }
            delegate.destroy(keyId, destruction);
        }

        @Override
        public Optional<WrappedDataKey> get(String keyId) {
            return delegate.get(keyId);
        }

        @Override
        public Optional<WrappedDataKey> destruction(String keyId) {
            return delegate.destruction(keyId);
        }

        @Override
        public Collection<WrappedDataKey> owned(DataKeyScope scope, String owner) {
            return delegate.owned(scope, owner);
        }

        @Override
        public Collection<WrappedDataKey> all() {
            return delegate.all();
        }

        @Override
        public long refusedRecords() {
            return delegate.refusedRecords();
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
