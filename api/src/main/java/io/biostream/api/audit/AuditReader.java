package io.biostream.api.audit;

import io.biostream.operators.audit.AuditUnavailableException;
import io.biostream.operators.audit.StoredAuditEvent;
import java.util.List;
import java.util.function.Predicate;

/**
 * The routes' only way to the stored audit trail. Today it is the audit topic
 * ({@link KafkaAuditReader}); it can move to another store without touching routes. Positions are
 * the topic's offsets (in an intact trail they equal the events' sequence numbers).
 */
public interface AuditReader {

    /**
     * Up to {@code limit} stored events from position {@code from} on, in log order.
     *
     * @throws AuditUnavailableException when the trail cannot be read now
     */
    List<StoredAuditEvent> read(long from, int limit);

    /**
     * Hands every stored event from position {@code from} on, in log order, to {@code each} until
     * it returns false.
     *
     * @throws AuditUnavailableException when the trail cannot be read now
     */
    void readFrom(long from, Predicate<StoredAuditEvent> each);

    /** {@link #readFrom} the start. */
    default void readAll(Predicate<StoredAuditEvent> each) {
        readFrom(0, each);
    }
}
