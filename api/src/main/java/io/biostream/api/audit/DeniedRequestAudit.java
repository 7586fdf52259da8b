package io.biostream.api.audit;

import io.biostream.operators.audit.AuditActions;
import io.biostream.operators.audit.AuditEntry;
import io.biostream.operators.audit.AuditSink;
import io.biostream.operators.audit.AuditUnavailableException;
import io.biostream.schemas.AuditOutcome;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Audits refused requests. Anyone can send refused requests and the audit topic is kept forever,
 * so unauthenticated (401) and rate-limited (429) refusals are counted in memory and recorded as
 * one DENIED event per interval (default one minute), with counts by status, error, caller kind,
 * method and path; never a header or the presented secret. At most {@value #MAX_KINDS} distinct
 * kinds are counted per interval (the rest only in the total), and an event itemizes the
 * {@value #MAX_ITEMS} most frequent. A caller with a valid key or token refused for lack of the
 * route's role (403) is recorded one event per refusal, as its key or {@code jwt:<sub>}, at most
 * {@code maxPerSecond} a second with a count of those left out: it is a known caller trying what it
 * may not. {@link #close} records what was counted since the last event.
 */
public final class DeniedRequestAudit implements AutoCloseable {
    public static final int DEFAULT_MAX_PER_SECOND = 20;
    public static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(1);
    static final int MAX_KINDS = 1000;
    static final int MAX_ITEMS = 24;
    private static final Logger LOG = LoggerFactory.getLogger(DeniedRequestAudit.class);
    private static final int MAX_PATH = 256;
    private static final int MAX_COUNTED_PATH = 128;

    private final AuditSink sink;
    private final Clock clock;
    private final int maxPerSecond;
    private final IntervalFlush flusher;
    private long windowSecond = Long.MIN_VALUE;
    private int recordedInWindow;
    private long suppressed;

    /** Counted refusals since {@link #countingSince}; guarded by this. */
    private final RefusalTally counts = new RefusalTally(MAX_KINDS, MAX_ITEMS);
    private Instant countingSince;

    /**
     * @param interval how often counted refusals are recorded; null records them only on {@link #flush} and close
     */
    public DeniedRequestAudit(AuditSink sink, Clock clock, int maxPerSecond, Duration interval) {
        this.sink = Objects.requireNonNull(sink, "sink");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (maxPerSecond < 1) {
            throw new IllegalArgumentException("max per second must be at least 1: " + maxPerSecond);
        }
        this.maxPerSecond = maxPerSecond;
        this.countingSince = clock.instant();
        this.flusher = new IntervalFlush("denied-request-audit", interval, this::flush);
    }

    public DeniedRequestAudit(AuditSink sink) {
        this(sink, Clock.systemUTC(), DEFAULT_MAX_PER_SECOND, DEFAULT_INTERVAL);
    }

    /**
     * Counts or records the refusal. The refusal stands either way: a failure to record it is
     * logged, not turned into another answer.
     *
     * @param actor  the key id or {@code jwt:<sub>} when the caller was authenticated, else anonymous
     * @param status 401, 403 or 429
     * @param code   the error code answered (unauthorized, forbidden, rate_limited)
     */
    public void denied(String actor, String method, String path, int status, String code) {
        if (status == 403 && !AuditActions.ACTOR_ANONYMOUS.equals(actor)) {
            recordOne(actor, method, path, status, code);
        } else {
            count(actor, method, path, status, code);
        }
    }

    /** Records what was counted since the last event as one event; nothing when nothing was refused. */
    public void flush() {
        Map<String, String> details = new TreeMap<>();
        Instant from;
        Instant to = clock.instant();
        synchronized (this) {
            if (counts.total() == 0) {
                countingSince = to;
                return;
            }
            from = countingSince;
            counts.drainInto(details);
            countingSince = to;
        }
        details.put("from", from.toString());
        details.put("to", to.toString());
        String total = details.get("refused");
        try {
            sink.record(AuditEntry.of(AuditActions.ACTOR_SYSTEM, AuditActions.REQUEST_DENIED, null, AuditOutcome.DENIED, details));
        } catch (AuditUnavailableException | IllegalArgumentException e) {
            LOG.error("{} refused requests from {} to {} could not be audited: {}", total, from, to, e.getMessage());
        }
    }

    /** Records the refusals counted so far and stops the interval's timer. */
    @Override
    public void close() {
        flusher.close();
    }

    private synchronized void count(String actor, String method, String path, int status, String code) {
        counts.add("status=" + status + " error=" + code + " caller=" + callerKind(actor)
                + " method=" + AuditEntry.clip(method, 16) + " path=" + AuditEntry.clip(path, MAX_COUNTED_PATH));
    }

    /** anonymous, or an authenticated caller's id (an API key id, or jwt:&lt;sub&gt; for a token): never a secret. */
    private static String callerKind(String actor) {
        return AuditActions.ACTOR_ANONYMOUS.equals(actor) ? "anonymous" : AuditEntry.clip(actor, AuditEntry.MAX_ACTOR);
    }

    private void recordOne(String actor, String method, String path, int status, String code) {
        Long suppressedBefore = admit();
        if (suppressedBefore == null) {
            return;
        }
        Map<String, String> details = new TreeMap<>();
        details.put("method", AuditEntry.clip(method, 16));
        details.put("path", AuditEntry.clip(path, MAX_PATH));
        details.put("status", Integer.toString(status));
        details.put("error", code);
        if (suppressedBefore > 0) {
            details.put("suppressedBefore", Long.toString(suppressedBefore));
        }
        try {
            sink.record(AuditEntry.of(actor, AuditActions.REQUEST_DENIED, null, AuditOutcome.DENIED, details));
        } catch (AuditUnavailableException | IllegalArgumentException e) {
            LOG.error("a refused request ({} {} {}) could not be audited: {}", status, method, AuditEntry.clip(path, MAX_PATH),
                    e.getMessage());
        }
    }

    /** The number suppressed since the last recorded one when this one may be recorded, else null. */
    private synchronized Long admit() {
        long second = Math.floorDiv(clock.millis(), 1000L);
        if (second != windowSecond) {
            windowSecond = second;
            recordedInWindow = 0;
        }
        if (recordedInWindow >= maxPerSecond) {
            suppressed++;
            return null;
        }
        recordedInWindow++;
        long before = suppressed;
        suppressed = 0;
        return before;
    }
}
