package io.biostream.operators.functions;

import io.biostream.operators.config.AnalyticsConfig;
import io.biostream.operators.config.KafkaConnection;
import io.biostream.operators.config.Settings;
import io.biostream.operators.config.Topics;
import io.biostream.operators.crypto.CameraAuthConfig;
import io.biostream.operators.crypto.CryptoConfig;
import io.biostream.operators.decode.DecodeLimits;
import io.biostream.operators.identity.ControlSigningConfig;
import io.biostream.operators.identity.IdentityConfig;
import java.io.Serializable;
import io.biostream.operators.vision.BatchConfig;
import io.biostream.operators.vision.VisionConfig;
import io.biostream.operators.vision.WarmupConfig;
import io.biostream.schemas.MatchSettings;

/** The pipeline job's configuration, with defaults, validated when built. */
public record PipelineConfig(
        KafkaConnection kafka,
        String groupId,
        Topics topics,
        String transactionalIdPrefix,
        long transactionTimeoutMs,
        DecodeLimits decodeLimits,
        int deadLetterMaxOriginalBytes,
        CryptoConfig crypto,
        VisionConfig vision,
        IdentityConfig identity,
        ControlSigningConfig controlSigning,
        CameraAuthConfig cameras,
        AnalyticsConfig analytics,
        BatchConfig batch,
        WarmupConfig warmup) implements Serializable {

    /** Kafka's default transaction.max.timeout.ms on the broker; the producer's timeout must not exceed it. */
    public static final long BROKER_DEFAULT_MAX_TRANSACTION_TIMEOUT_MS = 900_000L;

    public static PipelineConfig from(Settings s) {
        KafkaConnection kafka = KafkaConnection.from(s);
        return new PipelineConfig(
                kafka,
                s.get("biostream.kafka.group-id", "biostream-pipeline"),
                Topics.from(s),
                s.get("biostream.kafka.transactional-id-prefix", "biostream-pipeline"),
                s.getLong("biostream.kafka.transaction-timeout-ms", 600_000L, 10_000L, BROKER_DEFAULT_MAX_TRANSACTION_TIMEOUT_MS),
                DecodeLimits.from(s),
                s.getInt("biostream.dlq.max-original-bytes", 64 * 1024, 0, 16 * 1024 * 1024),
                CryptoConfig.fromConnection(s, kafka, Topics.from(s).keys()),
                VisionConfig.from(s),
                IdentityConfig.from(s),
                ControlSigningConfig.from(s),
                CameraAuthConfig.from(s),
                AnalyticsConfig.from(s),
                BatchConfig.from(s),
                WarmupConfig.from(s));
    }

    /** The Kafka cluster's bootstrap servers (the connection is {@link #kafka()}). */
    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /**
     * The match settings in force until the first SETTINGS_CHANGED (version 0): the identity
     * defaults with the vision path's gate and detector. The one source for the job's broadcast
     * state and the API's ledger, so a settings change that names only some fields keeps the
     * deployment's values for the rest (its retention included).
     */
    public MatchSettings defaultMatchSettings() {
        return identity.defaultSettings(vision);
    }

    /** Largest Kafka record value worth parsing: the image limit plus room for the Avro envelope. */
    public long maxRecordBytes() {
        return decodeLimits.maxFrameBytes() + 64 * 1024;
    }
}
