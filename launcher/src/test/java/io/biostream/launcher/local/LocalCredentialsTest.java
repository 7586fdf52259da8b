package io.biostream.launcher.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.biostream.api.auth.ApiKey;
import io.biostream.api.auth.ApiKeyStore;
import io.biostream.api.auth.IssuedKey;
import io.biostream.api.auth.Permission;
import io.biostream.api.auth.Role;
import io.biostream.operators.crypto.SecretFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalCredentialsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path var;

    @Test
    void aFirstStartIssuesOneKeyPerRoleWrittenOnceOwnerOnly() throws Exception {
        LocalCredentials.Issued first = LocalCredentials.openStore(var);
        LocalCredentials issued = first.credentials().orElseThrow();
        Path file = var.resolve(LocalCredentials.FILE);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        JsonNode json = JSON.readTree(file.toFile());
        assertThat(json.get("apiKey").asText()).isEqualTo(issued.key(Role.ADMIN));
        assertThat(json.get("keys").fieldNames()).toIterable().containsExactlyInAnyOrder("admin", "analyst", "auditor", "camera", "monitor");

        ApiKeyStore reloaded = ApiKeyStore.load(var.resolve(LocalCredentials.STORE));
        for (Role role : Role.values()) {
            ApiKey key = reloaded.authenticate(LocalCredentials.read(var).key(role)).orElseThrow();
            assertThat(key.roles()).as(role.wireName()).containsExactly(role);
            assertThat(key.permissions()).as(role.wireName())
                    .isEqualTo(role == Role.ANALYST ? EnumSet.of(Permission.DESCRIPTORS) : EnumSet.noneOf(Permission.class));
        }
        assertThat(issued.toString()).doesNotContain(issued.key(Role.ADMIN));

        LocalCredentials.Issued second = LocalCredentials.openStore(var);
        assertThat(second.credentials()).as("no new keys on a second start").isEmpty();
        assertThat(second.store().keys()).hasSize(Role.values().length);
    }

    @Test
    void deletingTheCredentialsFileDoesNotIssueNewKeys() throws Exception {
        LocalCredentials.openStore(var);
        Files.delete(var.resolve(LocalCredentials.FILE));
        LocalCredentials.Issued again = LocalCredentials.openStore(var);
        assertThat(again.credentials()).isEmpty();
        assertThat(again.store().keys()).hasSize(Role.values().length);
        assertThat(var.resolve(LocalCredentials.FILE)).doesNotExist();
    }

    @Test
    void aVarDirectoryWithTheOldSingleKeyGetsTheNewSetAndTheOldKeyIsRevoked() throws Exception {
        ApiKeyStore old = new ApiKeyStore();
        // the four roles there were then (no monitor role)
        IssuedKey legacy = old.generate(LocalCredentials.LEGACY_KEY_NAME,
                EnumSet.of(Role.CAMERA, Role.ANALYST, Role.ADMIN, Role.AUDITOR), EnumSet.of(Permission.DESCRIPTORS));
        old.save(var.resolve(LocalCredentials.STORE));
        SecretFiles.writeOwnerOnly(var.resolve(LocalCredentials.FILE), JSON.writeValueAsString(Map.of("apiKey", legacy.plaintext())));

        LocalCredentials.Issued migrated = LocalCredentials.openStore(var);
        LocalCredentials issued = migrated.credentials().orElseThrow();
        assertThat(migrated.store().authenticate(legacy.plaintext())).isEmpty();
        assertThat(ApiKeyStore.load(var.resolve(LocalCredentials.STORE)).authenticate(legacy.plaintext())).isEmpty();
        assertThat(LocalCredentials.read(var).key(Role.CAMERA)).isEqualTo(issued.key(Role.CAMERA));
        assertThat(migrated.store().keys()).hasSize(Role.values().length);
    }
}
