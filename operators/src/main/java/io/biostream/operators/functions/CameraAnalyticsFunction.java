package io.biostream.operators.functions;

import io.biostream.operators.config.AnalyticsConfig;
import io.biostream.operators.crypto.CryptoConfig;
import io.biostream.operators.crypto.KeyStoreUnavailableException;
import io.biostream.operators.crypto.TemplateKeyRing;
import io.biostream.operators.records.CameraActivity;
import io.biostream.operators.records.Outbound;
import io.biostream.operators.records.SubjectVisit;
import io.biostream.operators.state.CameraStateCodec;
import io.biostream.operators.state.QueryableStateNames;
import io.biostream.operators.state.StateSeal;
import io.biostream.schemas.AnalyticsStep;
import io.biostream.schemas.CameraAnalytics;
import io.biostream.schemas.WireFormat;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.api.common.typeutils.base.array.LongPrimitiveArraySerializer;
import org.apache.flink.api.common.typeutils.base.array.StringArraySerializer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per camera (keyed by camera id): tumbling event-time windows on each frame's captureTime, one a
 * minute and one an hour, counting frames, faces, described faces, distinct enrolled subjects,
 * unknown faces and dead letters. A window closes when the watermark (the stream's newest
 * captureTime less the configured out-of-orderness) passes its end: its counts go to the
 * analytics topic (through the job's exactly-once sink) and into the queryable states
 * {@value QueryableStateNames#CAMERA_ANALYTICS_MINUTE} / {@value QueryableStateNames#CAMERA_ANALYTICS_HOUR},
 * sealed ({@link StateSeal}). A frame whose window has closed is dropped from that window's counts,
 * counted ({@code analyticsLateFrames}) and sent to {@link #LATE} (minute windows; an hour window
 * still open takes it). The subject ids of a window live only while it is open.
 *
 * <p>Visits: per subject matched on this camera, session windows on captureTime with the
 * configured gap; a visit closes when the watermark passes its last match plus the gap and goes to
 * {@link #VISITS} (first and last match; its dwell time is their difference).
 */
public class CameraAnalyticsFunction extends KeyedProcessFunction<String, CameraActivity, Outbound> {
    private static final Logger LOG = LoggerFactory.getLogger(CameraAnalyticsFunction.class);
    public static final OutputTag<CameraActivity> LATE = new OutputTag<>("late-activity", TypeInformation.of(CameraActivity.class));
    /** Each closed visit of a subject to this camera (session windows with the configured gap), for SubjectVisitsFunction. */
    public static final OutputTag<SubjectVisit> VISITS = new OutputTag<>("subject-visits", TypeInformation.of(SubjectVisit.class));
    static final long MINUTE_MS = Duration.ofMinutes(1).toMillis();
    static final long HOUR_MS = Duration.ofHours(1).toMillis();
    // Positions in an open window's counts.
    private static final int FRAMES = 0;
    private static final int FACES = 1;
    private static final int DESCRIBED = 2;
    private static final int UNKNOWN = 3;
    private static final int DEAD_LETTERS = 4;

    private final String analyticsTopic;
    private final AnalyticsConfig analytics;
    private final CryptoConfig crypto;
    private transient Window minute;
    private transient Window hour;
    private transient TemplateKeyRing keys;
    private transient StateSeal seal;
    private transient Counter lateFrames;
    /** Per subject: its open visits to this camera, as {first, last, first, last, ...} match times, ordered. */
    private transient MapState<String, long[]> openVisits;

    public CameraAnalyticsFunction(String analyticsTopic, AnalyticsConfig analytics, CryptoConfig crypto) {
        this.analyticsTopic = analyticsTopic;
        this.analytics = analytics;
        this.crypto = crypto;
    }

    /** One window length's state: the open windows' counts and subjects, and the closed ones (queryable). */
    private final class Window {
        final AnalyticsStep step;
        final long length;
        final long retentionMs;
        final String stateName;
        final MapState<Long, long[]> counts;
        final MapState<Long, String[]> subjects;
        final MapState<Long, byte[]> closed;

        Window(AnalyticsStep step, long length, Duration retention, String stateName) {
            this.step = step;
            this.length = length;
            this.retentionMs = retention.toMillis();
            this.stateName = stateName;
            String prefix = step.name().toLowerCase(java.util.Locale.ROOT);
            counts = getRuntimeContext().getMapState(new MapStateDescriptor<>(prefix + "-open-counts",
                    LongSerializer.INSTANCE, LongPrimitiveArraySerializer.INSTANCE));
            subjects = getRuntimeContext().getMapState(new MapStateDescriptor<>(prefix + "-open-subjects",
                    LongSerializer.INSTANCE, StringArraySerializer.INSTANCE));
            MapStateDescriptor<Long, byte[]> descriptor = QueryableStateNames.cameraAnalyticsDescriptor(stateName);
            descriptor.setQueryable(stateName);
            closed = getRuntimeContext().getMapState(descriptor);
        }

        /** Adds the activity to its window; false when that window has closed already. */
        boolean add(CameraActivity a, TimerContext timers) throws Exception {
            long start = windowStart(a.captureTimeMillis, length);
            long lastMoment = start + length - 1;
            if (lastMoment <= timers.watermark()) {
                return false;
            }
            long[] c = counts.get(start);
            if (c == null) {
                c = new long[5];
                timers.register(lastMoment);
            }
            if (a.deadLetter) {
                c[DEAD_LETTERS]++;
            } else {
                c[FRAMES]++;
                c[FACES] += a.faces;
                c[DESCRIBED] += a.described;
                c[UNKNOWN] += a.unknown;
            }
            counts.put(start, c);
            if (a.subjectIds != null && a.subjectIds.length > 0) {
                String[] held = subjects.get(start);
                Set<String> all = new LinkedHashSet<>(held == null ? List.of() : Arrays.asList(held));
                if (all.addAll(Arrays.asList(a.subjectIds))) {
                    subjects.put(start, all.toArray(String[]::new));
                }
            }
            return true;
        }

        /** Closes the window ending at {@code lastMoment}, if one is open. */
        void close(String cameraId, long lastMoment, Collector<Outbound> out) throws Exception {
            long start = lastMoment + 1 - length;
            long[] c = counts.get(start);
            if (c == null) {
                return;
            }
            String[] seen = subjects.get(start);
            CameraAnalytics window = CameraAnalytics.newBuilder()
                    .setCameraId(cameraId).setStep(step).setStart(Instant.ofEpochMilli(start))
                    .setFrames(c[FRAMES]).setFaces(c[FACES]).setDescribed(c[DESCRIBED])
                    .setSubjects(seen == null ? 0 : seen.length).setUnknown(c[UNKNOWN]).setDeadLetters(c[DEAD_LETTERS])
                    .build();
            counts.remove(start);
            subjects.remove(start);
            out.collect(new Outbound(analyticsTopic, cameraId.getBytes(StandardCharsets.UTF_8), WireFormat.encode(window),
                    lastMoment));
            try {
                closed.put(start, CameraStateCodec.sealAnalytics(seal, stateName, window));
            } catch (GeneralSecurityException | KeyStoreUnavailableException e) { // a key-store outage must not fail the job
                LOG.error("camera {}: {} window at {} not kept as queryable state: {}", cameraId, step, start, e.toString());
            }
            List<Long> expired = new ArrayList<>();
            for (Iterator<Long> it = closed.keys().iterator(); it.hasNext(); ) {
                Long kept = it.next();
                if (kept + retentionMs <= start) {
                    expired.add(kept);
                }
            }
            for (Long e : expired) {
                closed.remove(e);
            }
        }
    }

    private interface TimerContext {
        long watermark();

        void register(long time);
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        minute = new Window(AnalyticsStep.MINUTE, MINUTE_MS, analytics.minuteRetention(), QueryableStateNames.CAMERA_ANALYTICS_MINUTE);
        hour = new Window(AnalyticsStep.HOUR, HOUR_MS, analytics.hourRetention(), QueryableStateNames.CAMERA_ANALYTICS_HOUR);
        keys = crypto.openKeyRing();
        seal = new StateSeal(keys);
        openVisits = getRuntimeContext().getMapState(new MapStateDescriptor<>("open-visits", StringSerializer.INSTANCE,
                LongPrimitiveArraySerializer.INSTANCE));
        lateFrames = getRuntimeContext().getMetricGroup().addGroup(AnalysisMetrics.GROUP).counter("analyticsLateFrames");
    }

    @Override
    public void close() throws Exception {
        if (keys != null) {
            keys.close();
        }
    }

    @Override
    public void processElement(CameraActivity activity, Context ctx, Collector<Outbound> out) throws Exception {
        TimerContext timers = new TimerContext() {
            @Override
            public long watermark() {
                return ctx.timerService().currentWatermark();
            }

            @Override
            public void register(long time) {
                ctx.timerService().registerEventTimeTimer(time);
            }
        };
        if (!minute.add(activity, timers)) {
            lateFrames.inc();
            ctx.output(LATE, activity);
        }
        hour.add(activity, timers);
        if (!activity.deadLetter && activity.subjectIds != null) {
            for (String subjectId : activity.subjectIds) {
                visit(subjectId, activity.captureTimeMillis, timers);
            }
        }
    }

    /**
     * Adds a match to the subject's visits, merging every visit it falls within the gap of (as
     * Flink's session windows merge); a match whose visit would have closed already is dropped.
     */
    private void visit(String subjectId, long time, TimerContext timers) throws Exception {
        long gap = analytics.visitGap().toMillis();
        if (time + gap - 1 <= timers.watermark()) {
            return;
        }
        long[] held = openVisits.get(subjectId);
        List<long[]> visits = new ArrayList<>();
        long first = time;
        long last = time;
        for (int i = 0; held != null && i < held.length; i += 2) {
            if (held[i] < time + gap && time < held[i + 1] + gap) { // [first, last + gap) meets [time, time + gap)
                first = Math.min(first, held[i]);
                last = Math.max(last, held[i + 1]);
            } else {
                visits.add(new long[] {held[i], held[i + 1]});
            }
        }
        visits.add(new long[] {first, last});
        visits.sort(java.util.Comparator.comparingLong(v -> v[0]));
        openVisits.put(subjectId, flatten(visits));
        timers.register(last + gap - 1);
    }

    /** Closes the visits no match can extend any more (the watermark is past their last match plus the gap). */
    private void closeVisits(String cameraId, long watermark, OnTimerContext ctx) throws Exception {
        long gap = analytics.visitGap().toMillis();
        List<String> subjects = new ArrayList<>();
        openVisits.keys().forEach(subjects::add);
        for (String subjectId : subjects) {
            long[] held = openVisits.get(subjectId);
            List<long[]> open = new ArrayList<>();
            for (int i = 0; i < held.length; i += 2) {
                if (held[i + 1] + gap - 1 <= watermark) {
                    ctx.output(VISITS, SubjectVisit.closed(subjectId, cameraId, held[i], held[i + 1]));
                } else {
                    open.add(new long[] {held[i], held[i + 1]});
                }
            }
            if (open.isEmpty()) {
                openVisits.remove(subjectId);
            } else if (open.size() * 2 < held.length) {
                openVisits.put(subjectId, flatten(open));
            }
        }
    }

    private static long[] flatten(List<long[]> visits) {
        long[] flat = new long[visits.size() * 2];
        for (int i = 0; i < visits.size(); i++) {
            flat[2 * i] = visits.get(i)[0];
            flat[2 * i + 1] = visits.get(i)[1];
        }
        return flat;
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Outbound> out) throws Exception {
        minute.close(ctx.getCurrentKey(), timestamp, out);
        hour.close(ctx.getCurrentKey(), timestamp, out);
        closeVisits(ctx.getCurrentKey(), timestamp, ctx);
    }

    /**
     * The event time of the analytics: each frame's captureTime, the watermark trailing the newest
     * by {@link AnalyticsConfig#outOfOrderness()}; a source subtask without frames for
     * {@link AnalyticsConfig#idleness()} does not hold the other subtasks' windows open.
     */
    public static WatermarkStrategy<CameraActivity> watermarks(AnalyticsConfig analytics) {
        return WatermarkStrategy.<CameraActivity>forBoundedOutOfOrderness(analytics.outOfOrderness())
                .withTimestampAssigner((activity, recordTime) -> activity.captureTimeMillis)
                .withIdleness(analytics.idleness());
    }

    /** The start of the window of {@code length} that holds {@code time} (epoch-aligned; before 1970 too). */
    static long windowStart(long time, long length) {
        return time - Math.floorMod(time, length);
    }
}
