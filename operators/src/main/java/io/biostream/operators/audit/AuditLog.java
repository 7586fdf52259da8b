package io.biostream.operators.audit;

import com.google.crypto.tink.KeysetHandle;
import io.biostream.operators.config.KafkaClients;
import io.biostream.operators.config.KafkaConnection;
import io.biostream.schemas.AuditEvent;
import io.biostream.schemas.AuditOutcome;
import io.biostream.schemas.WireFormat;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit trail on Kafka: chains each entry ({@link AuditChain}) and writes it to the audit topic
 * (key: actor), waiting for the broker's acknowledgement, so that {@link #record} returns only once
 * the event is durable. {@link #recordWith} writes an event together with other records (control
 * events) in one Kafka transaction: both are committed or neither.
 *
 * <p>The writer continues only a tail it can vouch for. On open (and after a failed write) it
 * verifies the topic from its last signed checkpoint, which it keeps outside the topic in an
 * {@link AuditHeadFile} with its last written event: the events after that checkpoint must verify
 * ({@link AuditVerifier}) and end at its own last event, or at a signed one. Anything else (unsigned
 * events someone else appended, a record that does not decode, a trail cut back before the head
 * file's checkpoint) is not signed over: the writer appends a signed {@link AuditActions#BREAK}
 * event that links to the last event it trusts and says what it accounts for, and verification
 * reports it. {@link #close} writes a signed checkpoint, so an orderly stop leaves no unsigned tail.
 *
 * <p>One AuditLog per audit topic: it is the trail's only writer. Every write is a Kafka
 * transaction under one transactional id per topic, so a second writer (another API process on the
 * same trail) fences this one when it opens: from then on this writer refuses every write
 * ({@link AuditUnavailableException}, {@link #fenced()}) instead of forking the chain, and an
 * orderly stop writes no checkpoint over the other writer's events.
 */
public final class AuditLog implements AuditSink, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);

    private final KafkaConnection kafka;
    private final AuditTopicScan scan;
    private final AuditChain chain;
    private final AuditVerifier verifier;
    private final AuditHeadFile headFile;
    private final Duration timeout;
    private KafkaProducer<String, byte[]> transactional;
    /** Set when another writer took over the trail: this one never writes again. */
    private String fencedBy;
    /** What this writer last wrote; null before its first event on a trail it found empty. */
    private AuditHeadFile.Head written;
    /** An event whose write failed: it may be in the topic after all, and is then this writer's own. */
    private AuditEvent unconfirmed;
    private boolean resyncBeforeNextWrite;
    private boolean headFileFailing;
    private boolean closed;

    private AuditLog(KafkaConnection kafka, AuditTopicScan scan, AuditChain chain, AuditVerifier verifier,
                     AuditHeadFile headFile, Duration timeout) {
        this.kafka = kafka;
        this.scan = scan;
        this.chain = chain;
        this.verifier = verifier;
        this.headFile = headFile;
        this.timeout = timeout;
    }

    /**
     * Opens the trail in {@code topic}, continuing after its last event when that is this writer's
     * (or signed), after a signed break event otherwise.
     *
     * @param signingKeys        the private Ed25519 keyset ({@link AuditSigningKeys})
     * @param checkpointInterval a signed checkpoint at least every this many events
     * @param timeout            longest wait for the broker, per write and when resuming
     * @param headFile           where the writer keeps its last head outside the topic
     * @throws AuditUnavailableException when the topic cannot be read or written
     */
    public static AuditLog open(String bootstrapServers, String topic, KeysetHandle signingKeys, int checkpointInterval,
                                Duration timeout, Path headFile) throws GeneralSecurityException {
        return open(bootstrapServers, topic, signingKeys, checkpointInterval, timeout, headFile, Clock.systemUTC());
    }

    public static AuditLog open(KafkaConnection kafka, String topic, KeysetHandle signingKeys, int checkpointInterval,
                                Duration timeout, Path headFile) throws GeneralSecurityException {
        return open(kafka, topic, signingKeys, checkpointInterval, timeout, headFile, Clock.systemUTC());
    }

    public static AuditLog open(String bootstrapServers, String topic, KeysetHandle signingKeys, int checkpointInterval,
                                Duration timeout, Path headFile, Clock clock) throws GeneralSecurityException {
        return open(KafkaConnection.plaintext(bootstrapServers), topic, signingKeys, checkpointInterval, timeout, headFile, clock);
    }

    public static AuditLog open(KafkaConnection kafka, String topic, KeysetHandle signingKeys, int checkpointInterval,
                                Duration timeout, Path headFile, Clock clock) throws GeneralSecurityException {
        Objects.requireNonNull(kafka, "kafka");
        Objects.requireNonNull(topic, "topic");
        AuditTopicScan scan = new AuditTopicScan(kafka, topic, timeout);
        AuditChain chain = new AuditChain(AuditSigningKeys.signer(signingKeys), AuditSigningKeys.keyId(signingKeys),
                checkpointInterval, clock, ChainHead.genesis());
        AuditVerifier verifier = new AuditVerifier(AuditSigningKeys.verifier(signingKeys), checkpointInterval);
        AuditLog log = new AuditLog(kafka, scan, chain, verifier, new AuditHeadFile(headFile), timeout);
        try {
            synchronized (log) {
                log.transactional(); // fences any earlier writer of this trail before reading its tail
                log.written = log.readHeadFile();
                log.resume();
            }
        } catch (KafkaException e) {
            log.closeProducer();
            throw new AuditUnavailableException("the audit trail " + topic + " cannot be written: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            log.closeProducer();
            throw e;
        }
        LOG.info("audit trail {} opened at sequence {}", topic, chain.head().nextSequence());
        return log;
    }

    @Override
    public synchronized AuditEvent record(AuditEntry entry) {
        return write(entry, false, List.of()).event();
    }

    /** Records the entry as a signed checkpoint, whether or not one is due. */
    public synchronized AuditEvent recordSigned(AuditEntry entry) {
        return write(entry, true, List.of()).event();
    }

    /** The audit event and the records written with it, as stored. */
    public record Committed(AuditEvent event, List<RecordMetadata> records) {}

    /**
     * Writes {@code records} (to other topics) and the entry's audit event in one Kafka
     * transaction: readers that read committed records see all of them or none. The chain advances
     * only when the transaction commits; after a failure it is aborted and the next write resumes
     * from what the topic holds.
     *
     * @throws AuditUnavailableException when the transaction did not commit (nothing of it is visible)
     */
    public synchronized Committed recordWith(AuditEntry entry, List<ProducerRecord<String, byte[]>> records) {
        Objects.requireNonNull(records, "records");
        if (records.isEmpty()) {
            throw new IllegalArgumentException("recordWith needs at least one record besides the audit event");
        }
        return write(entry, false, records);
    }

    /** Where the next event goes. */
    public synchronized ChainHead head() {
        return chain.head();
    }

    public String topic() {
        return scan.topic();
    }

    /** Why this writer no longer writes (another writer took over the trail), if it was fenced. */
    public synchronized Optional<String> fenced() {
        return Optional.ofNullable(fencedBy);
    }

    /** Writes a signed checkpoint (unless another writer took over), then closes the producer. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        try {
            if (fencedBy == null) {
                write(AuditEntry.of(AuditActions.ACTOR_SYSTEM, AuditActions.CHECKPOINT, null, AuditOutcome.SUCCESS,
                        Map.of("reason", "audit log closed")), true, List.of());
            }
        } catch (RuntimeException e) {
            LOG.warn("no closing checkpoint written to audit trail {}: {}", scan.topic(), e.toString());
        } finally {
            closed = true;
            closeProducer();
        }
    }

    private void closeProducer() {
        if (transactional != null) {
            transactional.close(fencedBy == null ? timeout : Duration.ZERO);
            transactional = null;
        }
    }

    private Committed write(AuditEntry entry, boolean signed, List<ProducerRecord<String, byte[]>> records) {
        if (closed) {
            throw new AuditUnavailableException("the audit log is closed");
        }
        if (fencedBy != null) {
            throw new AuditUnavailableException(fencedBy);
        }
        if (resyncBeforeNextWrite) {
            resume();
            resyncBeforeNextWrite = false;
        }
        ChainHead before = chain.head();
        AuditEvent event = signed ? chain.appendSigned(entry) : chain.append(entry);
        ProducerRecord<String, byte[]> audit = new ProducerRecord<>(scan.topic(), event.getActor(), WireFormat.encode(event));
        try {
            Committed committed = inTransaction(records, audit);
            RecordMetadata stored = committed.records().get(committed.records().size() - 1);
            wrote(event, stored.offset());
            return records.isEmpty() ? new Committed(event, List.of())
                    : new Committed(event, committed.records().subList(0, records.size()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failed(event, before, e);
        } catch (ExecutionException | TimeoutException | KafkaException e) {
            throw failed(event, before, e);
        }
    }

    /** The records, then the audit event, in one transaction; the audit event's metadata last. */
    private Committed inTransaction(List<ProducerRecord<String, byte[]>> records, ProducerRecord<String, byte[]> audit)
            throws InterruptedException, ExecutionException, TimeoutException {
        KafkaProducer<String, byte[]> tx = transactional();
        tx.beginTransaction();
        List<Future<RecordMetadata>> sent = new ArrayList<>(records.size() + 1);
        for (ProducerRecord<String, byte[]> record : records) {
            sent.add(tx.send(record));
        }
        sent.add(tx.send(audit));
        tx.commitTransaction(); // flushes; throws when any send failed
        List<RecordMetadata> stored = new ArrayList<>(sent.size());
        for (Future<RecordMetadata> future : sent) {
            stored.add(future.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
        }
        return new Committed(null, stored);
    }

    /**
     * The transactional producer, made on first use. Its id is fixed per topic: a new writer fences
     * an old one, and {@code initTransactions} aborts whatever transaction a crashed writer left open.
     */
    private KafkaProducer<String, byte[]> transactional() {
        if (transactional == null) {
            Map<String, Object> props = new HashMap<>(KafkaClients.confirmedProducer(kafka,
                    "biostream-audit-log-tx", timeout));
            props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "biostream-audit-" + scan.topic());
            props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) Math.min(60_000, Math.max(10_000, 2 * timeout.toMillis())));
            KafkaProducer<String, byte[]> created = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
            try {
                created.initTransactions();
            } catch (KafkaException e) {
                created.close(Duration.ZERO);
                throw e;
            }
            transactional = created;
        }
        return transactional;
    }

    private void wrote(AuditEvent event, long offset) {
        AuditCheckpoint at = new AuditCheckpoint(event.getSequence() + 1, event.getSequence(),
                AuditCanonicalForm.bytesOf(event.getHash()), offset);
        written = new AuditHeadFile.Head(event.getSignature() != null ? at : written == null ? null : written.lastSigned(), at);
        unconfirmed = null;
        try {
            headFile.write(written);
            if (headFileFailing) {
                headFileFailing = false;
                LOG.info("audit head file {} is written again", headFile.path());
            }
        } catch (IOException e) {
            // The event is stored; only truncation detection is weaker until the file can be written again.
            if (!headFileFailing) {
                headFileFailing = true;
                LOG.error("audit head file {} could not be written (logged once until it can): {}", headFile.path(), e.toString());
            }
        }
    }

    /** The event is not stored, or may or may not be: the next write first resumes from whatever the topic holds. */
    private AuditUnavailableException failed(AuditEvent event, ChainHead before, Exception cause) {
        resyncBeforeNextWrite = true;
        chain.reset(before);
        unconfirmed = event; // a write (or a commit) that timed out may still be stored: then it is this writer's
        Throwable reason = cause instanceof ExecutionException && cause.getCause() != null ? cause.getCause() : cause;
        if (reason instanceof ProducerFencedException || reason instanceof InvalidProducerEpochException) {
            fencedBy = "another audit writer took over the trail " + scan.topic()
                    + " (one writer per trail: is a second API running on it?); this one no longer writes";
            LOG.error("audit event {} ({} by {}) not written: {}", event.getSequence(), event.getAction(), event.getActor(), fencedBy);
            closeProducer();
            return new AuditUnavailableException(fencedBy, reason);
        }
        if (transactional != null) {
            // Abort; a producer in an unknown state is replaced, and the new one's initTransactions aborts for it.
            try {
                transactional.abortTransaction();
            } catch (RuntimeException abortFailed) {
                transactional.close(Duration.ZERO);
                transactional = null;
            }
        }
        LOG.error("audit event {} ({} by {}) not confirmed by the broker: {}", event.getSequence(), event.getAction(),
                event.getActor(), reason.toString());
        return new AuditUnavailableException("the audit event could not be recorded: " + reason.getMessage(), reason);
    }

    private AuditHeadFile.Head readHeadFile() {
        try {
            return headFile.read();
        } catch (IOException e) {
            LOG.error("{}; the audit trail is continued only after its last signed checkpoint", e.getMessage());
            return null;
        }
    }

    /**
     * Verifies the topic from this writer's last signed checkpoint to its end and sets the chain's
     * head: after the last event when the tail is this writer's own (or signed), else after a
     * signed break event written now.
     */
    private void resume() {
        AuditTopicScan.Bounds bounds = scan.bounds();
        AuditCheckpoint own = written == null ? null : written.lastWritten();
        AuditCheckpoint anchor = written == null ? null : written.lastSigned();
        String cut = null;
        AuditVerifier.Run run = null;
        long from = bounds.first();
        if (anchor != null) {
            AuditEvent stored = eventAt(anchor.offset(), bounds);
            if (stored != null && anchor.matches(stored.getSequence(), AuditCanonicalForm.bytesOf(stored.getHash()))) {
                run = verifier.resume(anchor);
                from = anchor.offset() + 1;
            } else {
                cut = "the last signed checkpoint " + anchor.sequence() + " (offset " + anchor.offset()
                        + ") kept in " + headFile.path() + " is not in the topic: the trail was cut or rewritten";
                anchor = null;
            }
        }
        if (run == null) {
            run = verifier.start();
        }
        AuditVerifier.Run verifying = run;
        boolean[] ownSeen = {own != null && own.sameEvent(anchor)};
        if (bounds.end() > from) {
            scan.scan(from, stored -> {
                verifying.addStored(stored);
                ownSeen[0] |= own != null && own.sameEvent(verifying.lastVerified());
                return true;
            });
        }
        AuditVerification result = run.finish();
        AuditCheckpoint last = run.lastVerified() != null ? run.lastVerified() : anchor;
        ownSeen[0] |= own != null && own.sameEvent(last);
        AuditCheckpoint signed = run.lastCheckpoint() != null ? run.lastCheckpoint() : anchor;
        boolean ownTail = own != null && own.sameEvent(last);
        boolean signedTail = last != null && last.sameEvent(signed);
        if (cut == null && own != null && !ownSeen[0]) {
            cut = "the last event this writer wrote, " + own.sequence() + " (offset " + own.offset()
                    + "), is not in the topic: the trail was cut";
        }
        if (cut == null && result.ok() && (last == null || ownTail || signedTail || unconfirmedIs(last))) {
            chain.reset(last == null ? ChainHead.genesis()
                    : new ChainHead(last.sequence() + 1, last.hash(), signed == null ? Long.MIN_VALUE / 2 : signed.sequence()));
            if (last != null && !last.sameEvent(own)) {
                written = new AuditHeadFile.Head(signed, last);
            }
            return;
        }
        String reason = cut != null ? cut
                : !result.ok() ? "the trail after sequence " + (last == null ? "none" : last.sequence()) + " does not verify: "
                        + result.problem().wireName() + " at offset " + result.firstBadOffset() + ": " + result.detail()
                : "events after the last signed checkpoint " + (signed == null ? "(none)" : signed.sequence())
                        + " were not written by this writer";
        AuditCheckpoint trusted = ownSeen[0] && own != null ? own : signed;
        long highest = Math.max(run.highestSequence(), written == null ? -1 : written.lastWritten().sequence());
        chain.reset(new ChainHead(Math.max(highest, trusted == null ? -1 : trusted.sequence()) + 1,
                trusted == null ? new byte[AuditCanonicalForm.HASH_BYTES] : trusted.hash(),
                trusted == null ? Long.MIN_VALUE / 2 : trusted.sequence()));
        Map<String, String> details = new TreeMap<>();
        details.put("reason", AuditEntry.clip(reason, AuditEntry.MAX_DETAIL_VALUE));
        details.put("trustedSequence", trusted == null ? "none" : Long.toString(trusted.sequence()));
        details.put("fromOffset", Long.toString(trusted == null || trusted.offset() == null ? bounds.first() : trusted.offset() + 1));
        details.put("toOffset", Long.toString(bounds.end() - 1));
        LOG.error("audit trail {}: {}; writing a signed break event after sequence {}", scan.topic(), reason,
                details.get("trustedSequence"));
        written = trusted == null ? null : new AuditHeadFile.Head(signed, trusted);
        AuditEvent breakEvent = chain.appendSigned(AuditEntry.of(AuditActions.ACTOR_SYSTEM, AuditActions.BREAK, null,
                AuditOutcome.FAILED, details));
        try {
            wrote(breakEvent, inTransaction(List.of(), new ProducerRecord<>(scan.topic(), breakEvent.getActor(),
                    WireFormat.encode(breakEvent))).records().get(0).offset());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failed(breakEvent, chain.head(), e);
        } catch (ExecutionException | TimeoutException | KafkaException e) {
            throw failed(breakEvent, chain.head(), e);
        }
    }

    private boolean unconfirmedIs(AuditCheckpoint last) {
        return unconfirmed != null && last.matches(unconfirmed.getSequence(), AuditCanonicalForm.bytesOf(unconfirmed.getHash()));
    }

    /** The event stored at {@code offset}, or null when that offset holds none (cut, or not an event). */
    private AuditEvent eventAt(Long offset, AuditTopicScan.Bounds bounds) {
        if (offset == null || offset < bounds.first() || offset >= bounds.end()) {
            return null;
        }
        AuditEvent[] found = new AuditEvent[1];
        scan.scan(offset, stored -> {
            if (stored.offset() == offset) {
                try {
                    found[0] = stored.decode();
                } catch (IOException e) {
                    found[0] = null;
                }
            }
            return false;
        });
        return found[0];
    }
}
