package io.biostream.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.biostream.api.auth.ApiKey;
import io.biostream.api.auth.Role;
import io.biostream.api.state.CameraStateReader;
import io.biostream.api.state.FlinkJobStatus.Status;
import io.biostream.operators.state.CameraSeen;
import io.biostream.operators.audit.AuditActions;
import io.biostream.operators.audit.AuditEntry;
import io.biostream.operators.audit.AuditSink;
import io.biostream.operators.decode.DecodeLimits;
import io.biostream.operators.decode.FrameDecoder;
import io.biostream.operators.vision.DetectedFace;
import io.biostream.operators.vision.FaceAnnotator;
import io.biostream.schemas.AuditOutcome;
import io.biostream.schemas.CameraLatest;
import io.biostream.schemas.Frame;
import io.biostream.schemas.FaceResult;
import io.biostream.schemas.FrameResult;
import io.biostream.schemas.Identification;
import io.javalin.websocket.WsCloseContext;
import io.javalin.websocket.WsConfig;
import io.javalin.websocket.WsConnectContext;
import io.javalin.websocket.WsContext;
import io.javalin.websocket.WsMessageContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.eclipse.jetty.websocket.api.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live endpoint {@code /api/v1/live} (docs/architecture.md, "Live API"): clients connect with
 * a ticket, subscribe to channels, and get results, alerts, camera and job status pushed. Each
 * client has a bounded queue sent one message at a time: a client that does not read fills its own
 * queue, whose oldest messages are dropped and counted, and never holds up the others.
 */
final class LiveHub implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LiveHub.class);
    /** Close codes (docs/architecture.md, "Live API"). */
    static final int CLOSE_TICKET = 4401;
    static final int CLOSE_FORBIDDEN = 4403;
    static final int CLOSE_OVERLOAD = 1013;
    static final int CLOSE_SHUTDOWN = 1001;
    /** How often camera and job status go out to their subscribers. */
    static final Duration STATUS_INTERVAL = Duration.ofSeconds(5);
    /** A camera's frames per second are counted over this window. */
    private static final Duration RATE_WINDOW = Duration.ofSeconds(10);
    private static final int MAX_CLIENT_MESSAGE = 4096;
    private static final int VIDEO_JPEG_QUALITY = 80;
    private static final int MAX_CAMERA_IDS = 100;
    /** A distance goes out rounded to this many decimals: enough to judge a match, not a precise biometric measure. */
    private static final double DISTANCE_SCALE = 1000.0;

    /** What a client may subscribe to, and which roles may. */
    enum Channel {
        RESULTS(Role.ANALYST), CAMERAS(Role.ANALYST, Role.MONITOR), JOB(Role.ANALYST, Role.ADMIN, Role.MONITOR),
        ALERTS(Role.ANALYST), VIDEO(Role.ANALYST);

        final Set<Role> roles;

        Channel(Role... roles) {
            this.roles = Set.of(roles);
        }

        String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        boolean allows(ApiKey key) {
            return roles.stream().anyMatch(key::has);
        }

        static Optional<Channel> parse(String text) {
            for (Channel c : values()) {
                if (c.wireName().equals(text)) {
                    return Optional.of(c);
                }
            }
            return Optional.empty();
        }
    }

    /** The roles that may ask for a ticket: those that may subscribe to some channel. */
    static final Role[] TICKET_ROLES = {Role.ANALYST, Role.ADMIN, Role.MONITOR};


    private final LiveConfig config;
    private final LiveTickets tickets;
    private final CameraStateReader state;
    private final Predicate<String> watchlisted;
    /** Whether a key still holds (not revoked): checked at connect and with every heartbeat. */
    private final Predicate<ApiKey> keyValid;
    private volatile Supplier<Optional<Status>> jobStatus;
    private final ObjectMapper json;
    private final Clock clock;
    private final Map<String, Client> clients = new ConcurrentHashMap<>();
    private final Map<String, CameraActivity> activity = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;
    private final AuditSink audit;
    /** Each camera's latest result: the boxes drawn on its video frames. */
    private final Map<String, FrameResult> latest = new ConcurrentHashMap<>();
    private final FrameDecoder decoder = new FrameDecoder(DecodeLimits.from(io.biostream.operators.config.Settings.of(Map.of())));
    /** Opens a follower of the frames topic handing each record's value over; null: no frames topic (tests feed frames). */
    private volatile java.util.function.Function<java.util.function.Consumer<byte[]>, AutoCloseable> framesOpener;
    /** The frames follower while a video view is open. Guarded by {@link #clients}. */
    private AutoCloseable framesFollower;
    private volatile boolean closed;

    /**
     * @param watchlisted whether a subject is on the watchlist (alerts are sent for its matches)
     * @param jobStatus the pipeline job's status, empty when unknown
     */
    LiveHub(LiveConfig config, CameraStateReader state, Predicate<String> watchlisted, Predicate<ApiKey> keyValid,
            Supplier<Optional<Status>> jobStatus, AuditSink audit, ObjectMapper json, Clock clock) {
        this.config = config;
        this.keyValid = keyValid;
        this.audit = audit;
        this.tickets = new LiveTickets(config.ticketTtl(), clock);
        this.state = state;
        this.watchlisted = watchlisted;
        this.jobStatus = jobStatus;
        this.json = json;
        this.clock = clock;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "live-timer");
            t.setDaemon(true);
            return t;
        });
        long beat = config.heartbeat().toMillis();
        timer.scheduleAtFixedRate(guarded(this::heartbeats), beat, beat, TimeUnit.MILLISECONDS);
        long status = STATUS_INTERVAL.toMillis();
        timer.scheduleAtFixedRate(guarded(this::statuses), status, status, TimeUnit.MILLISECONDS);
    }

    /** A periodic task that logs a failure instead of throwing: a task that throws is never run again. */
    private static Runnable guarded(Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.warn("live: a periodic task failed: {}", e.toString());
            }
        };
    }

    /** POST /api/v1/live/tickets */
    void issueTicket(io.javalin.http.Context ctx) {
        LiveTickets.Issued issued = tickets.issue(io.biostream.api.auth.AccessControl.caller(ctx));
        ctx.json(LiveTickets.answer(issued, tickets.ttl()));
    }

    /** The WebSocket handlers of GET /api/v1/live. */
    void configure(WsConfig ws) {
        ws.onConnect(this::connected);
        ws.onMessage(this::received);
        ws.onClose(this::disconnected);
        ws.onError(ctx -> LOG.debug("live client {}: {}", ctx.sessionId(), String.valueOf(ctx.error())));
    }

    /** Where the {@code job} channel's status comes from from now on. */
    void jobStatusFrom(Supplier<Optional<Status>> source) {
        this.jobStatus = java.util.Objects.requireNonNull(source, "source");
    }

    /** How the frames topic is followed while a video view is open. */
    void framesFrom(java.util.function.Function<java.util.function.Consumer<byte[]>, AutoCloseable> opener) {
        this.framesOpener = opener;
    }

    int clientCount() {
        return clients.size();
    }

    private void connected(WsConnectContext ctx) {
        Optional<ApiKey> key = tickets.redeem(ctx.queryParam("ticket")).filter(keyValid);
        if (key.isEmpty()) {
            ctx.session.close(CLOSE_TICKET, "ticket unknown, used or expired", Callback.NOOP);
            return;
        }
        if (closed) {
            ctx.session.close(CLOSE_SHUTDOWN, "server shutting down", Callback.NOOP);
            return;
        }
        synchronized (clients) {
            if (clients.size() >= config.maxClients()) {
                LOG.warn("live: refusing key {}: {} clients connected already", key.get().id(), clients.size());
                ctx.session.close(CLOSE_OVERLOAD, "too many live clients; try again later", Callback.NOOP);
                return;
            }
            clients.put(ctx.sessionId(), new Client(ctx, key.get(), config.queueSize()));
        }
        ctx.session.setMaxTextMessageSize(MAX_CLIENT_MESSAGE);
        LOG.info("live client connected: key={} clients={}", key.get().id(), clients.size());
    }

    private void disconnected(WsCloseContext ctx) {
        Client gone = clients.remove(ctx.sessionId());
        if (gone != null && gone.video != null) {
            gone.video = null;
            videoViewsChanged();
        }
        if (gone != null) {
            LOG.info("live client closed: key={} status={} dropped={}", gone.key.id(), ctx.status(), gone.dropped());
        }
    }

    private void received(WsMessageContext ctx) {
        Client client = clients.get(ctx.sessionId());
        if (client == null) {
            return;
        }
        JsonNode message;
        try {
            message = json.readTree(ctx.message());
        } catch (JsonProcessingException e) {
            client.send(error("bad_message", "a message is a JSON object with a \"type\""));
            return;
        }
        String type = message.path("type").asText("");
        if (!type.equals("subscribe") && !type.equals("unsubscribe")) {
            client.send(error("bad_message", "type must be subscribe or unsubscribe"));
            return;
        }
        Optional<Channel> channel = Channel.parse(message.path("channel").asText(""));
        if (channel.isEmpty()) {
            client.send(error("unknown_channel", "channel must be one of results, cameras, job, alerts, video"));
            return;
        }
        if (type.equals("unsubscribe")) {
            client.subscriptions.remove(channel.get());
            if (channel.get() == Channel.VIDEO && client.video != null) {
                client.video = null;
                videoViewsChanged();
            }
            client.send(write(message("unsubscribed", Map.of("channel", channel.get().wireName()))));
            return;
        }
        if (!channel.get().allows(client.key)) {
            client.send(error("forbidden", "this API key may not subscribe to " + channel.get().wireName()));
            client.close(CLOSE_FORBIDDEN, "role lacking for channel " + channel.get().wireName(), true);
            return;
        }
        Optional<Set<String>> cameras = cameraIds(message.path("cameraIds"));
        if (cameras.isEmpty()) {
            client.send(error("invalid_camera_ids", "cameraIds is an array of at most " + MAX_CAMERA_IDS
                    + " camera ids (1 to 128 letters, digits or . _ : -)"));
            return;
        }
        if (channel.get() == Channel.VIDEO && !openVideo(client, cameras.get(), message.path("fps"))) {
            return;
        }
        client.subscriptions.put(channel.get(), cameras.get());
        Map<String, Object> ack = new LinkedHashMap<>();
        ack.put("channel", channel.get().wireName());
        ack.put("cameraIds", cameras.get());
        client.send(write(message("subscribed", ack)));
        if (channel.get() == Channel.CAMERAS) {
            timer.execute(() -> cameraStatus(List.of(client)));
        } else if (channel.get() == Channel.JOB) {
            timer.execute(() -> jobStatus(List.of(client)));
        }
    }

    /** The camera ids of a subscription: empty set for all cameras; empty when malformed. */
    private static Optional<Set<String>> cameraIds(JsonNode node) {
        if (node.isMissingNode() || node.isNull()) {
            return Optional.of(Set.of());
        }
        if (!node.isArray() || node.size() > MAX_CAMERA_IDS) {
            return Optional.empty();
        }
        Set<String> ids = new java.util.TreeSet<>();
        for (JsonNode id : node) {
            if (!id.isTextual() || !io.biostream.operators.config.CameraIds.isValid(id.asText())) {
                return Optional.empty();
            }
            ids.add(id.asText());
        }
        return Optional.of(Set.copyOf(ids));
    }

    /** A result from biostream.results: to the results subscribers, and alerts for watchlisted matches. */
    void result(FrameResult frame) {
        String cameraId = frame.getCameraId();
        activity.computeIfAbsent(cameraId, id -> new CameraActivity()).saw(frame, clock.instant());
        latest.put(cameraId, frame);
        List<Client> forResults = subscribers(Channel.RESULTS, cameraId);
        if (!forResults.isEmpty()) {
            String text = write(resultMessage(frame));
            forResults.forEach(c -> c.send(text));
        }
        List<Client> forAlerts = subscribers(Channel.ALERTS, cameraId);
        if (forAlerts.isEmpty()) {
            return;
        }
        for (FaceResult face : frame.getFaces()) {
            Identification id = face.getIdentification();
            if (id == null || !id.getMatched() || id.getSubjectId() == null || !isWatchlisted(id.getSubjectId())) {
                continue;
            }
            Map<String, Object> alert = new LinkedHashMap<>();
            alert.put("cameraId", cameraId);
            alert.put("sequence", frame.getSequence());
            alert.put("captureTime", frame.getCaptureTime());
            alert.put("faceIndex", face.getFaceIndex());
            alert.put("subjectId", id.getSubjectId());
            alert.put("distance", rounded(id.getDistance()));
            alert.put("box", new CameraJson.BoxJson(face.getBox().getX(), face.getBox().getY(),
                    face.getBox().getWidth(), face.getBox().getHeight()));
            String text = write(message("alert", alert));
            forAlerts.forEach(c -> c.send(text));
        }
    }

    private boolean isWatchlisted(String subjectId) {
        try {
            return watchlisted.test(subjectId);
        } catch (RuntimeException e) { // an erased subject, keys unavailable: no alert, the result still goes out
            LOG.debug("watchlist of subject {} unknown: {}", subjectId, e.toString());
            return false;
        }
    }

    /**
     * The REST view of a result (CameraJson, without descriptors and landmarks: live messages
     * never carry biometric data, so no key's view needs auditing) with each face's identification.
     */
    Map<String, Object> resultMessage(FrameResult frame) {
        CameraJson.Latest latest = CameraJson.latest(new CameraLatest(frame, List.of()), null, false);
        List<Map<String, Object>> faces = new ArrayList<>();
        for (int i = 0; i < latest.faces().size(); i++) {
            CameraJson.Face face = latest.faces().get(i);
            Identification id = frame.getFaces().get(i).getIdentification();
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("faceIndex", face.faceIndex());
            out.put("faceId", face.faceId());
            out.put("box", face.box());
            out.put("score", face.score());
            out.put("status", face.status());
            out.put("quality", face.quality());
            if (id != null) {
                Map<String, Object> identification = new LinkedHashMap<>();
                identification.put("matched", id.getMatched());
                identification.put("subjectId", id.getMatched() ? id.getSubjectId() : null);
                identification.put("distance", rounded(id.getDistance()));
                out.put("identification", identification);
            }
            faces.add(out);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("cameraId", latest.cameraId());
        body.put("sequence", latest.sequence());
        body.put("captureTime", latest.captureTime());
        body.put("processedTime", latest.processedTime());
        body.put("width", latest.width());
        body.put("height", latest.height());
        body.put("faces", faces);
        body.put("droppedFaces", frame.getDroppedFaces());
        return message("result", body);
    }

    private static Double rounded(Float distance) {
        return distance == null || !Float.isFinite(distance) ? null : Math.round(distance * DISTANCE_SCALE) / DISTANCE_SCALE;
    }

    /**
     * Opens a video view: one camera, at the client's {@code fps} (default {@code api.live.video-fps},
     * at most 5), audited ({@code biometric.video.view}) before any frame goes out.
     */
    private boolean openVideo(Client client, Set<String> cameras, JsonNode fpsField) {
        if (cameras.size() != 1) {
            client.send(error("invalid_camera_ids", "a video view is of exactly one camera: cameraIds [id]"));
            return false;
        }
        int fps = fpsField.isMissingNode() || fpsField.isNull() ? config.videoFps() : fpsField.asInt(-1);
        if (!fpsField.isMissingNode() && !fpsField.isNull() && (!fpsField.isInt() || fps < 1 || fps > LiveConfig.MAX_VIDEO_FPS)) {
            client.send(error("invalid_fps", "fps is an integer from 1 to " + LiveConfig.MAX_VIDEO_FPS));
            return false;
        }
        String cameraId = cameras.iterator().next();
        try {
            audit.record(AuditEntry.of(client.key.id(), AuditActions.VIDEO_VIEW, cameraId, AuditOutcome.SUCCESS,
                    Map.of("fps", Integer.toString(fps))));
        } catch (RuntimeException e) {
            LOG.warn("live: the video view of camera {} by key {} could not be audited: {}", cameraId, client.key.id(), e.toString());
            client.send(error("audit_unavailable", "the view cannot be audited now; no video is sent"));
            return false;
        }
        client.video = new VideoView(cameraId, 1_000_000_000L / fps);
        videoViewsChanged();
        return true;
    }

    /** Starts following the frames topic at the first video view, stops at the last one closed. */
    private void videoViewsChanged() {
        synchronized (clients) {
            boolean viewing = !closed && clients.values().stream().anyMatch(c -> c.video != null);
            if (viewing && framesFollower == null && framesOpener != null) {
                framesFollower = framesOpener.apply(this::frameRecord);
            } else if (!viewing && framesFollower != null) {
                AutoCloseable stop = framesFollower;
                framesFollower = null;
                timer.execute(() -> closeQuietly(stop)); // closing waits for the follower's thread: not on a socket's
            }
        }
    }

    private void frameRecord(byte[] value) {
        try {
            frame(io.biostream.schemas.WireFormat.decode(Frame.class, value));
        } catch (java.io.IOException | RuntimeException e) {
            LOG.debug("live: a frames record is not a Frame: {}", e.toString());
        }
    }

    /**
     * A frame from the frames topic: to each client viewing its camera whose rate allows one now,
     * as a JPEG with the boxes and scores of the camera's latest result drawn on it.
     */
    void frame(Frame frame) {
        long now = System.nanoTime();
        List<Client> due = new ArrayList<>();
        for (Client c : clients.values()) {
            VideoView view = c.video;
            if (view != null && view.cameraId().equals(frame.getCameraId()) && view.due(now)) {
                due.add(c);
            }
        }
        if (due.isEmpty()) {
            return;
        }
        FrameResult result = latest.get(frame.getCameraId());
        List<FaceAnnotator.Annotation> boxes = new ArrayList<>();
        if (result != null) {
            for (FaceResult face : result.getFaces()) {
                boxes.add(FaceAnnotator.Annotation.box(new DetectedFace(face.getBox().getX(), face.getBox().getY(),
                        face.getBox().getWidth(), face.getBox().getHeight(), face.getScore())));
            }
        }
        byte[] jpeg;
        try (FrameDecoder.DecodedImage image = decoder.open(frame)) {
            jpeg = FaceAnnotator.annotateJpeg(image.image(), boxes, VIDEO_JPEG_QUALITY);
        } catch (Exception e) {
            LOG.debug("live: frame {}/{} not shown: {}", frame.getCameraId(), frame.getSequence(), e.toString());
            return;
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("cameraId", frame.getCameraId());
        body.put("sequence", frame.getSequence());
        body.put("captureTime", frame.getCaptureTime());
        body.put("resultSequence", result == null ? null : result.getSequence());
        body.put("faces", boxes.size());
        body.put("jpeg", java.util.Base64.getEncoder().encodeToString(jpeg));
        String text = write(message("video", body));
        due.forEach(c -> c.send(text));
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            LOG.warn("live: stopping the frames follower failed: {}", e.toString());
        }
    }

    private void heartbeats() {
        Instant now = clock.instant();
        for (Client client : clients.values()) {
            if (!keyValid.test(client.key)) {
                LOG.info("live: closing the connection of revoked key {}", client.key.id());
                client.close(CLOSE_TICKET, "the API key was revoked");
                continue;
            }
            Map<String, Object> beat = new LinkedHashMap<>();
            beat.put("time", now);
            beat.put("dropped", client.dropped());
            client.send(write(message("heartbeat", beat)));
        }
    }

    private void statuses() {
        List<Client> cameras = clients.values().stream().filter(c -> c.subscriptions.containsKey(Channel.CAMERAS)).toList();
        if (!cameras.isEmpty()) {
            cameraStatus(cameras);
        }
        List<Client> job = clients.values().stream().filter(c -> c.subscriptions.containsKey(Channel.JOB)).toList();
        if (!job.isEmpty()) {
            jobStatus(job);
        }
    }

    /** One {@code camera} message per camera the job knows of (and each seen here), to each subscriber that wants it. */
    private void cameraStatus(List<Client> to) {
        Map<String, Map<String, Object>> status = new java.util.TreeMap<>();
        try {
            for (CameraSeen seen : state.cameras()) {
                status.put(seen.cameraId(), cameraMessage(seen.cameraId(), seen.lastSeen(), seen.lastSequence()));
            }
        } catch (Exception e) { // state not reachable now: report what this API saw on the results topic
            LOG.debug("live camera status without state: {}", e.toString());
        }
        Instant now = clock.instant();
        activity.forEach((id, seen) -> status.computeIfAbsent(id, k -> cameraMessage(id, null, null))
                .putAll(seen.status(now)));
        for (Map.Entry<String, Map<String, Object>> camera : status.entrySet()) {
            String text = write(message("camera", camera.getValue()));
            to.stream().filter(c -> c.wants(Channel.CAMERAS, camera.getKey())).forEach(c -> c.send(text));
        }
    }

    private static Map<String, Object> cameraMessage(String cameraId, Instant lastSeen, Long lastSequence) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("cameraId", cameraId);
        body.put("lastSeen", lastSeen);
        body.put("lastSequence", lastSequence);
        body.put("framesPerSecond", 0.0);
        body.put("lagMillis", null);
        body.put("deadLetters", null); // the API does not read the dead-letter topic
        return body;
    }

    private void jobStatus(List<Client> to) {
        Optional<Status> job;
        try {
            job = jobStatus.get();
        } catch (RuntimeException e) {
            LOG.debug("live job status unknown: {}", e.toString());
            job = Optional.empty();
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("jobId", job.map(Status::jobId).orElse(null));
        body.put("running", job.map(Status::running).orElse(false));
        body.put("state", job.map(Status::state).orElse("UNKNOWN"));
        body.put("lastCheckpointId", job.map(Status::lastCheckpointId).orElse(null));
        body.put("lastCheckpointTime", job.map(Status::lastCheckpointTime).orElse(null));
        body.put("restarts", job.map(Status::restarts).orElse(null));
        String text = write(message("job", body));
        to.forEach(c -> c.send(text));
    }

    private List<Client> subscribers(Channel channel, String cameraId) {
        List<Client> out = new ArrayList<>();
        for (Client c : clients.values()) {
            if (c.wants(channel, cameraId)) {
                out.add(c);
            }
        }
        return out;
    }

    private static Map<String, Object> message(String type, Map<String, ?> fields) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("type", type);
        out.putAll(fields);
        return out;
    }

    private String error(String code, String text) {
        return write(message("error", Map.of("error", code, "message", text)));
    }

    private String write(Object message) {
        try {
            return json.writeValueAsString(message);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a live message does not serialize", e);
        }
    }

    /** Closes every client with 1001 (going away), then stops the timers. */
    @Override
    public void close() {
        closed = true;
        for (Client client : clients.values()) {
            client.close(CLOSE_SHUTDOWN, "server shutting down");
        }
        synchronized (clients) {
            if (framesFollower != null) {
                closeQuietly(framesFollower);
                framesFollower = null;
            }
        }
        timer.shutdownNow();
    }

    /** One client's view of one camera, at most one frame per {@code intervalNanos}. */
    static final class VideoView {
        private final String cameraId;
        private final long intervalNanos;
        private long lastSent;
        private boolean sent;

        VideoView(String cameraId, long intervalNanos) {
            this.cameraId = cameraId;
            this.intervalNanos = intervalNanos;
        }

        String cameraId() {
            return cameraId;
        }

        /** Whether a frame may go out now; if so, counts it as sent. */
        synchronized boolean due(long now) {
            if (sent && now - lastSent < intervalNanos) {
                return false;
            }
            sent = true;
            lastSent = now;
            return true;
        }
    }

    /** Frames per second and lag of one camera, from the results this API saw. */
    private static final class CameraActivity {
        private final ArrayDeque<Instant> arrivals = new ArrayDeque<>();
        private long lastLagMillis;
        private Instant lastSeen;
        private long lastSequence;

        synchronized void saw(FrameResult frame, Instant now) {
            arrivals.addLast(now);
            prune(now);
            lastLagMillis = Math.max(0, frame.getProcessedTime().toEpochMilli() - frame.getCaptureTime().toEpochMilli());
            lastSeen = frame.getCaptureTime();
            lastSequence = frame.getSequence();
        }

        synchronized Map<String, Object> status(Instant now) {
            prune(now);
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("lastSeen", lastSeen);
            out.put("lastSequence", lastSequence);
            out.put("framesPerSecond", Math.round(arrivals.size() * 10.0 / RATE_WINDOW.toSeconds()) / 10.0);
            out.put("lagMillis", lastLagMillis);
            return out;
        }

        private void prune(Instant now) {
            Instant from = now.minus(RATE_WINDOW);
            while (!arrivals.isEmpty() && arrivals.peekFirst().isBefore(from)) {
                arrivals.removeFirst();
            }
        }
    }

    /** One connection: its key, its subscriptions, and its bounded queue sent one message at a time. */
    static final class Client {
        final WsContext ctx;
        final ApiKey key;
        /** Channel -> camera ids wanted (empty: all). */
        final Map<Channel, Set<String>> subscriptions = new ConcurrentHashMap<>();
        /** The open video view, or null. */
        volatile VideoView video;
        private final int capacity;
        private final ArrayDeque<String> queue = new ArrayDeque<>();
        private boolean sending;
        private long dropped;
        private boolean closed;
        private CloseFrame closing;

        Client(WsContext ctx, ApiKey key, int capacity) {
            this.ctx = ctx;
            this.key = key;
            this.capacity = capacity;
        }

        boolean wants(Channel channel, String cameraId) {
            Set<String> cameras = subscriptions.get(channel);
            return cameras != null && (cameras.isEmpty() || cameras.contains(cameraId));
        }

        synchronized long dropped() {
            return dropped;
        }

        /** Queues a message; the oldest waiting one is dropped (and counted) when the queue is full. */
        void send(String text) {
            String next;
            synchronized (this) {
                if (closed) {
                    return;
                }
                if (queue.size() >= capacity) {
                    queue.removeFirst();
                    dropped++;
                }
                queue.addLast(text);
                if (sending) {
                    return;
                }
                sending = true;
                next = queue.removeFirst();
            }
            write(next);
        }

        private void write(String text) {
            try {
                ctx.session.sendText(text, Callback.from(this::sent, failure -> writeFailed()));
            } catch (RuntimeException e) {
                writeFailed();
            }
        }

        private void writeFailed() {
            boolean closing;
            synchronized (this) {
                sending = false;
                closing = closed;
            }
            if (closing) {
                closeNow(); // the close that waited for this write
            } else {
                close(1011, "send failed");
            }
        }

        private void sent() {
            String next;
            synchronized (this) {
                next = queue.pollFirst();
                if (next == null) {
                    sending = false;
                    if (closing == null) {
                        return;
                    }
                }
            }
            if (next != null) {
                write(next);
            } else {
                closeNow();
            }
        }

        /** Closes at once, dropping what is queued (revoked key, shutdown, a failed write). */
        void close(int code, String reason) {
            close(code, reason, false);
        }

        /**
         * Closes with {@code code}; with {@code flushFirst} the messages already queued (the error that
         * says why) and the one being written are sent first and the close frame after them: a close
         * issued while Jetty is still writing a frame was sometimes not seen by the client. A client
         * that stops reading then is dropped by the WebSocket idle timeout.
         */
        void close(int code, String reason, boolean flushFirst) {
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
                closing = new CloseFrame(code, reason);
                if (!flushFirst) {
                    queue.clear();
                } else if (sending) {
                    return; // sent() closes once the queue is written
                }
            }
            closeNow();
        }

        private void closeNow() {
            CloseFrame frame;
            synchronized (this) {
                frame = closing;
                closing = null;
            }
            if (frame != null) {
                ctx.session.close(frame.code(), frame.reason(), Callback.NOOP);
            }
        }

        private record CloseFrame(int code, String reason) {}
    }
}
