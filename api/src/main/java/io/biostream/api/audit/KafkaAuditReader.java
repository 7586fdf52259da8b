package io.biostream.api.audit;

import io.biostream.operators.audit.AuditTopicScan;
import io.biostream.operators.audit.StoredAuditEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Reads the audit topic: read_committed, one consumer per call (assigned, no group), each call
 * bounded by {@code timeout}; records written after a call began are left to the next call.
 */
public final class KafkaAuditReader implements AuditReader {
    private final AuditTopicScan scan;

    public KafkaAuditReader(String bootstrapServers, String topic, Duration timeout) {
        this(io.biostream.operators.config.KafkaConnection.plaintext(bootstrapServers), topic, timeout);
    }

    public KafkaAuditReader(io.biostream.operators.config.KafkaConnection kafka, String topic, Duration timeout) {
        this.scan = new AuditTopicScan(kafka, topic, timeout);
    }

    @Override
    public List<StoredAuditEvent> read(long from, int limit) {
        if (from < 0 || limit < 1) {
            throw new IllegalArgumentException("from must be >= 0 and limit >= 1, got " + from + ", " + limit);
        }
        List<StoredAuditEvent> page = new ArrayList<>(Math.min(limit, 1024));
        scan.scan(from, stored -> {
            page.add(stored);
            return page.size() < limit;
        });
        return page;
    }

    @Override
    public void readFrom(long from, Predicate<StoredAuditEvent> each) {
        scan.scan(from, each);
    }

    public String topic() {
        return scan.topic();
    }
}
