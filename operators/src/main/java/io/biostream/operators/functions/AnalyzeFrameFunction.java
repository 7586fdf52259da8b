package io.biostream.operators.functions;

import io.biostream.operators.crypto.DataKeyUnavailableException;
import io.biostream.operators.crypto.KeyStoreUnavailableException;
import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.operators.crypto.TemplateKeyRing;
import io.biostream.operators.decode.FrameDecoder;
import io.biostream.operators.decode.FrameRejectedException;
import io.biostream.operators.identity.Identifications;
import io.biostream.operators.identity.MatchPolicy;
import io.biostream.operators.identity.PrivacyFilter;
import io.biostream.operators.identity.PrivacyMode;
import io.biostream.operators.records.CameraActivity;
import io.biostream.operators.records.CameraSighting;
import io.biostream.operators.records.ControlRecord;
import io.biostream.operators.records.FrameRecord;
import io.biostream.operators.records.Outbound;
import io.biostream.operators.records.SessionFrame;
import io.biostream.operators.records.SightingUpdate;
import io.biostream.operators.state.CameraStateCodec;
import io.biostream.operators.state.QueryableStateNames;
import io.biostream.operators.state.StateSeal;
import io.biostream.operators.vision.FacePipeline;
import io.biostream.operators.vision.VisionWarmup;
import io.biostream.operators.image.RgbImage;
import io.biostream.schemas.AssociatedData;
import io.biostream.schemas.Box;
import io.biostream.schemas.CameraLatest;
import io.biostream.schemas.ControlEvent;
import io.biostream.schemas.ControlType;
import io.biostream.schemas.DeadLetterReason;
import io.biostream.schemas.EncryptedTemplate;
import io.biostream.schemas.FaceResult;
import io.biostream.schemas.Frame;
import io.biostream.schemas.FrameResult;
import io.biostream.schemas.Identification;
import io.biostream.schemas.WireFormat;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per camera (keyed by camera id, so frames of a camera stay in order): decode, find and describe
 * faces under the live match settings, match each described face 1:N against the enrolled gallery,
 * seal each descriptor, emit the FrameResult and the EncryptedTemplates, and keep the camera's
 * latest result in queryable state. Bad frames become dead letters; the job never fails on them.
 *
 * <p>Sealing: a face matched to an enrolled subject is that subject's template, sealed under the
 * subject's own data key; every other face under the camera's key of the current period, which
 * expires with the camera's retention. The camera's latest result leaves state when the retention
 * is over (processing-time timers), and subtask 0 destroys expired data keys on a schedule.
 *
 * <p>The broadcast input is the control stream (enrollments, erasures, settings, sessions), kept by
 * {@link ControlState}. Matches and erasures leave on {@link #SUBJECT_SIGHTINGS}, frames of capture
 * sessions on {@link #SESSION_FRAMES}.
 */
public class AnalyzeFrameFunction extends KeyedBroadcastProcessFunction<String, FrameRecord, ControlRecord, Outbound> {
    public static final OutputTag<CameraSighting> SIGHTINGS = new OutputTag<>("sightings", TypeInformation.of(CameraSighting.class));
    public static final OutputTag<SightingUpdate> SUBJECT_SIGHTINGS = new OutputTag<>("subject-sightings", TypeInformation.of(SightingUpdate.class));
    /** What each frame adds to its camera's analytics (CameraAnalyticsFunction), dead letters included. */
    public static final OutputTag<CameraActivity> ACTIVITY = new OutputTag<>("camera-activity", TypeInformation.of(CameraActivity.class));
    public static final OutputTag<SessionFrame> SESSION_FRAMES = new OutputTag<>("session-frames", TypeInformation.of(SessionFrame.class));
    private static final Logger LOG = LoggerFactory.getLogger(AnalyzeFrameFunction.class);

    private final PipelineConfig config;
    private transient FrameDecoder decoder;
    private transient FacePipelines pipelines;
    private transient TemplateKeyRing keys;
    private transient TemplateCipher cipher;
    private transient StateSeal stateSeal;
    private transient ScheduledExecutorService keySweeper;
    private transient DeadLetters deadLetters;
    private transient ControlState control;
    private transient ValueState<byte[]> latest;
    private transient AnalysisMetrics metrics;
    private transient VisionWarmup.Report warmup;

    public AnalyzeFrameFunction(PipelineConfig config) {
        this.config = config;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        decoder = new FrameDecoder(config.decodeLimits());
        pipelines = new FacePipelines(config.vision());
        // Load the configured detector's nets now: a broken model fails the start, not the first frame.
        String modelId = pipelines.forDetector(config.vision().detector()).modelId();
        warmUp();
        keys = config.crypto().openKeyRing();
        cipher = new TemplateCipher(keys);
        stateSeal = new StateSeal(keys);
        if (getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0) {
            keySweeper = startKeySweeper(keys, config.crypto().sweepInterval());
        }
        deadLetters = new DeadLetters(config.topics().dlq(), config.deadLetterMaxOriginalBytes(),
                DeadLetterMetrics.register(getRuntimeContext().getMetricGroup()));
        control = new ControlState(cipher, keys, modelId, config.defaultMatchSettings());
        // Period keys expire by the retention in force, so a shortened retention shortens their life.
        keys.useRetention(cameraId -> control.settings() == null ? null
                : MatchPolicy.forCamera(control.settings(), cameraId).unenrolledRetention());
        getRuntimeContext().getMetricGroup().gauge("dataKeyRecordsRefused", keys::refusedRecords);
        metrics = AnalysisMetrics.register(getRuntimeContext().getMetricGroup(), control::gallerySize);
        ValueStateDescriptor<byte[]> descriptor = QueryableStateNames.cameraLatestDescriptor();
        descriptor.setQueryable(QueryableStateNames.CAMERA_LATEST);
        latest = getRuntimeContext().getState(descriptor);
    }

    /**
     * Runs the vision path on synthetic frames for {@code biostream.vision.warmup} (once per
     * process and configuration) so that the JIT and oneDNN's kernel generation do their cold-start
     * work here rather than on the first minute of frames. It runs in open(), on the task thread,
     * before the first record: the nets are this subtask's and not thread-safe, so a background
     * thread would have to hold the first frame back until it ended anyway (or race it for the
     * nets and the two cores); here, records wait in Kafka, the task shows INITIALIZING, and a
     * checkpoint barrier that a running source emits meanwhile waits in this task's input for at
     * most the warm-up's bound (5 min at most, far under the checkpoint timeout).
     */
    private void warmUp() {
        warmup = pipelines.warmUp(config.vision().detector(), config.warmup(), config.batch().maxFaces(), decoder::decode);
        if (warmup.failure() != null) {
            LOG.warn("vision warm-up ended early after {} passes: {}; the first frames run cold", warmup.passes(), warmup.failure());
        } else if (warmup.passes() > 0) {
            LOG.info("vision warm-up: {} passes in {} ms ({} detector, {} landmark and {} descriptor calls; landmark batches {})",
                    warmup.passes(), warmup.took().toMillis(), warmup.detectorCalls(), warmup.landmarkCalls(),
                    warmup.descriptorCalls(), warmup.landmarkBatchSizes());
        }
    }

    /** What this subtask's warm-up ran ({@link VisionWarmup.Report#NONE} when off or done before in this process). */
    VisionWarmup.Report warmup() {
        return warmup;
    }

    /** The decode memory of this process (TaskManager), shared by its subtasks. */
    long decodeBudgetBytes() {
        return config.decodeLimits().effectiveBudgetBytes();
    }

    @Override
    public void processElement(FrameRecord record, ReadOnlyContext ctx, Collector<Outbound> out) throws Exception {
        FrameOutputs outputs = outputsOf(ctx, out);
        PendingFrame frame = admit(record, ctx::getBroadcastState, outputs, null);
        if (frame != null) {
            complete(List.of(frame), pending -> outputs); // the frame's camera is the current key already
        }
    }

    /**
     * The first half of a frame's analysis, as it arrives: decode it and detect its faces under its
     * camera's live settings. Null when the frame was dead-lettered (bad image, analysis error);
     * otherwise the frame holds its decoded image (and its decode budget share) until {@link #complete}.
     *
     * @param timestamp the stream record's timestamp, given to the frame's outputs (null: none)
     */
    PendingFrame admit(FrameRecord record, ControlState.States<?> broadcast, FrameOutputs outputs, Long timestamp)
            throws Exception {
        control.ensureLoaded(broadcast);
        Frame frame = record.frame;
        MatchPolicy policy = MatchPolicy.forCamera(control.settings(), frame.getCameraId());
        long decodeStart = System.nanoTime();
        // The frame's share of the process's decode budget is held until the faces are described: the
        // decoded image is in memory that long. No share within the wait is a dead letter, not a stall.
        FrameDecoder.DecodedImage decoded = null;
        try {
            decoded = decoder.open(frame);
            metrics.took(AnalysisMetrics.Step.DECODE, System.nanoTime() - decodeStart);
            FacePipeline faces = pipelines.forDetector(policy.detector());
            FacePipeline.Detected detected = faces.detect(decoded.image(), policy.minFaceSize(), policy.minQuality(), metrics);
            return new PendingFrame(record, policy, faces, decoded, detected, timestamp);
        } catch (FrameRejectedException e) {
            closeQuietly(decoded);
            deadLetter(record, e.reason(), e.getMessage(), outputs);
            return null;
        } catch (RuntimeException e) { // e.g. an OpenCV error on a pathological image
            closeQuietly(decoded);
            LOG.warn("frame {}/{} failed in analysis: {}", frame.getCameraId(), frame.getSequence(), e.toString());
            deadLetter(record, DeadLetterReason.PROCESSING_ERROR, e.getClass().getSimpleName() + ": " + e.getMessage(), outputs);
            return null;
        }
    }

    /**
     * A frame between {@link #admit} and {@link #complete}: decoded, its faces detected, waiting for
     * the landmark and descriptor nets of its batch.
     */
    static final class PendingFrame implements AutoCloseable {
        final FrameRecord record;
        final MatchPolicy policy;
        final FacePipeline faces;
        final FacePipeline.Detected detected;
        /** The stream record's timestamp, or null. */
        final Long timestamp;
        private final FrameDecoder.DecodedImage decoded;

        PendingFrame(FrameRecord record, MatchPolicy policy, FacePipeline faces, FrameDecoder.DecodedImage decoded,
                     FacePipeline.Detected detected, Long timestamp) {
            this.record = record;
            this.policy = policy;
            this.faces = faces;
            this.decoded = decoded;
            this.detected = detected;
            this.timestamp = timestamp;
        }

        String cameraId() {
            return record.frame.getCameraId();
        }

        /** Decode memory the frame holds until it is described. */
        long heldBytes() {
            return decoded.permit().bytes();
        }

        /** Gives the decoded image's budget share back (once). */
        @Override
        public void close() {
            decoded.close();
        }
    }

    /** Where one frame's results go: the main output, side outputs and its camera's timers. */
    interface FrameOutputs {
        void collect(Outbound outbound);

        <T> void output(OutputTag<T> tag, T value);

        void registerProcessingTimeTimer(long time);
    }

    private static FrameOutputs outputsOf(ReadOnlyContext ctx, Collector<Outbound> out) {
        return new FrameOutputs() {
            @Override
            public void collect(Outbound outbound) {
                out.collect(outbound);
            }

            @Override
            public <T> void output(OutputTag<T> tag, T value) {
                ctx.output(tag, value);
            }

            @Override
            public void registerProcessingTimeTimer(long time) {
                ctx.timerService().registerProcessingTimeTimer(time);
            }
        };
    }

    /** Makes a frame's camera the current key (its keyed state and timers) and gives the frame's outputs. */
    @FunctionalInterface
    interface FrameScope {
        FrameOutputs enter(PendingFrame frame) throws Exception;
    }

    /**
     * The second half of the analysis for a batch of frames, in their order: the landmark and
     * descriptor nets run once per face pipeline over the faces of all of them, then each frame is
     * matched, sealed and emitted within its own camera's scope. A net failure on the batch falls
     * back to each frame alone, so only the frame that fails becomes a dead letter. Every frame's
     * decoded image is released, whatever happens.
     */
    void complete(List<PendingFrame> batch, FrameScope scope) throws Exception {
        try {
            List<Object> found = describeAll(batch);
            for (PendingFrame frame : batch) {
                frame.close(); // the images are no longer needed
            }
            for (int i = 0; i < batch.size(); i++) {
                PendingFrame frame = batch.get(i);
                FrameOutputs outputs = scope.enter(frame);
                if (found.get(i) instanceof RuntimeException e) {
                    deadLetter(frame.record, DeadLetterReason.PROCESSING_ERROR, e.getClass().getSimpleName() + ": " + e.getMessage(), outputs);
                } else {
                    @SuppressWarnings("unchecked")
                    List<FacePipeline.Face> faces = (List<FacePipeline.Face>) found.get(i);
                    finish(frame, faces, outputs);
                }
            }
        } finally {
            batch.forEach(PendingFrame::close);
        }
    }

    /**
     * The faces of each frame of the batch (a {@code List<Face>}), or the RuntimeException that the
     * frame alone fails with; the nets run once per face pipeline.
     */
    private List<Object> describeAll(List<PendingFrame> batch) {
        List<Object> found = new ArrayList<>(Collections.nCopies(batch.size(), null));
        Map<FacePipeline, List<Integer>> byPipeline = new LinkedHashMap<>();
        for (int i = 0; i < batch.size(); i++) {
            byPipeline.computeIfAbsent(batch.get(i).faces, f -> new ArrayList<>()).add(i);
        }
        for (Map.Entry<FacePipeline, List<Integer>> group : byPipeline.entrySet()) {
            List<Integer> members = group.getValue();
            try {
                List<List<FacePipeline.Face>> described = group.getKey().describe(
                        members.stream().map(i -> batch.get(i).detected).toList(), metrics);
                for (int j = 0; j < members.size(); j++) {
                    found.set(members.get(j), described.get(j));
                }
            } catch (RuntimeException batchFailure) {
                for (int i : members) { // find the frame that fails; the others are analysed alone
                    PendingFrame frame = batch.get(i);
                    try {
                        found.set(i, group.getKey().describe(List.of(frame.detected), metrics).get(0));
                    } catch (RuntimeException e) {
                        Frame f = frame.record.frame;
                        LOG.warn("frame {}/{} failed in analysis: {}", f.getCameraId(), f.getSequence(), e.toString());
                        found.set(i, e);
                    }
                }
            }
        }
        return found;
    }

    /** Dead-letters a frame with its reason; it counts in its camera's analytics as one. */
    private void deadLetter(FrameRecord record, DeadLetterReason reason, String detail, FrameOutputs outputs) {
        Frame frame = record.frame;
        outputs.output(ParseFrameFunction.DEAD_LETTERS, deadLetters.of(record, reason, detail));
        outputs.output(ACTIVITY, CameraActivity.deadLetter(frame.getCameraId(), frame.getCaptureTime().toEpochMilli()));
    }

    private static void closeQuietly(FrameDecoder.DecodedImage decoded) {
        if (decoded != null) {
            decoded.close();
        }
    }

    /**
     * The rest of a frame's analysis once its faces are described: match, seal, emit the result and
     * the templates, keep the camera's latest result (the frame's camera is the current key).
     */
    private void finish(PendingFrame pending, List<FacePipeline.Face> found, FrameOutputs outputs) throws Exception {
        FrameRecord record = pending.record;
        Frame frame = record.frame;
        MatchPolicy policy = pending.policy;
        FacePipeline faces = pending.faces;
        int width = pending.detected.image().width(); // as analysed: upright after the EXIF orientation
        int height = pending.detected.image().height();
        // Privacy mode (PrivacyFilter): only the kept faces are sealed, reported and sighted; the rest are counted.
        long matchStart = System.nanoTime();
        Identification[] identifications = policy.privacyMode().matches() ? identify(found, policy) : new Identification[found.size()];
        metrics.took(AnalysisMetrics.Step.MATCH, System.nanoTime() - matchStart);
        long now = System.currentTimeMillis();
        List<FaceResult> faceResults = new ArrayList<>(found.size());
        List<EncryptedTemplate> templates = new ArrayList<>();
        List<SightingUpdate> sighted = new ArrayList<>();
        List<FacePipeline.Face> kept;
        int matches = 0;
        try { // a data key that cannot be had (key store down, KMS error) makes the frame a dead letter, not a job failure
            for (int i = 0; i < identifications.length; i++) {
                identifications[i] = withLiveSubject(identifications[i]);
            }
            kept = PrivacyFilter.kept(policy.privacyMode(), found, identifications);
            for (FacePipeline.Face face : kept) {
                String faceId = faceId(frame, face.index());
                EncryptedTemplate template = null;
                Identification identification = identifications[face.index()];
                if (face.described()) {
                    Sealing sealing = sealingFor(identification, frame.getCameraId(), now, policy);
                    identification = sealing.identification();
                    AssociatedData ad = new AssociatedData(frame.getCameraId(), frame.getSequence(), face.index());
                    long sealStart = System.nanoTime();
                    template = cipher.seal(faceId, face.descriptor(), ad, faces.modelId(), sealing.key());
                    metrics.took(AnalysisMetrics.Step.SEAL, System.nanoTime() - sealStart);
                    templates.add(template);
                    if (identification.getMatched()) {
                        matches++;
                        sighted.add(SightingUpdate.match(identification.getSubjectId(), frame.getCameraId(),
                                frame.getSequence(), faceId, frame.getCaptureTime().toEpochMilli(), identification.getDistance()));
                    }
                }
                faceResults.add(FaceResult.newBuilder()
                        .setFaceIndex(face.index())
                        .setFaceId(faceId)
                        .setBox(new Box(face.detection().x(), face.detection().y(), face.detection().width(), face.detection().height()))
                        .setScore(face.detection().score())
                        .setStatus(face.status())
                        .setLandmarks(FaceResults.landmarks(face.landmarks()))
                        .setQuality(FaceResults.quality(face.quality()))
                        .setTemplateRef(template == null ? null : faceId)
                        .setIdentification(identification)
                        .build());
            }
        } catch (GeneralSecurityException | KeyStoreUnavailableException e) {
            LOG.warn("frame {}/{}: no data key to seal its templates under: {}", frame.getCameraId(), frame.getSequence(), e.toString());
            deadLetter(record, DeadLetterReason.PROCESSING_ERROR, "data key unavailable: " + e.getMessage(), outputs);
            return;
        }
        sighted.forEach(update -> outputs.output(SUBJECT_SIGHTINGS, update));
        String sessionId = control.sessionOf(frame);
        FrameResult result = FrameResult.newBuilder()
                .setCameraId(frame.getCameraId())
                .setSequence(frame.getSequence())
                .setCaptureTime(frame.getCaptureTime())
                .setSessionId(sessionId)
                .setProcessedTime(Instant.ofEpochMilli(now))
                .setWidth(width)
                .setHeight(height)
                .setDetector(faces.detectorName())
                .setFaces(faceResults)
                .setDroppedFaces(found.size() - kept.size())
                .build();

        byte[] latestValue;
        try {
            latestValue = CameraStateCodec.sealLatest(stateSeal, frame.getCameraId(), new CameraLatest(result, templates));
        } catch (GeneralSecurityException | KeyStoreUnavailableException e) {
            LOG.warn("frame {}/{}: no data key to seal the camera's latest result under: {}", frame.getCameraId(),
                    frame.getSequence(), e.toString());
            deadLetter(record, DeadLetterReason.PROCESSING_ERROR, "data key unavailable: " + e.getMessage(), outputs);
            return;
        }
        countAnalysis(found, kept.size(), templates.size(), matches, now, frame.getCaptureTime().toEpochMilli());
        for (EncryptedTemplate template : templates) {
            outputs.collect(new Outbound(config.topics().templates(), utf8(template.getFaceId()), WireFormat.encode(template), now));
        }
        outputs.collect(new Outbound(config.topics().results(), utf8(frame.getCameraId()), WireFormat.encode(result), now));
        latest.update(latestValue);
        outputs.registerProcessingTimeTimer(retentionDue(now, policy.unenrolledRetention()));
        outputs.output(SIGHTINGS, new CameraSighting(frame.getCameraId(), frame.getSequence(), now));
        outputs.output(ACTIVITY, activity(frame.getCameraId(), frame.getCaptureTime().toEpochMilli(), policy.privacyMode(), found,
                identifications, sighted));
        if (sessionId != null) {
            outputs.output(SESSION_FRAMES, new SessionFrame(sessionId, frame.getCameraId(), found.size(), matches,
                    frame.getCaptureTime().toEpochMilli()));
        }
    }

    /**
     * The frame's analytics: every face counts, under any privacy mode; unknown faces and subjects
     * only where the mode matches, and subjects only as far as the mode keeps them (the sightings).
     */
    static CameraActivity activity(String cameraId, long captureTimeMillis, PrivacyMode mode, List<FacePipeline.Face> found,
                                   Identification[] identifications, List<SightingUpdate> sighted) {
        int described = 0;
        int unknown = 0;
        for (FacePipeline.Face face : found) {
            if (face.described()) {
                described++;
                Identification identification = identifications[face.index()];
                if (mode.matches() && (identification == null || !identification.getMatched())) {
                    unknown++;
                }
            }
        }
        String[] subjects = sighted.stream().map(update -> update.subjectId).distinct().toArray(String[]::new);
        return CameraActivity.analysed(cameraId, captureTimeMillis, found.size(), described, unknown, subjects);
    }

    private void countAnalysis(List<FacePipeline.Face> found, int kept, int sealed, int matches, long now, long captured) {
        metrics.framesAnalyzed.inc();
        metrics.facesFound.inc(found.size());
        metrics.facesDescribed.inc(found.stream().filter(FacePipeline.Face::described).count());
        metrics.facesDropped.inc(found.size() - kept);
        metrics.templatesSealed.inc(sealed);
        metrics.facesMatched.inc(matches);
        metrics.lag(now, captured);
    }

    private record Sealing(Identification identification, TemplateKeyRing.DataKey key) {}

    /**
     * The key a face is sealed under: its matched subject's own key, else the camera's period key.
     */
    private Sealing sealingFor(Identification identification, String cameraId, long now, MatchPolicy policy)
            throws GeneralSecurityException {
        Identification id = withLiveSubject(identification);
        if (id != null && id.getMatched()) {
            Optional<TemplateKeyRing.DataKey> subjectKey = keys.existingSubjectKey(id.getSubjectId());
            if (subjectKey.isPresent()) {
                return new Sealing(id, subjectKey.get());
            }
        }
        return new Sealing(id, keys.periodKey(cameraId, Instant.ofEpochMilli(now), config.crypto().period(),
                policy.unenrolledRetention()));
    }

    /**
     * The identification without subjects whose data key is gone (erased a moment ago, before the
     * erasure reached this subtask): as if they had never been enrolled.
     */
    private Identification withLiveSubject(Identification identification) throws GeneralSecurityException {
        Identification id = identification;
        while (id != null && id.getMatched() && keys.existingSubjectKey(id.getSubjectId()).isEmpty()) {
            id = Identifications.without(id, id.getSubjectId());
        }
        return id;
    }

    /**
     * When to look at a camera's latest result again: just after the retention, rounded up to a
     * hundredth of it (at least a second) so that a busy camera has about a hundred timers pending,
     * not one per frame.
     */
    static long retentionDue(long processedMillis, Duration retention) {
        long step = Math.max(1000L, retention.toMillis() / 100);
        return Math.floorDiv(processedMillis + retention.toMillis(), step) * step + step;
    }

    /** The camera's latest result leaves state once the camera's retention is over. */
    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<Outbound> out) throws Exception {
        byte[] bytes = latest.value();
        if (bytes == null) {
            return;
        }
        control.ensureLoaded(ctx::getBroadcastState);
        Duration retention = MatchPolicy.forCamera(control.settings(), ctx.getCurrentKey()).unenrolledRetention();
        Optional<CameraLatest> held;
        try {
            held = CameraStateCodec.openLatest(stateSeal, ctx.getCurrentKey(), bytes);
        } catch (DataKeyUnavailableException | KeyStoreUnavailableException e) { // try again in a minute
            ctx.timerService().registerProcessingTimeTimer(timestamp + 60_000);
            return;
        }
        long processed = held.isEmpty() ? Long.MIN_VALUE / 2 : held.get().getFrameResult().getProcessedTime().toEpochMilli();
        if (processed + retention.toMillis() <= timestamp) { // or its key is gone
            latest.clear();
        } else { // the retention grew since the timer was set
            ctx.timerService().registerProcessingTimeTimer(retentionDue(processed, retention));
        }
    }

    private static ScheduledExecutorService startKeySweeper(TemplateKeyRing keys, Duration interval) {
        ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "data-key-expiry");
            thread.setDaemon(true);
            return thread;
        });
        sweeper.scheduleWithFixedDelay(() -> {
            try {
                keys.destroyExpired();
            } catch (Throwable e) { // a throw would end the schedule silently
                LOG.warn("destroying expired data keys failed; retried in {}: {}", interval, e.toString());
            }
        }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        LOG.info("expired data keys are destroyed every {}", interval);
        return sweeper;
    }

    /** The identification of each described face by face index (null for the others), all probes in one batch. */
    private Identification[] identify(List<FacePipeline.Face> found, MatchPolicy policy) {
        List<FacePipeline.Face> described = found.stream().filter(FacePipeline.Face::described).toList();
        float[][] probes = new float[described.size()][];
        for (int i = 0; i < probes.length; i++) {
            probes[i] = described.get(i).descriptor();
        }
        List<Identification> identified = control.identify(probes, policy);
        Identification[] byFace = new Identification[found.size()];
        for (int i = 0; i < probes.length; i++) {
            byFace[described.get(i).index()] = identified.get(i);
        }
        return byFace;
    }

    @Override
    public void processBroadcastElement(ControlRecord record, Context ctx, Collector<Outbound> out) throws Exception {
        control.ensureLoaded(ctx::getBroadcastState);
        ControlEvent event = record.event;
        Optional<String> refused = control.apply(event, ctx::getBroadcastState);
        if (refused.isPresent()) {
            // Every subtask refuses alike; one dead letter is enough.
            if (getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0) {
                LOG.warn("control event {} {} refused: {}", event.getType(), event.getEventId(), refused.get());
                ctx.output(ParseFrameFunction.DEAD_LETTERS, deadLetters.of(record, DeadLetterReason.INVALID_FIELD, refused.get()));
            }
            return;
        }
        if (event.getType() == ControlType.SUBJECT_ERASED) {
            String subjectId = event.getSubjectId();
            if (getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0) {
                // The API destroys the keys once the erasure has committed (and retries when it cannot);
                // this destroys whatever is left, also for an erasure replayed after a restore (idempotent).
                try {
                    keys.destroySubject(subjectId);
                } catch (KeyStoreUnavailableException e) { // the keys topic down must not fail the job
                    LOG.error("subject {}: its data keys could not be destroyed now: {}", subjectId, e.toString());
                    ctx.output(ParseFrameFunction.DEAD_LETTERS, deadLetters.of(record, DeadLetterReason.PROCESSING_ERROR,
                            "data keys of the erased subject not destroyed (key store unavailable): " + e.getMessage()));
                }
            }
            // Take the subject out of the latest results this subtask keeps, then clear its sightings.
            ctx.applyToKeyedState(QueryableStateNames.cameraLatestDescriptor(), (camera, state) -> {
                byte[] bytes = state.value();
                try {
                    Optional<CameraLatest> held = bytes == null ? Optional.empty() : CameraStateCodec.openLatest(stateSeal, camera, bytes);
                    CameraLatest erased = held.isEmpty() ? null : withoutSubject(held.get(), subjectId);
                    if (erased != null) {
                        state.update(CameraStateCodec.sealLatest(stateSeal, camera, erased));
                    }
                } catch (DataKeyUnavailableException | KeyStoreUnavailableException e) {
                    // The subject's identifications stay in this camera's latest result until its next frame
                    // replaces it; the API never shows an erased subject (it checks the ledger).
                    LOG.error("camera {}: subject {} not taken out of the latest result now: {}", camera, subjectId, e.toString());
                }
            });
            ctx.output(SUBJECT_SIGHTINGS, SightingUpdate.erasure(subjectId));
        }
    }

    /** The latest result with the subject taken out of every identification, or null when it names the subject nowhere. */
    static CameraLatest withoutSubject(CameraLatest latest, String subjectId) {
        boolean changed = false;
        List<FaceResult> faces = new ArrayList<>(latest.getFrameResult().getFaces().size());
        for (FaceResult face : latest.getFrameResult().getFaces()) {
            Identification after = Identifications.without(face.getIdentification(), subjectId);
            if (after != face.getIdentification()) {
                changed = true;
                face = FaceResult.newBuilder(face).setIdentification(after).build();
            }
            faces.add(face);
        }
        if (!changed) {
            return null;
        }
        FrameResult result = FrameResult.newBuilder(latest.getFrameResult()).setFaces(faces).build();
        return new CameraLatest(result, latest.getTemplates());
    }

    /** Stable, unique id of a face: camera, frame sequence, index within the frame. */
    public static String faceId(Frame frame, int faceIndex) {
        return frame.getCameraId() + "/" + frame.getSequence() + "/" + faceIndex;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        if (keySweeper != null) {
            keySweeper.shutdownNow();
        }
        if (keys != null) {
            keys.close();
        }
        if (pipelines != null) {
            pipelines.close();
        }
        if (control != null) {
            control.close();
        }
    }
}
