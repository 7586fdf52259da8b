package io.biostream.operators.functions;

import io.biostream.operators.testing.KeyedStates;
import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.operators.config.Settings;
import io.biostream.operators.crypto.CryptoConfig;
import io.biostream.operators.crypto.TemplateKeyRing;
import io.biostream.operators.crypto.TestKeyRings;
import io.biostream.operators.identity.TestControlEvents;
import io.biostream.operators.records.ControlRecord;
import io.biostream.operators.records.SessionFrame;
import io.biostream.operators.state.IdentityStateCodec;
import io.biostream.operators.state.QueryableStateNames;
import io.biostream.operators.state.StateSeal;
import io.biostream.schemas.CaptureSession;
import io.biostream.schemas.SessionStatus;
import io.biostream.schemas.SessionSummary;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SessionSummaryFunctionTest {
    private static final Instant START = Instant.parse("2026-11-25T10:00:00Z");
    private static final long UNSTARTED_TTL_MS = 60_000L;
    private static final long ENDED_RETENTION_MS = 600_000L;
    private KeyedTwoInputStreamOperatorTestHarness<String, SessionFrame, ControlRecord, Void> harness;
    private TemplateKeyRing keys;

    @TempDir
    Path keysDir;

    @BeforeEach
    void open() throws Exception {
        CryptoConfig crypto = CryptoConfig.from(Settings.of(TestKeyRings.directorySettings(keysDir)), null, "unused");
        harness = new KeyedTwoInputStreamOperatorTestHarness<>(new KeyedCoProcessOperator<>(
                new SessionSummaryFunction(Duration.ofMillis(UNSTARTED_TTL_MS), Duration.ofMillis(ENDED_RETENTION_MS), crypto)),
                frame -> frame.sessionId, record -> record.event.getSession().getSessionId(), Types.STRING);
        harness.open();
        keys = crypto.openKeyRing();
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
        keys.close();
    }

    private byte[] stored(String sessionId) throws Exception {
        byte[] stored = KeyedStates.value(harness.getOperator(), sessionId, QueryableStateNames.sessionSummaryDescriptor());
        return stored;
    }

    private SessionSummary summary(String sessionId) throws Exception {
        byte[] bytes = stored(sessionId);
        return bytes == null ? null : IdentityStateCodec.openSessionSummary(new StateSeal(keys), sessionId, bytes).orElseThrow();
    }

    @Test
    void theSummaryIsSealedInState() throws Exception {
        frame("visit-9", 2, 1, 5);
        byte[] bytes = stored("visit-9");
        assertThat(StateSeal.isSealed(bytes)).isTrue();
        assertThat(new String(bytes, StandardCharsets.ISO_8859_1)).doesNotContain("lobby").doesNotContain("visit-9");
        assertThat(summary("visit-9").getFaces()).isEqualTo(2L);
    }

    private void frame(String sessionId, int faces, int matches, long secondsAfterStart) throws Exception {
        harness.processElement1(new SessionFrame(sessionId, "lobby", faces, matches, START.plusSeconds(secondsAfterStart).toEpochMilli()), 0L);
    }

    private void control(io.biostream.schemas.ControlEvent event) throws Exception {
        harness.processElement2(new ControlRecord(event, "biostream.control", 0, 0L), 0L);
    }

    @Test
    void countsTheFramesFacesAndMatchesOfASessionFromStartToEnd() throws Exception {
        CaptureSession session = TestControlEvents.session("visit-1", List.of("lobby", "hall"), START, null);
        control(TestControlEvents.sessionStarted(session));
        frame("visit-1", 2, 1, 10);
        frame("visit-1", 0, 0, 30);
        frame("visit-1", 3, 2, 20); // out of order: the last frame time stays the newest

        SessionSummary open = summary("visit-1");
        assertThat(open.getStatus()).isEqualTo(SessionStatus.OPEN);
        assertThat(open.getSession()).isEqualTo(session);
        assertThat(List.of(open.getFrames(), open.getFaces(), open.getMatches())).containsExactly(3L, 5L, 3L);
        assertThat(open.getLastFrameTime()).isEqualTo(START.plusSeconds(30));

        CaptureSession ended = CaptureSession.newBuilder(session).setEndTime(START.plusSeconds(60)).build();
        control(TestControlEvents.sessionEnded(ended));

        SessionSummary closed = summary("visit-1");
        assertThat(closed.getStatus()).isEqualTo(SessionStatus.ENDED);
        assertThat(closed.getSession().getEndTime()).isEqualTo(START.plusSeconds(60));
        assertThat(closed.getFrames()).isEqualTo(3L);
    }

    @Test
    void framesBeforeTheStartEventAreCountedAndTheStartCompletesTheSession() throws Exception {
        frame("visit-2", 1, 1, 5);
        assertThat(summary("visit-2").getSession().getCameras()).containsExactly("lobby");

        CaptureSession session = TestControlEvents.session("visit-2", List.of("lobby", "hall"), START, null);
        control(TestControlEvents.sessionStarted(session));

        SessionSummary summary = summary("visit-2");
        assertThat(summary.getSession()).isEqualTo(session);
        assertThat(summary.getFrames()).isEqualTo(1L);
        assertThat(summary.getMatches()).isEqualTo(1L);
        assertThat(summary("visit-3")).isNull();
    }

    /** Finding 7 of the hardening issue: frames can name any session id, and session state never expired. */
    @Test
    void aSessionNobodyStartedLeavesAfterItsTtlAnEndedOneAfterTheRetentionAnOpenOneStays() throws Exception {
        harness.setProcessingTime(0L);
        frame("invented-1", 1, 0, 0);
        frame("visit-2", 1, 0, 0);
        control(TestControlEvents.sessionStarted(TestControlEvents.session("visit-2", List.of("lobby"), START, null)));
        control(TestControlEvents.sessionStarted(TestControlEvents.session("visit-3", List.of("lobby"), START, null)));

        harness.setProcessingTime(UNSTARTED_TTL_MS - 1);
        assertThat(summary("invented-1")).isNotNull();
        harness.setProcessingTime(UNSTARTED_TTL_MS);
        assertThat(summary("invented-1")).as("never started").isNull();
        assertThat(summary("visit-2")).as("started after its first frame: open, kept").isNotNull();

        long endedAt = UNSTARTED_TTL_MS + 1_000L;
        harness.setProcessingTime(endedAt);
        control(TestControlEvents.sessionEnded(TestControlEvents.session("visit-3", List.of("lobby"), START, START.plusSeconds(60))));
        harness.setProcessingTime(endedAt + ENDED_RETENTION_MS - 1);
        assertThat(summary("visit-3").getStatus()).isEqualTo(SessionStatus.ENDED);
        harness.setProcessingTime(endedAt + ENDED_RETENTION_MS);
        assertThat(summary("visit-3")).as("ended, past the retention").isNull();
        harness.setProcessingTime(10 * ENDED_RETENTION_MS);
        assertThat(summary("visit-2")).as("open sessions stay").isNotNull();
        assertThat(harness.numProcessingTimeTimers()).isZero();
    }
}
