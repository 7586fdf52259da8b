package io.biostream.operators.identity;

import io.biostream.operators.config.KafkaConnection;

import io.biostream.operators.config.TopicFollower;
import io.biostream.schemas.ControlEvent;
import io.biostream.schemas.WireFormat;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import com.google.crypto.tink.PublicKeyVerify;
import org.apache.kafka.common.header.Header;
import org.apache.avro.AvroRuntimeException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the control topic (one partition) from its beginning into an {@link IdentityLedger} and
 * keeps following it ({@link TopicFollower}). A record whose signature does not verify
 * ({@link ControlSignatures}) or that does not decode is logged and skipped: the ledger never
 * stops on one bad event, and nobody but the signing API changes it.
 */
public final class ControlTopicFollower implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ControlTopicFollower.class);

    private final TopicFollower follower;

    /** @param verifier the control verification keys: records whose signature does not verify are skipped */
    public ControlTopicFollower(String bootstrapServers, String topic, IdentityLedger ledger, PublicKeyVerify verifier) {
        this(KafkaConnection.plaintext(bootstrapServers), topic, ledger, verifier);
    }

    /** @param verifier the control verification keys: records whose signature does not verify are skipped */
    public ControlTopicFollower(KafkaConnection kafka, String topic, IdentityLedger ledger, PublicKeyVerify verifier) {
        Objects.requireNonNull(ledger, "ledger");
        Objects.requireNonNull(verifier, "verifier");
        this.follower = new TopicFollower(kafka, topic, "biostream-control-follower", record -> apply(ledger, verifier, record));
    }

    /** Starts following from the beginning of the topic. */
    public ControlTopicFollower start() {
        follower.start();
        return this;
    }

    /** Waits until the record at {@code offset} is applied to the ledger; false when not within the timeout. */
    public boolean awaitOffset(long offset, Duration timeout) throws InterruptedException {
        return follower.awaitOffset(offset, timeout);
    }

    /** Waits until everything that was in the topic when the follower started is applied. */
    public boolean awaitReplay(Duration timeout) throws InterruptedException {
        return follower.awaitReplay(timeout);
    }

    /** The next offset to apply. */
    public long position() {
        return follower.position();
    }

    private static void apply(IdentityLedger ledger, PublicKeyVerify verifier, ConsumerRecord<String, byte[]> record) {
        byte[] value = record.value() == null ? new byte[0] : record.value();
        Header signature = record.headers().lastHeader(ControlSignatures.HEADER);
        Optional<String> forged = ControlSignatures.problem(value, signature == null ? null : signature.value(), verifier);
        if (forged.isPresent()) {
            LOG.error("control record at offset {} (key {}) refused, not applied: {}", record.offset(), record.key(), forged.get());
            ledger.refused(record.offset(), forged.get());
            return;
        }
        ControlEvent event;
        try {
            event = WireFormat.decode(ControlEvent.class, value);
        } catch (IOException | AvroRuntimeException e) {
            LOG.error("control record at offset {} (key {}) does not decode as a ControlEvent; skipped: {}",
                    record.offset(), record.key(), e.getMessage());
            return;
        }
        ledger.apply(event);
    }

    @Override
    public void close() {
        follower.close();
    }
}
