package io.biostream.api.audit;

import io.biostream.operators.audit.AuditActions;
import io.biostream.operators.audit.AuditEntry;
import io.biostream.operators.audit.AuditSink;
import io.biostream.operators.audit.AuditUnavailableException;
import io.biostream.operators.crypto.SecretFiles;
import io.biostream.schemas.AuditOutcome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Audits the control records the API's follower refused (unsigned, forged, or refused by the
 * projection). Anyone who can write to the control topic can send them, so they are counted by
 * reason and recorded as one {@link AuditActions#CONTROL_REFUSED} event per interval, with the
 * range of control-topic offsets they came from (the job's dead letters hold the records). The
 * highest offset recorded is kept in a file beside the audit head file: the replay of the topic
 * when the API starts does not audit the same records again, and records refused while the API
 * was down are audited once when it comes back. A record that could not be audited is left for
 * the next start (the file is not advanced).
 */
public final class RefusedControlAudit implements AutoCloseable {
    public static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(1);
    private static final Logger LOG = LoggerFactory.getLogger(RefusedControlAudit.class);
    private static final int MAX_REASON = 160;

    private final AuditSink sink;
    private final Path offsetFile;
    private final IntervalFlush flusher;
    private final RefusalTally tally = new RefusalTally(DeniedRequestAudit.MAX_KINDS, DeniedRequestAudit.MAX_ITEMS);
    /** The highest control offset already audited; guarded by this. */
    private long audited;
    private long firstOffset = -1;
    private long lastOffset = -1;

    /**
     * @param offsetFile where the highest audited control offset is kept (created owner-only)
     * @param interval   how often counted refusals are recorded; null records them only on {@link #flush} and close
     */
    public RefusedControlAudit(AuditSink sink, Path offsetFile, Duration interval) throws IOException {
        this.sink = Objects.requireNonNull(sink, "sink");
        this.offsetFile = Objects.requireNonNull(offsetFile, "offsetFile");
        this.audited = readAudited(offsetFile);
        this.flusher = new IntervalFlush("refused-control-audit", interval, this::flush);
    }

    /** Counts the refused record at {@code offset}, unless an earlier run of the API audited it already. */
    public synchronized void refused(long offset, String reason) {
        if (offset <= audited || offset <= lastOffset) {
            return;
        }
        tally.add("reason=" + AuditEntry.clip(String.valueOf(reason), MAX_REASON));
        firstOffset = firstOffset < 0 ? offset : firstOffset;
        lastOffset = offset;
    }

    /** Records what was counted since the last event as one event; nothing when nothing was refused. */
    public void flush() {
        Map<String, String> details = new TreeMap<>();
        long upTo;
        synchronized (this) {
            if (tally.total() == 0) {
                return;
            }
            details.put("fromOffset", Long.toString(firstOffset));
            details.put("toOffset", Long.toString(lastOffset));
            upTo = lastOffset;
            tally.drainInto(details);
            firstOffset = -1;
        }
        try {
            sink.record(AuditEntry.of(AuditActions.ACTOR_SYSTEM, AuditActions.CONTROL_REFUSED, null, AuditOutcome.DENIED, details));
        } catch (AuditUnavailableException | IllegalArgumentException e) {
            LOG.error("{} refused control records (offsets {} to {}) could not be audited; they are audited when the API "
                    + "next starts: {}", details.get("refused"), details.get("fromOffset"), upTo, e.getMessage());
            return;
        }
        synchronized (this) {
            audited = Math.max(audited, upTo);
        }
        try {
            SecretFiles.writeOwnerOnly(offsetFile, "# the highest biostream.control offset whose refusal is audited\n" + upTo + "\n");
        } catch (IOException e) {
            LOG.error("{} could not be written ({}): the refusals up to offset {} may be audited again at the next start",
                    offsetFile, e.toString(), upTo);
        }
    }

    /** The highest control offset audited so far (-1: none). */
    public synchronized long audited() {
        return audited;
    }

    @Override
    public void close() {
        flusher.close();
    }

    private static long readAudited(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return -1;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String text = line.trim();
            if (!text.isEmpty() && !text.startsWith("#")) {
                try {
                    return Long.parseLong(text);
                } catch (NumberFormatException e) {
                    throw new IOException(file + " does not hold a control offset: " + AuditEntry.clip(text, 40), e);
                }
            }
        }
        return -1;
    }
}
