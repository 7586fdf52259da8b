package io.biostream.operators.functions;

import io.biostream.operators.crypto.CryptoConfig;
import io.biostream.operators.crypto.DataKeyUnavailableException;
import io.biostream.operators.crypto.KeyStoreUnavailableException;
import io.biostream.operators.crypto.TemplateKeyRing;
import io.biostream.operators.records.ControlRecord;
import io.biostream.operators.records.SessionFrame;
import io.biostream.operators.state.IdentityStateCodec;
import io.biostream.operators.state.QueryableStateNames;
import io.biostream.operators.state.StateSeal;
import io.biostream.schemas.CaptureSession;
import io.biostream.schemas.ControlEvent;
import io.biostream.schemas.ControlType;
import io.biostream.schemas.SessionPurpose;
import io.biostream.schemas.SessionStatus;
import io.biostream.schemas.SessionSummary;
import java.time.Instant;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import java.time.Duration;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.streaming.api.TimerService;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per capture session (keyed by session id): the queryable {@value QueryableStateNames#SESSION_SUMMARY}
 * state. Input 1: the session's analysed frames (counts); input 2: its SESSION_STARTED and
 * SESSION_ENDED control events (definition and status). Frames may arrive before the start event
 * (they travel another path); they are counted under a provisional session that the start event
 * then completes. A session nobody started leaves state after {@code unstartedTtl} (frames can name
 * any session id), an ended one after {@code endedRetention}: processing-time timers, since
 * queryable state cannot have a state TTL. The value is sealed ({@link StateSeal}).
 */
public class SessionSummaryFunction extends KeyedCoProcessFunction<String, SessionFrame, ControlRecord, Void> {
    private static final Logger LOG = LoggerFactory.getLogger(SessionSummaryFunction.class);
    private final long unstartedTtlMs;
    private final long endedRetentionMs;
    private final CryptoConfig crypto;
    private transient TemplateKeyRing keys;
    private transient StateSeal seal;
    private transient ValueState<byte[]> summary;
    /** When the session's summary leaves state; absent while it is open (started, not ended). */
    private transient ValueState<Long> expiry;

    /** @param crypto the key hierarchy the state is sealed under ({@link StateSeal}) */
    public SessionSummaryFunction(Duration unstartedTtl, Duration endedRetention, CryptoConfig crypto) {
        this.unstartedTtlMs = unstartedTtl.toMillis();
        this.endedRetentionMs = endedRetention.toMillis();
        this.crypto = crypto;
    }

    @Override
    public void close() throws Exception {
        if (keys != null) {
            keys.close();
        }
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        keys = crypto.openKeyRing();
        seal = new StateSeal(keys);
        ValueStateDescriptor<byte[]> descriptor = QueryableStateNames.sessionSummaryDescriptor();
        descriptor.setQueryable(QueryableStateNames.SESSION_SUMMARY);
        summary = getRuntimeContext().getState(descriptor);
        expiry = getRuntimeContext().getState(new ValueStateDescriptor<>("session-expiry", Long.class));
    }

    @Override
    public void processElement1(SessionFrame frame, Context ctx, Collector<Void> out) throws Exception {
        try {
            SessionSummary current = current(ctx.getCurrentKey());
            if (current == null) {
                current = provisional(frame);
                expireAt(ctx.timerService(), ctx.timerService().currentProcessingTime() + unstartedTtlMs);
            }
            summary.update(IdentityStateCodec.sealSessionSummary(seal, ctx.getCurrentKey(), counted(current, frame)));
        } catch (DataKeyUnavailableException | KeyStoreUnavailableException e) { // a key-store outage must not fail the job
            LOG.error("session {}: a frame of camera {} not counted: {}", ctx.getCurrentKey(), frame.cameraId, e.toString());
        }
    }

    @Override
    public void processElement2(ControlRecord record, Context ctx, Collector<Void> out) throws Exception {
        try {
            apply(record, ctx);
        } catch (DataKeyUnavailableException | KeyStoreUnavailableException e) {
            LOG.error("session {}: {} not applied to its summary: {}", ctx.getCurrentKey(), record.event.getType(), e.toString());
        }
    }

    private void apply(ControlRecord record, Context ctx) throws Exception {
        ControlEvent event = record.event;
        if (event.getType() != ControlType.SESSION_STARTED && event.getType() != ControlType.SESSION_ENDED) {
            return;
        }
        SessionStatus status = event.getType() == ControlType.SESSION_ENDED ? SessionStatus.ENDED : SessionStatus.OPEN;
        SessionSummary current = current(ctx.getCurrentKey());
        SessionSummary next = current == null
                ? new SessionSummary(event.getSession(), status, 0L, 0L, 0L, null)
                : SessionSummary.newBuilder(current).setSession(event.getSession()).setStatus(status).build();
        summary.update(IdentityStateCodec.sealSessionSummary(seal, ctx.getCurrentKey(), next));
        if (status == SessionStatus.ENDED) {
            expireAt(ctx.timerService(), ctx.timerService().currentProcessingTime() + endedRetentionMs);
        } else {
            Long pending = expiry.value();
            if (pending != null) {
                ctx.timerService().deleteProcessingTimeTimer(pending);
                expiry.clear();
            }
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Void> out) throws Exception {
        Long due = expiry.value();
        if (due != null && due <= timestamp) {
            summary.clear();
            expiry.clear();
        }
    }

    private void expireAt(TimerService timers, long due) throws Exception {
        Long pending = expiry.value();
        if (pending != null) {
            timers.deleteProcessingTimeTimer(pending);
        }
        expiry.update(due);
        timers.registerProcessingTimeTimer(due);
    }

    /** The summary held, or null (none, or its key is gone). */
    private SessionSummary current(String sessionId) throws Exception {
        byte[] bytes = summary.value();
        return bytes == null ? null : IdentityStateCodec.openSessionSummary(seal, sessionId, bytes).orElse(null);
    }

    /** A session known so far only from its frames: their camera, starting with the first frame. */
    static SessionSummary provisional(SessionFrame frame) {
        CaptureSession session = new CaptureSession(frame.sessionId, List.of(frame.cameraId), SessionPurpose.IDENTIFY,
                Instant.ofEpochMilli(frame.captureTimeMillis), null);
        return new SessionSummary(session, SessionStatus.OPEN, 0L, 0L, 0L, null);
    }

    static SessionSummary counted(SessionSummary current, SessionFrame frame) {
        Instant captured = Instant.ofEpochMilli(frame.captureTimeMillis);
        Instant last = current.getLastFrameTime();
        return SessionSummary.newBuilder(current)
                .setFrames(current.getFrames() + 1)
                .setFaces(current.getFaces() + frame.faces)
                .setMatches(current.getMatches() + frame.matches)
                .setLastFrameTime(last == null || captured.isAfter(last) ? captured : last)
                .build();
    }
}
