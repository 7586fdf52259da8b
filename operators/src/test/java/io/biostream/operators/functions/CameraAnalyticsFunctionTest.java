package io.biostream.operators.functions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biostream.operators.config.AnalyticsConfig;
import io.biostream.operators.config.Settings;
import io.biostream.operators.crypto.CryptoConfig;
import io.biostream.operators.crypto.TemplateKeyRing;
import io.biostream.operators.crypto.TestKeyRings;
import io.biostream.operators.records.CameraActivity;
import io.biostream.operators.records.Outbound;
import io.biostream.operators.state.CameraStateCodec;
import io.biostream.operators.state.QueryableStateNames;
import io.biostream.operators.state.StateSeal;
import io.biostream.schemas.AnalyticsStep;
import io.biostream.schemas.CameraAnalytics;
import io.biostream.schemas.WireFormat;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.util.clock.RelativeClock;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A scripted event-time sequence with out-of-order and late frames, the watermark made by the job's
 * own strategy (bounded out-of-orderness on captureTime), and the exact counts of each closed window.
 */
class CameraAnalyticsFunctionTest {
    private static final long T0 = Instant.parse("2026-03-02T10:00:00Z").toEpochMilli();
    private static final Duration OUT_OF_ORDERNESS = Duration.ofSeconds(10);
    /** Shorter than the out-of-orderness, so that an out-of-order match can join two open visits. */
    private static final Duration VISIT_GAP = Duration.ofSeconds(5);

    private KeyedOneInputStreamOperatorTestHarness<String, CameraActivity, Outbound> harness;
    private TemplateKeyRing keys;
    private static final AnalyticsConfig ANALYTICS = new AnalyticsConfig(OUT_OF_ORDERNESS, Duration.ofSeconds(30), VISIT_GAP,
            Duration.ofMinutes(3), Duration.ofDays(1));
    /** The input activity clock (processing time) of the job's watermark generator, in nanoseconds; never 0. */
    private final long[] clockNanos = {1_000_000_000L};
    /** The job's own watermark strategy ({@link CameraAnalyticsFunction#watermarks}). */
    private WatermarkGenerator<CameraActivity> watermarks;
    private TimestampAssigner<CameraActivity> timestamps;
    private final List<Long> emittedWatermarks = new ArrayList<>();

    @TempDir
    Path keysDir;

    @BeforeEach
    void open() throws Exception {
        CryptoConfig crypto = CryptoConfig.from(Settings.of(TestKeyRings.directorySettings(keysDir)), null, "unused");
        harness = ProcessFunctionTestHarnesses.forKeyedProcessFunction(
                new CameraAnalyticsFunction("biostream.analytics", ANALYTICS, crypto), activity -> activity.cameraId, Types.STRING);
        WatermarkStrategy<CameraActivity> strategy = CameraAnalyticsFunction.watermarks(ANALYTICS);
        watermarks = strategy.createWatermarkGenerator(new WatermarkGeneratorSupplier.Context() {
            @Override
            public MetricGroup getMetricGroup() {
                return new UnregisteredMetricsGroup();
            }

            @Override
            public RelativeClock getInputActivityClock() {
                return new RelativeClock() {
                    @Override
                    public long relativeTimeMillis() {
                        return clockNanos[0] / 1_000_000;
                    }

                    @Override
                    public long relativeTimeNanos() {
                        return clockNanos[0];
                    }
                };
            }
        });
        timestamps = strategy.createTimestampAssigner(UnregisteredMetricsGroup::new);
        keys = crypto.openKeyRing(); // the API's view: the same key hierarchy
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
        keys.close();
    }

    /** Delivers one frame's activity, then the watermark the job's bounded out-of-orderness strategy emits after it. */
    private void frame(CameraActivity activity) throws Exception {
        long eventTime = timestamps.extractTimestamp(activity, Long.MIN_VALUE);
        harness.processElement(new StreamRecord<>(activity, eventTime));
        watermarks.onEvent(activity, eventTime, ignoring());
        periodicEmit();
        harness.processWatermark(emittedWatermarks.get(emittedWatermarks.size() - 1));
    }

    private final List<String> idleness = new ArrayList<>();

    private void periodicEmit() {
        watermarks.onPeriodicEmit(new WatermarkOutput() {
            @Override
            public void emitWatermark(Watermark watermark) {
                emittedWatermarks.add(watermark.getTimestamp());
            }

            @Override
            public void markIdle() {
                idleness.add("idle");
            }

            @Override
            public void markActive() {
                idleness.add("active");
            }
        });
    }

    private static WatermarkOutput ignoring() {
        return new WatermarkOutput() {
            @Override
            public void emitWatermark(Watermark watermark) {}

            @Override
            public void markIdle() {}

            @Override
            public void markActive() {}
        };
    }

    private static CameraActivity seen(String camera, long secondsAfterT0, int faces, int described, int unknown, String... subjects) {
        return CameraActivity.analysed(camera, T0 + secondsAfterT0 * 1000, faces, described, unknown, subjects);
    }

    private List<CameraAnalytics> closedWindows() throws Exception {
        List<CameraAnalytics> windows = new ArrayList<>();
        for (Outbound o : harness.extractOutputValues()) {
            assertThat(o.topic).isEqualTo("biostream.analytics");
            CameraAnalytics w = WireFormat.decode(CameraAnalytics.class, o.value);
            assertThat(new String(o.key, StandardCharsets.UTF_8)).isEqualTo(w.getCameraId());
            windows.add(w);
        }
        return windows;
    }

    private static List<Long> counts(CameraAnalytics w) {
        return List.of(w.getFrames(), w.getFaces(), w.getDescribed(), w.getSubjects(), w.getUnknown(), w.getDeadLetters());
    }

    private static CameraAnalytics window(List<CameraAnalytics> windows, String camera, AnalyticsStep step, long startSecondsAfterT0) {
        List<CameraAnalytics> found = windows.stream().filter(w -> w.getCameraId().equals(camera) && w.getStep() == step
                && w.getStart().toEpochMilli() == T0 + startSecondsAfterT0 * 1000).toList();
        assertThat(found).as("%s %s window at T0+%ds", camera, step, startSecondsAfterT0).hasSize(1);
        return found.get(0);
    }

    @Test
    void countsEachWindowExactlyWithOutOfOrderFramesInAndLateFramesOut() throws Exception {
        frame(seen("door", 5, 2, 2, 1, "raj"));
        frame(seen("door", 20, 1, 1, 0, "raj"));           // the same subject again: still one distinct
        frame(seen("door", 15, 1, 0, 0));                  // out of order, within the bound
        frame(CameraActivity.deadLetter("door", T0 + 40_000));
        frame(seen("lobby", 10, 4, 0, 0));                 // a count-only camera: faces, no subjects
        frame(seen("door", 65, 3, 2, 1, "penny"));         // watermark 54.999 s: the first minute stays open
        frame(seen("door", 50, 1, 1, 0, "penny"));         // 15 s out of order, its window still open: counts
        assertThat(closedWindows()).isEmpty();
        frame(seen("door", 75, 0, 0, 0));                  // watermark 64.999 s: the first minute closes
        List<CameraAnalytics> afterFirstMinute = closedWindows();
        assertThat(afterFirstMinute).extracting(CameraAnalytics::getStep).containsOnly(AnalyticsStep.MINUTE);
        assertThat(counts(window(afterFirstMinute, "door", AnalyticsStep.MINUTE, 0))).containsExactly(4L, 5L, 4L, 2L, 1L, 1L);
        assertThat(counts(window(afterFirstMinute, "lobby", AnalyticsStep.MINUTE, 0))).containsExactly(1L, 4L, 0L, 0L, 0L, 0L);

        frame(seen("door", 30, 1, 1, 0, "sam"));           // too late for its minute (closed); its hour takes it
        assertThat(harness.getSideOutput(CameraAnalyticsFunction.LATE)).extracting(r -> r.getValue().captureTimeMillis)
                .containsExactly(T0 + 30_000);
        frame(seen("door", 3620, 1, 1, 1));                // the next hour: watermark past the first hour's end
        frame(seen("door", 12, 5, 5, 5, "leonard"));       // too late for both its minute and its hour: counted nowhere
        List<CameraAnalytics> all = closedWindows();
        assertThat(counts(window(all, "door", AnalyticsStep.MINUTE, 60))).containsExactly(2L, 3L, 2L, 1L, 1L, 0L);
        assertThat(counts(window(all, "door", AnalyticsStep.HOUR, 0))).containsExactly(7L, 9L, 7L, 3L, 2L, 1L);
        assertThat(counts(window(all, "lobby", AnalyticsStep.HOUR, 0))).containsExactly(1L, 4L, 0L, 0L, 0L, 0L);
        assertThat(all).as("each window closes once; the new hour's windows stay open").hasSize(5);
        assertThat(harness.getSideOutput(CameraAnalyticsFunction.LATE)).hasSize(2);
    }

    /** The job's watermarks: captureTime less the out-of-orderness; idle after the configured time without frames. */
    @Test
    void theJobsWatermarksTrailTheNewestCaptureTimeAndGoIdleWithoutFrames() throws Exception {
        frame(seen("door", 30, 0, 0, 0));
        assertThat(emittedWatermarks).last().isEqualTo(T0 + 30_000 - OUT_OF_ORDERNESS.toMillis() - 1);
        frame(seen("door", 20, 0, 0, 0));
        assertThat(emittedWatermarks).as("an older frame does not move it back").last()
                .isEqualTo(T0 + 30_000 - OUT_OF_ORDERNESS.toMillis() - 1);
        clockNanos[0] += Duration.ofSeconds(1).toNanos();
        periodicEmit();                                    // no frame since: the idle timer starts
        clockNanos[0] += Duration.ofSeconds(29).toNanos();
        periodicEmit();
        assertThat(idleness).as("29 s without frames, idleness 30 s").isEmpty();
        clockNanos[0] += Duration.ofSeconds(2).toNanos();
        int emitted = emittedWatermarks.size();
        periodicEmit();
        assertThat(idleness).containsExactly("idle");
        assertThat(emittedWatermarks).as("idle: no watermark holds the other subtasks back").hasSize(emitted);
        frame(seen("door", 40, 0, 0, 0));
        assertThat(emittedWatermarks).as("a frame makes it active again").hasSize(emitted + 1).last()
                .isEqualTo(T0 + 40_000 - OUT_OF_ORDERNESS.toMillis() - 1);
    }

    @Test
    void keepsClosedWindowsAsSealedQueryableStateWithinTheirRetention() throws Exception {
        frame(seen("door", 5, 2, 2, 1, "raj"));
        frame(seen("door", 70, 1, 1, 0));
        frame(seen("door", 130, 1, 1, 0));
        frame(seen("door", 190, 1, 1, 0));
        frame(seen("door", 250, 1, 1, 0));                 // closes minute 3 (T0+180): minute 0 is past the 3 minutes kept
        MapState<Long, byte[]> minutes = closedState(QueryableStateNames.CAMERA_ANALYTICS_MINUTE);
        List<Long> starts = new ArrayList<>();
        minutes.keys().forEach(starts::add);
        assertThat(starts).containsExactlyInAnyOrder(T0 + 60_000, T0 + 120_000, T0 + 180_000);
        byte[] stored = minutes.get(T0 + 120_000);
        assertThat(StateSeal.isSealed(stored)).isTrue();
        assertThat(new String(stored, StandardCharsets.ISO_8859_1)).doesNotContain("door");
        CameraAnalytics opened = CameraStateCodec.openAnalytics(new StateSeal(keys), QueryableStateNames.CAMERA_ANALYTICS_MINUTE,
                "door", T0 + 120_000, stored).orElseThrow();
        assertThat(counts(opened)).containsExactly(1L, 1L, 1L, 0L, 0L, 0L);
        assertThatThrownBy(() -> CameraStateCodec.openAnalytics(new StateSeal(keys), QueryableStateNames.CAMERA_ANALYTICS_MINUTE,
                "door", T0 + 180_000, stored)).as("moved to another window's key").isInstanceOf(GeneralSecurityException.class);
    }

    @Test
    void visitsAreSessionWindowsMergedByOutOfOrderMatchesWithTheirDwellTime() throws Exception {
        frame(seen("door", 100, 1, 1, 0, "raj"));
        frame(seen("door", 108, 1, 1, 0, "raj"));          // 8 s later: a second visit, both open
        frame(seen("door", 104, 1, 1, 0, "raj"));          // out of order, within the gap of both: one visit 100..108
        frame(seen("door", 101, 2, 2, 0, "penny", "raj"));
        assertThat(visits()).isEmpty();
        frame(seen("door", 130, 1, 1, 0, "raj"));          // watermark 119.999 s: past 108 + 5 s
        assertThat(visits()).containsExactlyInAnyOrder("raj 100-108", "penny 101-101");
        frame(seen("door", 150, 0, 0, 0));                 // watermark 139.999 s: raj's visit at 130 closes
        frame(seen("door", 112, 1, 1, 0, "sam"));          // its visit would have closed at 116.999 s: dropped
        frame(seen("lobby", 200, 3, 0, 0));                // a count-only camera: no subjects, no visits
        assertThat(visits()).containsExactlyInAnyOrder("raj 100-108", "penny 101-101", "raj 130-130");
    }

    private List<String> visits() {
        var closed = harness.getSideOutput(CameraAnalyticsFunction.VISITS);
        return closed == null ? List.of() : closed.stream()
                .map(r -> r.getValue().subjectId + " " + (r.getValue().firstMillis - T0) / 1000 + "-" + (r.getValue().lastMillis - T0) / 1000)
                .toList();
    }

    private MapState<Long, byte[]> closedState(String name) throws Exception {
        harness.getOperator().setCurrentKey("door");
        return harness.getOperator().getPartitionedState(VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE,
                QueryableStateNames.cameraAnalyticsDescriptor(name));
    }
}
