package io.biostream.operators.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biostream.operators.config.Settings;
import io.biostream.schemas.AssociatedData;
import io.biostream.schemas.DataKeyScope;
import io.biostream.schemas.EncryptedTemplate;
import io.biostream.schemas.WrappedDataKey;
import com.google.crypto.tink.Aead;
import com.google.crypto.tink.InsecureSecretKeyAccess;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.TinkProtoKeysetFormat;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
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
        assertThat(cipher.open(adaTemplate)).containsExactly(TestKeyRings.descriptor(1));

        assertThat(ring.destroySubject("ada")).containsExactly(ada.keyId());

        assertThatThrownBy(() -> cipher.open(adaTemplate)).isInstanceOf(TemplateErasedException.class);
        assertThat(cipher.readable(adaTemplate)).isFalse();
        assertThat(ring.existingSubjectKey("ada")).isEmpty();
        assertThat(cipher.open(bobTemplate)).containsExactly(TestKeyRings.descriptor(2));
        // A fresh process (new ring, same store and KEK) cannot open it either: the key is gone from disk.
        TemplateCipher fresh = new TemplateCipher(new TemplateKeyRing(new DirectoryDataKeyStore(dir.resolve("data-keys")),
                ring.kek(), clock));
        assertThatThrownBy(() -> fresh.open(adaTemplate)).isInstanceOf(TemplateErasedException.class);
        assertThat(fresh.open(bobTemplate)).containsExactly(TestKeyRings.descriptor(2));
        try (java.util.stream.Stream<Path> files = Files.list(dir.resolve("data-keys"))) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .containsExactlyInAnyOrder(bobTemplate.getKeyId() + ".key", ada.keyId() + ".destroyed");
        }
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
        assertThat(cipher.open(face)).containsExactly(TestKeyRings.descriptor(3));

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
        assertThat(fresh.open(ada)).containsExactly(TestKeyRings.descriptor(1));
        assertThat(fresh.open(face)).containsExactly(TestKeyRings.descriptor(2));
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
                (io.biostream.operators.config.KafkaConnection) null, "unused", Duration.ofDays(1), Duration.ofMinutes(1), Duration.ofSeconds(5));
        assertThatThrownBy(wrongSecret::openKeyRing).isInstanceOf(GeneralSecurityException.class)
                .hasMessageContaining("does not open with this master secret");
    }

    @Test
    void everyFieldOfAKeyRecordIsBoundToItsWrapSoAnEditedRecordIsNeverUsed() throws Exception {
        EncryptedTemplate face = seal("door-1/7/0", 3, ring.periodKey("door-1", T0, Duration.ofDays(1), Duration.ofDays(30)));
        WrappedDataKey original = store.get(face.getKeyId()).orElseThrow();
        assertThat(original.getBinding()).isEqualTo(TemplateKeyRing.BINDING);
        List<WrappedDataKey> edits = List.of(
                WrappedDataKey.newBuilder(original).setOwner("door-2").build(),
                WrappedDataKey.newBuilder(original).setScope(DataKeyScope.SUBJECT).build(),
                WrappedDataKey.newBuilder(original).setExpiresTime(null).build(),
                WrappedDataKey.newBuilder(original).setExpiresTime(original.getExpiresTime().plus(Duration.ofDays(365))).build(),
                WrappedDataKey.newBuilder(original).setCreatedTime(original.getCreatedTime().minusSeconds(1)).build(),
                WrappedDataKey.newBuilder(original).setPeriodStart(original.getPeriodStart().plusSeconds(1)).build(),
                WrappedDataKey.newBuilder(original).setPeriodEnd(null).build(),
                WrappedDataKey.newBuilder(original).setKek("aws-kms://elsewhere").build(),
                WrappedDataKey.newBuilder(original).setBinding(1).build());
        long refusedBefore = ring.refusedRecords();
        for (WrappedDataKey edited : edits) {
            store.put(edited);
            assertThatThrownBy(() -> cipher.open(face)).as("opened under %s", edited)
                    .isInstanceOf(DataKeyUnusableException.class);
            assertThat(cipher.readable(face)).isFalse();
        }
        assertThat(ring.refusedRecords()).isEqualTo(refusedBefore + edits.size());
        store.put(original);
        assertThat(cipher.open(face)).containsExactly(TestKeyRings.descriptor(3));
    }

    @Test
    void aReOwnedSubjectKeyIsStillDestroyedWithItsSubjectAndNeverComesBack() throws Exception {
        EncryptedTemplate ada = seal("enroll/ada/0", 1, ring.subjectKey("ada"));
        assertThat(cipher.open(ada)).containsExactly(TestKeyRings.descriptor(1));
        WrappedDataKey original = store.get(ada.getKeyId()).orElseThrow();
        store.put(WrappedDataKey.newBuilder(original).setOwner("mallory").build()); // so that ada's erasure would miss it

        assertThatThrownBy(() -> cipher.open(ada)).isInstanceOf(DataKeyUnusableException.class);
        assertThat(ring.destroySubject("ada")).containsExactly(ada.getKeyId());

        store.put(original); // the record as it was before the erasure, replayed
        assertThatThrownBy(() -> cipher.open(ada)).isInstanceOf(TemplateErasedException.class);
        TemplateCipher restarted = new TemplateCipher(new TemplateKeyRing(new DirectoryDataKeyStore(dir.resolve("data-keys")),
                ring.kek(), clock));
        assertThatThrownBy(() -> restarted.open(ada)).isInstanceOf(TemplateErasedException.class);
        assertThat(restarted.keys().destroyedTime(ada.getKeyId())).contains(T0);
    }

    @Test
    void aDestroyedKeyStaysDestroyedWhateverRecordArrivesLaterAndAForgedDestructionStillDestroys() throws Exception {
        EncryptedTemplate ada = seal("enroll/ada/0", 1, ring.subjectKey("ada"));
        EncryptedTemplate bob = seal("enroll/bob/0", 2, ring.subjectKey("bob"));
        WrappedDataKey beforeErasure = store.get(ada.getKeyId()).orElseThrow();
        ring.destroySubject("ada");

        store.put(beforeErasure);
        assertThatThrownBy(() -> cipher.open(ada)).isInstanceOf(TemplateErasedException.class);
        TemplateKeyRing restarted = new TemplateKeyRing(new DirectoryDataKeyStore(dir.resolve("data-keys")), ring.kek(), clock);
        assertThatThrownBy(() -> new TemplateCipher(restarted).open(ada)).isInstanceOf(TemplateErasedException.class);
        assertThat(restarted.existingSubjectKey("ada")).isEmpty();
        assertThat(restarted.destroyedTime(ada.getKeyId())).as("authenticated destruction time").contains(T0);

        // A destruction record nobody with the KEK wrote: the key is destroyed all the same (fail closed), and it is counted.
        WrappedDataKey bobKey = store.get(bob.getKeyId()).orElseThrow();
        store.destroy(bob.getKeyId(), WrappedDataKey.newBuilder(bobKey).setDestroyedTime(T0).build());
        assertThatThrownBy(() -> cipher.open(bob)).isInstanceOf(TemplateErasedException.class);
        long refused = restarted.refusedRecords();
        assertThat(restarted.destroyedTime(bob.getKeyId())).isEmpty();
        assertThat(restarted.refusedRecords()).isEqualTo(refused + 1);
    }

    @Test
    void aKeyFileUnderAnotherKeyIdIsRefused() throws Exception {
        EncryptedTemplate ada = seal("enroll/ada/0", 1, ring.subjectKey("ada"));
        Path keys = dir.resolve("data-keys");
        Files.copy(keys.resolve(ada.getKeyId() + ".key"), keys.resolve("dk_copied.key"));

        assertThat(store.get("dk_copied")).isEmpty();
        assertThat(ring.refusedRecords()).isEqualTo(1);
        EncryptedTemplate relabelled = EncryptedTemplate.newBuilder(ada).setKeyId("dk_copied").build();
        assertThatThrownBy(() -> cipher.open(relabelled)).isInstanceOf(TemplateErasedException.class);
        assertThat(cipher.open(ada)).containsExactly(TestKeyRings.descriptor(1));
    }

    @Test
    void garbageWrappedBytesWithAnOlderCreationTimeAreSkippedNotPickedAsTheOldest() throws Exception {
        TemplateKeyRing.DataKey good = ring.periodKey("door-1", T0, Duration.ofDays(1), Duration.ofDays(30));
        EncryptedTemplate face = seal("door-1/1/0", 4, good);
        WrappedDataKey stored = store.get(good.keyId()).orElseThrow();
        byte[] garbage = new byte[stored.getWrapped().remaining()];
        new Random(7).nextBytes(garbage);
        store.put(WrappedDataKey.newBuilder(stored).setKeyId("dk_garbage")
                .setCreatedTime(stored.getCreatedTime().minusSeconds(60)).setWrapped(ByteBuffer.wrap(garbage)).build());

        TemplateKeyRing restarted = new TemplateKeyRing(new DirectoryDataKeyStore(dir.resolve("data-keys")), ring.kek(), clock);
        assertThat(restarted.periodKey("door-1", T0.plusSeconds(60), Duration.ofDays(1), Duration.ofDays(30)).keyId())
                .isEqualTo(good.keyId());
        assertThat(restarted.periodKey("door-1", T0.plusSeconds(120), Duration.ofDays(1), Duration.ofDays(30)).keyId())
                .isEqualTo(good.keyId());
        assertThat(restarted.refusedRecords()).as("the garbage record, counted once").isEqualTo(1);
        assertThat(new TemplateCipher(restarted).open(face)).containsExactly(TestKeyRings.descriptor(4));
    }

    @Test
    void aRecordWrappedBeforeItsFieldsWereBoundIsRefusedUntilAKekRotationRewrapsIt() throws Exception {
        KeysetHandle keyset = KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM);
        byte[] plain = TinkProtoKeysetFormat.serializeKeyset(keyset, InsecureSecretKeyAccess.get());
        String keyId = "dk_legacy";
        store.put(WrappedDataKey.newBuilder() // as stored before binding 2: the key id is the only associated data
                .setKeyId(keyId)
                .setScope(DataKeyScope.SUBJECT)
                .setOwner("ada")
                .setCreatedTime(T0)
                .setKek(ring.kek().reference())
                .setWrapped(ByteBuffer.wrap(ring.kek().wrap(plain, ("biostream-data-key-v1|" + keyId).getBytes(StandardCharsets.UTF_8))))
                .build());
        EncryptedTemplate legacy = seal("enroll/ada/0", 5, new TemplateKeyRing.DataKey(keyId,
                keyset.getPrimitive(RegistryConfiguration.get(), Aead.class)));
        assertThat(store.get(keyId).orElseThrow().getBinding()).isEqualTo(1);
        assertThatThrownBy(() -> cipher.open(legacy)).isInstanceOf(DataKeyUnusableException.class)
                .hasMessageContaining("KEK rotation");

        assertThat(ring.rotateKek()).isEqualTo(1);

        assertThat(store.get(keyId).orElseThrow().getBinding()).isEqualTo(TemplateKeyRing.BINDING);
        assertThat(cipher.open(legacy)).containsExactly(TestKeyRings.descriptor(5));
        assertThat(ring.existingSubjectKey("ada").orElseThrow().keyId()).isEqualTo(keyId);
    }

    @Test
    void aShortenedRetentionShortensTheLifeOfPeriodKeysSealedBefore() throws Exception {
        Duration day = Duration.ofDays(1);
        TemplateKeyRing.DataKey key = ring.periodKey("door-1", T0, day, Duration.ofDays(30));
        TemplateKeyRing.DataKey other = ring.periodKey("door-2", T0, day, Duration.ofDays(30));
        EncryptedTemplate face = seal("door-1/1/0", 6, key);
        EncryptedTemplate otherFace = seal("door-2/1/0", 7, other);
        Instant periodEnd = Instant.parse("2026-11-27T00:00:00Z");
        clock.set(periodEnd.plus(Duration.ofDays(2)));
        assertThat(cipher.open(face)).containsExactly(TestKeyRings.descriptor(6));

        Map<String, Duration> retentionInForce = new java.util.concurrent.ConcurrentHashMap<>(Map.of("door-1", day));
        ring.useRetention(retentionInForce::get); // door-1's retention lowered to a day; door-2 not known: as stored

        assertThatThrownBy(() -> cipher.open(face)).isInstanceOf(TemplateErasedException.class);
        assertThat(cipher.open(otherFace)).containsExactly(TestKeyRings.descriptor(7));
        assertThat(ring.destroyExpired()).isEqualTo(1);
        assertThat(store.get(key.keyId())).isEmpty();
        assertThat(ring.destroyedTime(key.keyId())).as("cut short: recorded as destroyed").contains(clock.instant());
        // Raising the retention again does not bring it back.
        retentionInForce.put("door-1", Duration.ofDays(365));
        assertThatThrownBy(() -> cipher.open(face)).isInstanceOf(TemplateErasedException.class);
        // A new frame of door-1 gets a key of its own again.
        assertThat(ring.periodKey("door-1", clock.instant(), day, Duration.ofDays(1)).keyId()).isNotEqualTo(key.keyId());
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
        return cipher.seal(faceId, TestKeyRings.descriptor(seed), new AssociatedData("cam", (long) seed, 0), MODEL, key);
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
