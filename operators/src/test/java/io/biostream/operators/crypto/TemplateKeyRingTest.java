package io.biostream.operators.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biostream.operators.config.Settings;
import io.biostream.schemas.AssociatedData;
import io.biostream.schemas.DataKeyScope;
import io.biostream.schemas.EncryptedTemplate;
import io.biostream.schemas.WrappedDataKey;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The key hierarchy with real Tink keys and files: a local KEK under a master secret, data keys in a directory. */
class TemplateKeyRingTest {
    private static final Instant T0 = Instant.parse("2026-11-26T10:00:00Z");
    private static final String MODEL = "face-api-recognition-1.7.15";

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(T0);
    private DirectoryDataKeyStore store;
    private TemplateKeyRing ring;
    private TemplateCipher cipher;
    private String kekUri;

    @BeforeEach
    void open() throws Exception {
        Map<String, String> files = LocalKeyFiles.prepare(dir);
        kekUri = files.get(CryptoConfig.KEK_URI);
        CryptoConfig config = CryptoConfig.from(Settings.of(TestKeyRings.directorySettings(dir)), null, "unused");
        store = new DirectoryDataKeyStore(dir.resolve("data-keys"));
        ring = new TemplateKeyRing(store, KeyEncryptionKey.resolve(kekUri, config.localKms()), clock);
        cipher = new TemplateCipher(ring);
    }

    @Test
    void aSubjectHasOneKeyAndErasingItMakesEveryTemplateOfTheSubjectUnreadable() throws Exception {
        TemplateKeyRing.DataKey ada = ring.subjectKey("ada");
        assertThat(ring.subjectKey("ada").keyId()).isEqualTo(ada.keyId());
        EncryptedTemplate adaTemplate = seal("enroll/ada/0", 1, ada);
        EncryptedTemplate bobTemplate = seal("enroll/bob/0", 2, ring.subjectKey("bob"));
        assertThat(adaTemplate.getKeyId()).isEqualTo(ada.keyId());
        assertThat(cipher.open(adaTemplate)).containsExactly(descriptor(1));

        assertThat(ring.destroySubject("ada")).containsExactly(ada.keyId());

        assertThatThrownBy(() -> cipher.open(adaTemplate)).isInstanceOf(TemplateErasedException.class);
        assertThat(cipher.readable(adaTemplate)).isFalse();
        assertThat(ring.existingSubjectKey("ada")).isEmpty();
        assertThat(cipher.open(bobTemplate)).containsExactly(descriptor(2));
        // A fresh process (new ring, same store and KEK) cannot open it either: the key is gone from disk.
        TemplateCipher fresh = new TemplateCipher(new TemplateKeyRing(new DirectoryDataKeyStore(dir.resolve("data-keys")),
                ring.kek(), clock));
        assertThatThrownBy(() -> fresh.open(adaTemplate)).isInstanceOf(TemplateErasedException.class);
        assertThat(fresh.open(bobTemplate)).containsExactly(descriptor(2));
        assertThat(Files.list(dir.resolve("data-keys")).count()).isEqualTo(1);
    }

    @Test
    void periodKeysArePerCameraAndPeriodAndExpireWithTheRetention() throws Exception {
        Duration day = Duration.ofDays(1);
        Duration retention = Duration.ofDays(30);
        TemplateKeyRing.DataKey morning = ring.periodKey("door-1", T0, day, retention);
        assertThat(ring.periodKey("door-1", T0.plusSeconds(3600), day, retention).keyId()).isEqualTo(morning.keyId());
        assertThat(ring.periodKey("door-2", T0, day, retention).keyId()).isNotEqualTo(morning.keyId());
        TemplateKeyRing.DataKey nextDay = ring.periodKey("door-1", T0.plus(day), day, retention);
        assertThat(nextDay.keyId()).isNotEqualTo(morning.keyId());
        WrappedDataKey stored = store.get(morning.keyId()).orElseThrow();
        assertThat(stored.getScope()).isEqualTo(DataKeyScope.PERIOD);
        assertThat(stored.getOwner()).isEqualTo("door-1");
        assertThat(stored.getPeriodStart()).isEqualTo(Instant.parse("2026-11-26T00:00:00Z"));
        assertThat(stored.getExpiresTime()).isEqualTo(Instant.parse("2026-12-27T00:00:00Z"));

        EncryptedTemplate face = seal("door-1/7/0", 3, morning);
        clock.set(stored.getExpiresTime().minusMillis(1));
        assertThat(cipher.open(face)).containsExactly(descriptor(3));

        clock.set(stored.getExpiresTime());
        // Expired counts as destroyed at once, before the sweep writes the tombstone.
        assertThatThrownBy(() -> cipher.open(face)).isInstanceOf(TemplateErasedException.class);
        assertThat(store.get(morning.keyId())).isPresent();
        assertThat(ring.destroyExpired()).isEqualTo(2); // both cameras' first-day keys
        assertThat(store.get(morning.keyId())).isEmpty();
        assertThat(ring.isLive(nextDay.keyId())).isTrue();
        // A new frame of the camera gets a new key, not the expired one.
        assertThat(ring.periodKey("door-1", T0, day, retention).keyId()).isNotEqualTo(morning.keyId());
    }

    @Test
    void rotatingTheKekRewrapsEveryDataKeyWithoutTouchingTemplates() throws Exception {
        EncryptedTemplate ada = seal("enroll/ada/0", 1, ring.subjectKey("ada"));
        EncryptedTemplate face = seal("door-1/1/0", 2, ring.periodKey("door-1", T0, Duration.ofDays(1), Duration.ofDays(30)));
        WrappedDataKey before = store.get(ada.getKeyId()).orElseThrow();

        assertThat(ring.rotateKek()).isEqualTo(2);

        WrappedDataKey after = store.get(ada.getKeyId()).orElseThrow();
        assertThat(after.getWrapped()).isNotEqualTo(before.getWrapped());
        assertThat(after.getKek()).isNotEqualTo(before.getKek());
        // A process that starts now (keys unwrapped afresh) opens the old templates.
        TemplateCipher fresh = new TemplateCipher(new TemplateKeyRing(new DirectoryDataKeyStore(dir.resolve("data-keys")),
                KeyEncryptionKey.resolve(kekUri, CryptoConfig.from(Settings.of(TestKeyRings.directorySettings(dir)), null, "x").localKms()), clock));
        assertThat(fresh.open(ada)).containsExactly(descriptor(1));
        assertThat(fresh.open(face)).containsExactly(descriptor(2));
        // The old KEK key is deleted: the data key as wrapped before the rotation no longer unwraps.
        store.put(before);
        TemplateCipher afterRestoreOfOldRecord = new TemplateCipher(new TemplateKeyRing(
                new DirectoryDataKeyStore(dir.resolve("data-keys")), ring.kek(), clock));
        assertThatThrownBy(() -> afterRestoreOfOldRecord.open(ada)).isInstanceOf(GeneralSecurityException.class);
    }

    @Test
    void aWrappedKeyIsBoundToItsIdAndTheKekToItsMasterSecret() throws Exception {
        EncryptedTemplate ada = seal("enroll/ada/0", 1, ring.subjectKey("ada"));
        WrappedDataKey wrapped = store.get(ada.getKeyId()).orElseThrow();
        store.put(WrappedDataKey.newBuilder(wrapped).setKeyId("dk_copied").build());
        EncryptedTemplate relabelled = EncryptedTemplate.newBuilder(ada).setKeyId("dk_copied").build();
        assertThatThrownBy(() -> cipher.open(relabelled)).isInstanceOf(GeneralSecurityException.class);

        Path otherSecret = dir.resolve("other.secret");
        SecretFiles.writeOwnerOnly(otherSecret, MasterSecret.generate());
        CryptoConfig wrongSecret = new CryptoConfig(kekUri, otherSecret.toString(), "directory:" + dir.resolve("data-keys"),
                null, "unused", Duration.ofDays(1), Duration.ofMinutes(1), Duration.ofSeconds(5));
        assertThatThrownBy(wrongSecret::openKeyRing).isInstanceOf(GeneralSecurityException.class)
                .hasMessageContaining("does not open with this master secret");
    }

    @Test
    void masterSecretsMustBeLongAndPrivate() throws Exception {
        Path shortSecret = dir.resolve("short.secret");
        SecretFiles.writeOwnerOnly(shortSecret, java.util.Base64.getEncoder().encodeToString(new byte[16]));
        assertThatThrownBy(() -> MasterSecret.read(shortSecret, null)).hasMessageContaining("at least 32");
        Path shared = dir.resolve("shared.secret");
        Files.writeString(shared, MasterSecret.generate());
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> MasterSecret.read(shared, null)).hasMessageContaining("readable or writable by others");
        assertThatThrownBy(() -> MasterSecret.read(null, null)).hasMessageContaining(MasterSecret.ENV);
        assertThatThrownBy(() -> MasterSecret.read(null, "not base64 !")).hasMessageContaining("not base64");
        assertThat(MasterSecret.read(null, MasterSecret.generate())).hasSize(32);
    }

    @Test
    void anUnknownKmsUriIsAClearStartUpError() {
        assertThatThrownBy(() -> KeyEncryptionKey.resolve("aws-kms://arn:aws:kms:eu-west-1:0:key/x", null))
                .isInstanceOf(GeneralSecurityException.class).hasMessageContaining("no KMS client");
        assertThatThrownBy(() -> new CryptoConfig("", null, "kafka", "127.0.0.1:9092", "k", Duration.ofDays(1),
                Duration.ofMinutes(1), Duration.ofSeconds(5))).hasMessageContaining(CryptoConfig.KEK_URI);
        assertThatThrownBy(() -> new CryptoConfig(kekUri, null, "s3", "127.0.0.1:9092", "k", Duration.ofDays(1),
                Duration.ofMinutes(1), Duration.ofSeconds(5))).hasMessageContaining(CryptoConfig.KEY_STORE);
        assertThatThrownBy(() -> new CryptoConfig(kekUri, null, "kafka", "127.0.0.1:9092", "k", Duration.ofMillis(10),
                Duration.ofMinutes(1), Duration.ofSeconds(5))).hasMessageContaining(CryptoConfig.PERIOD);
    }

    private EncryptedTemplate seal(String faceId, int seed, TemplateKeyRing.DataKey key) {
        return cipher.seal(faceId, descriptor(seed), new AssociatedData("cam", (long) seed, 0), MODEL, key);
    }

    private static float[] descriptor(int seed) {
        Random random = new Random(seed);
        float[] d = new float[128];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) random.nextGaussian() * 0.1f;
        }
        return d;
    }

    private static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void set(Instant instant) {
            now = instant;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
