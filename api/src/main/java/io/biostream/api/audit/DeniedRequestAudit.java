package io.biostream.api.audit;

import io.biostream.operators.audit.AuditActions;
import io.biostream.operators.audit.AuditEntry;
import io.biostream.operators.audit.AuditSink;
import io.biostream.operators.audit.AuditUnavailableException;
import io.biostream.schemas.AuditOutcome;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records refused requests (401, 403, 429) as DENIED audit events. Anyone can send refused requests
 * and the audit topic is kept forever, so at most {@code maxPerSecond} are recorded each second;
 * the number left out is carried by the next one that is recorded ({@code suppressedBefore}).
 */
public final class DeniedRequestAudit {
    public static final int DEFAULT_MAX_PER_SECOND = 20;
    private static final Logger LOG = LoggerFactory.getLogger(DeniedRequestAudit.class);
    private static final int MAX_PATH = 256;

    private final AuditSink sink;
    private final Clock clock;
    private final int maxPerSecond;
    private long windowSecond = Long.MIN_VALUE;
    private int recordedInWindow;
    private long suppressed;

    public DeniedRequestAudit(AuditSink sink, Clock clock, int maxPerSecond) {
        this.sink = Objects.requireNonNull(sink, "sink");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (maxPerSecond < 1) {
            throw new IllegalArgumentException("max per second must be at least 1: " + maxPerSecond);
        }
        this.maxPerSecond = maxPerSecond;
    }

    public DeniedRequestAudit(AuditSink sink) {
        this(sink, Clock.systemUTC(), DEFAULT_MAX_PER_SECOND);
    }

    /**
     * Records the refusal, unless this second's budget is spent. The refusal stands either way: a
     * failure to record it is logged, not turned into another answer.
     *
     * @param actor  the key id when the key was valid but lacked the role, else anonymous
     * @param status 401, 403 or 429
     * @param code   the error code answered (unauthorized, forbidden, rate_limited)
     */
    public void denied(String actor, String method, String path, int status, String code) {
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
