package io.biostream.operators.crypto;

import io.biostream.operators.config.KafkaConnection;
import io.biostream.operators.config.Settings;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;

/**
 * Where the template keys come from, with defaults, validated when built. Holds no secret: the
 * master secret is read from its file or the environment when a key ring opens, so it never
 * travels in a job graph or a config dump.
 *
 * @param kekUri           the key-encryption key: {@code biostream-local://<keyset file>} or a KMS key URI
 * @param masterSecretFile the local keyset's master secret file, or null to read {@value MasterSecret#ENV}
 * @param keyStore         {@code kafka} (the keys topic) or {@code directory:<path>}
 * @param kafka            Kafka, for the kafka key store (null with a directory store)
 * @param keysTopic        the compacted topic of wrapped data keys
 * @param period           length of the periods of the keys of faces of people not enrolled
 * @param sweepInterval    how often expired data keys are destroyed (they count as destroyed from expiry on)
 * @param storeTimeout     how long a key store write or catch-up may take
 */
public record CryptoConfig(
        String kekUri,
        String masterSecretFile,
        String keyStore,
        KafkaConnection kafka,
        String keysTopic,
        Duration period,
        Duration sweepInterval,
        Duration storeTimeout) implements Serializable {

    public static final String KEK_URI = "biostream.crypto.kek-uri";
    public static final String MASTER_SECRET_FILE = "biostream.crypto.master-secret-file";
    public static final String KEY_STORE = "biostream.crypto.key-store";
    public static final String PERIOD = "biostream.crypto.period";
    public static final String SWEEP_INTERVAL = "biostream.crypto.expiry-sweep-interval";
    public static final String STORE_TIMEOUT = "biostream.crypto.store-timeout";
    private static final String DIRECTORY = "directory:";

    public CryptoConfig {
        require(kekUri != null && !kekUri.isBlank(), KEK_URI, "is required: " + LocalKeysetKms.PREFIX + "<keyset file> or a KMS key URI");
        require(keyStore != null && (keyStore.equals("kafka") || (keyStore.startsWith(DIRECTORY) && keyStore.length() > DIRECTORY.length())),
                KEY_STORE, "must be 'kafka' or 'directory:<path>', got '" + keyStore + "'");
        require(!keyStore.equals("kafka") || kafka != null,
                KEY_STORE, "kafka needs biostream.kafka.bootstrap-servers");
        require(period != null && period.compareTo(Duration.ofSeconds(1)) >= 0 && period.compareTo(Duration.ofDays(31)) <= 0,
                PERIOD, "must be between 1 s and 31 days, got " + period);
        require(sweepInterval != null && sweepInterval.compareTo(Duration.ofMillis(100)) >= 0 && sweepInterval.compareTo(Duration.ofDays(1)) <= 0,
                SWEEP_INTERVAL, "must be between 100 ms and 1 day, got " + sweepInterval);
        require(storeTimeout != null && !storeTimeout.isNegative() && !storeTimeout.isZero() && storeTimeout.compareTo(Duration.ofMinutes(10)) <= 0,
                STORE_TIMEOUT, "must be more than 0 and at most 10 min, got " + storeTimeout);
    }

    /** An unauthenticated connection to {@code bootstrapServers} (null: none) for the kafka key store. */
    public CryptoConfig(String kekUri, String masterSecretFile, String keyStore, String bootstrapServers, String keysTopic,
            Duration period, Duration sweepInterval, Duration storeTimeout) {
        this(kekUri, masterSecretFile, keyStore, bootstrapServers == null ? null : KafkaConnection.plaintext(bootstrapServers),
                keysTopic, period, sweepInterval, storeTimeout);
    }

    /** With {@code s}'s Kafka security ({@link KafkaConnection}) to {@code bootstrapServers} (null: none, for a directory store). */
    public static CryptoConfig from(Settings s, String bootstrapServers, String keysTopic) {
        return fromConnection(s, bootstrapServers == null ? null : KafkaConnection.from(s, bootstrapServers), keysTopic);
    }

    public static CryptoConfig fromConnection(Settings s, KafkaConnection kafka, String keysTopic) {
        return new CryptoConfig(
                s.require(KEK_URI),
                s.get(MASTER_SECRET_FILE, null),
                s.get(KEY_STORE, "kafka"),
                kafka,
                keysTopic,
                s.getDuration(PERIOD, Duration.ofDays(1)),
                s.getDuration(SWEEP_INTERVAL, Duration.ofMinutes(1)),
                s.getDuration(STORE_TIMEOUT, Duration.ofSeconds(30)));
    }

    /** Resolves the KEK (reading the master secret for a local keyset). */
    public KeyEncryptionKey kek() throws GeneralSecurityException, IOException {
        return KeyEncryptionKey.resolve(kekUri, localKms());
    }

    /** Resolves the KEK and opens the key store. */
    public TemplateKeyRing openKeyRing() throws GeneralSecurityException, IOException {
        KeyEncryptionKey kek = kek();
        DataKeyStore store = keyStore.startsWith(DIRECTORY)
                ? new DirectoryDataKeyStore(Path.of(keyStore.substring(DIRECTORY.length())))
                : KafkaDataKeyStore.open(kafka, keysTopic, storeTimeout);
        return new TemplateKeyRing(store, kek, Clock.systemUTC());
    }

    /** The local keyset KMS when the KEK URI names one (needs the master secret), else null. */
    public LocalKeysetKms localKms() throws GeneralSecurityException, IOException {
        if (!kekUri.startsWith(LocalKeysetKms.PREFIX)) {
            return null;
        }
        byte[] secret = MasterSecret.read(masterSecretFile == null ? null : Path.of(masterSecretFile), System.getenv(MasterSecret.ENV));
        try {
            return new LocalKeysetKms(MasterSecret.aead(secret));
        } finally {
            java.util.Arrays.fill(secret, (byte) 0);
        }
    }

    private static void require(boolean ok, String key, String problem) {
        if (!ok) {
            throw new Settings.ConfigException(key, problem);
        }
    }
}
