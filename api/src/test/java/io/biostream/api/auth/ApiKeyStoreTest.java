package io.biostream.api.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiKeyStoreTest {
    @TempDir
    Path dir;

    @Test
    void aNewStoreHasNoKeyAndRefusesEveryone() {
        ApiKeyStore store = new ApiKeyStore();
        assertThat(store.isEmpty()).isTrue();
        assertThat(store.authenticate("bsk_0000000000000000_" + "A".repeat(43))).isEmpty();
        assertThat(store.authenticate("")).isEmpty();
        assertThat(store.authenticate(null)).isEmpty();
    }

    @Test
    void aGeneratedKeyAuthenticatesWithItsRolesAndPermissions() {
        ApiKeyStore store = new ApiKeyStore();
        IssuedKey issued = store.generate("investigator", Set.of(Role.ANALYST), Set.of(Permission.DESCRIPTORS));
        assertThat(issued.plaintext()).startsWith("bsk_" + issued.key().id() + "_").hasSize(4 + 16 + 1 + 43);
        ApiKey key = store.authenticate(issued.plaintext()).orElseThrow();
        assertThat(key.id()).isEqualTo(issued.key().id());
        assertThat(key.name()).isEqualTo("investigator");
        assertThat(key.has(Role.ANALYST)).isTrue();
        assertThat(key.has(Role.ADMIN)).isFalse();
        assertThat(key.has(Permission.DESCRIPTORS)).isTrue();
        assertThat(issued.toString()).doesNotContain(issued.plaintext());
    }

    @Test
    void keysDifferAndAChangedSecretIsRefused() {
        ApiKeyStore store = new ApiKeyStore();
        IssuedKey a = store.generate("a", Set.of(Role.ANALYST), Set.of());
        IssuedKey b = store.generate("b", Set.of(Role.ANALYST), Set.of());
        assertThat(a.plaintext()).isNotEqualTo(b.plaintext());
        String bSecretOnAId = a.plaintext().substring(0, 21) + b.plaintext().substring(21);
        assertThat(store.authenticate(bSecretOnAId)).isEmpty();
        char last = a.plaintext().charAt(a.plaintext().length() - 1);
        assertThat(store.authenticate(a.plaintext().substring(0, a.plaintext().length() - 1) + (last == 'x' ? 'y' : 'x')))
                .isEmpty();
    }

    @Test
    void revokedKeysNoLongerAuthenticate() {
        ApiKeyStore store = new ApiKeyStore();
        IssuedKey issued = store.generate("old", Set.of(Role.ANALYST), Set.of());
        assertThat(store.revoke(issued.key().id())).isTrue();
        assertThat(store.authenticate(issued.plaintext())).isEmpty();
        assertThat(store.revoke(issued.key().id())).isFalse();
    }

    @Test
    void savesHashesOnlyToAnOwnerOnlyFileAndLoadsThemBack() throws IOException {
        ApiKeyStore store = new ApiKeyStore();
        IssuedKey analyst = store.generate("dashboard", Set.of(Role.ANALYST), Set.of());
        IssuedKey auditor = store.generate("auditor", Set.of(Role.AUDITOR, Role.ANALYST), Set.of(Permission.DESCRIPTORS));
        Path file = dir.resolve("keys/api-keys.json");
        store.save(file);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        String text = Files.readString(file, StandardCharsets.UTF_8);
        assertThat(text).doesNotContain(analyst.plaintext()).doesNotContain(analyst.plaintext().substring(21))
                .doesNotContain(auditor.plaintext().substring(21))
                .contains("\"analyst\"").contains("\"descriptors\"").contains("sha256");

        ApiKeyStore loaded = ApiKeyStore.load(file);
        assertThat(loaded.keys()).containsExactlyInAnyOrderElementsOf(store.keys());
        assertThat(loaded.authenticate(analyst.plaintext()).orElseThrow().roles()).containsExactly(Role.ANALYST);
        assertThat(loaded.authenticate(auditor.plaintext()).orElseThrow().permissions())
                .containsExactly(Permission.DESCRIPTORS);
    }

    @Test
    void refusesKeysWithoutRolesOrWithUnprintableNames() {
        ApiKeyStore store = new ApiKeyStore();
        assertThatThrownBy(() -> store.generate("nobody", Set.of(), Set.of())).hasMessageContaining("role");
        assertThatThrownBy(() -> store.generate("line\nbreak", Set.of(Role.ANALYST), Set.of())).hasMessageContaining("name");
    }

    @Test
    void loadRefusesBrokenStoresWithAClearMessage() throws IOException {
        Path missing = dir.resolve("missing.json");
        assertThatThrownBy(() -> ApiKeyStore.load(missing)).hasMessageContaining("not found");

        Path garbage = Files.writeString(dir.resolve("garbage.json"), "{not json");
        assertThatThrownBy(() -> ApiKeyStore.load(garbage)).hasMessageContaining("not valid JSON");

        Path future = Files.writeString(dir.resolve("future.json"), "{\"version\": 2, \"keys\": []}");
        assertThatThrownBy(() -> ApiKeyStore.load(future)).hasMessageContaining("format version 2");

        ApiKeyStore store = new ApiKeyStore();
        store.generate("x", Set.of(Role.ANALYST), Set.of());
        Path good = dir.resolve("good.json");
        store.save(good);
        Path unknownRole = Files.writeString(dir.resolve("role.json"),
                Files.readString(good).replace("\"analyst\"", "\"superuser\""));
        assertThatThrownBy(() -> ApiKeyStore.load(unknownRole)).hasMessageContaining("unknown role 'superuser'");
    }
}
