package io.biostream.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.biostream.api.audit.InMemoryAuditTrail;
import io.biostream.api.auth.ApiKeyStore;
import io.biostream.operators.testing.LiveSocket;
import io.biostream.api.auth.IssuedKey;
import io.biostream.api.auth.Permission;
import io.biostream.api.auth.RateLimit;
import io.biostream.api.auth.Role;
import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.operators.crypto.TestKeyRings;
import io.biostream.schemas.FaceResult;
import io.biostream.schemas.Frame;
import io.biostream.schemas.FrameResult;
import io.biostream.schemas.Identification;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The live endpoint over real HTTP and WebSocket against the running Javalin app: tickets (issued
 * to allowed roles only, refused with 4401 when wrong, reused or expired), roles per channel
 * (4403), results as pushed to subscribers, per-client bounded queues (a client that does not
 * read loses its oldest messages, counted, while another gets every message), the client limit
 * (1013) and shutdown (1001).
 */
class LiveEndpointTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final LiveConfig LIVE = new LiveConfig(4, 256, Duration.ofMillis(300), Duration.ofSeconds(30), 2);

    private static TemplateCipher cipher;
    private static ApiKeyStore keys;
    private static IssuedKey analyst;
    private static IssuedKey analystWithDescriptors;
    private static IssuedKey monitor;
    private static IssuedKey auditor;
    private static ApiServer server;
    private static InMemoryAuditTrail audit;

    @BeforeAll
    static void start() throws Exception {
        cipher = TestKeyRings.throwawayCipher();
        keys = new ApiKeyStore();
        analyst = keys.generate("analyst", Set.of(Role.ANALYST), Set.of());
        analystWithDescriptors = keys.generate("analyst+descriptors", Set.of(Role.ANALYST), Set.of(Permission.DESCRIPTORS));
        monitor = keys.generate("monitor", Set.of(Role.MONITOR), Set.of());
        auditor = keys.generate("auditor", Set.of(Role.AUDITOR), Set.of());
        audit = new InMemoryAuditTrail();
        server = start(LIVE, audit);
    }

    private static ApiServer start(LiveConfig live) throws Exception {
        return start(live, new InMemoryAuditTrail());
    }

    private static ApiServer start(LiveConfig live, InMemoryAuditTrail trail) throws Exception {
        return ApiServer.start(ApiConfig.defaults().withPort(0).withRateLimit(RateLimit.unlimited()).withLive(live), keys,
                new InMemoryCameraState(), cipher, trail.trail());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.stop();
        }
    }

    @Test
    void aTicketIsIssuedToAnAuthenticatedCallerOfALiveRoleOnly() throws Exception {
        HttpResponse<byte[]> issued = ApiRequests.send(server.port(), "POST", "/api/v1/live/tickets", analyst, null, null);
        assertThat(issued.statusCode()).isEqualTo(200);
        JsonNode body = ApiRequests.json(issued);
        assertThat(body.path("expiresInSeconds").asLong()).isEqualTo(30);
        // 32 random bytes, base64url without padding: 43 characters, 256 bits.
        assertThat(body.path("ticket").asText()).matches("[A-Za-z0-9_-]{43}");
        assertThat(ticket(server, analyst)).isNotEqualTo(body.path("ticket").asText());

        assertThat(ApiRequests.send(server.port(), "POST", "/api/v1/live/tickets", null, null, null).statusCode()).isEqualTo(401);
        assertThat(ApiRequests.send(server.port(), "POST", "/api/v1/live/tickets", auditor, null, null).statusCode()).isEqualTo(403);
    }

    @Test
    void aWrongOrMissingTicketIsRefusedWith4401() throws Exception {
        String made = ticket(server, analyst);
        String wrong = made.substring(0, 42) + (made.charAt(42) == 'A' ? 'B' : 'A');
        for (String ticket : new String[] {wrong, null, ""}) {
            try (LiveSocket socket = LiveSocket.open(server.port(), ticket)) {
                assertThat(socket.closeCode(WAIT)).as("ticket %s", ticket).contains(LiveHub.CLOSE_TICKET);
            }
        }
        // The right one still works: refusing the others did not use it up.
        try (LiveSocket socket = LiveSocket.open(server.port(), made)) {
            socket.subscribe("results");
        }
    }

    @Test
    void aTicketOpensOneConnectionOnly() throws Exception {
        String ticket = ticket(server, analyst);
        try (LiveSocket first = LiveSocket.open(server.port(), ticket);
             LiveSocket second = LiveSocket.open(server.port(), ticket)) {
            assertThat(second.closeCode(WAIT)).contains(LiveHub.CLOSE_TICKET);
            first.subscribe("results");
            assertThat(first.closeCode(Duration.ofMillis(200))).isEmpty();
        }
    }

    @Test
    void anExpiredTicketIsRefusedWith4401() throws Exception {
        ApiServer shortLived = start(new LiveConfig(4, 256, Duration.ofSeconds(15), Duration.ofSeconds(1), 2));
        try {
            String ticket = ticket(shortLived, analyst);
            Thread.sleep(1_500); // past the ticket's 1 s lifetime: waiting is the point here
            try (LiveSocket socket = LiveSocket.open(shortLived.port(), ticket)) {
                assertThat(socket.closeCode(WAIT)).contains(LiveHub.CLOSE_TICKET);
            }
        } finally {
            shortLived.stop();
        }
    }

    @Test
    void eachChannelNeedsItsRolesAndALackingRoleCloses4403() throws Exception {
        try (LiveSocket socket = LiveSocket.open(server.port(), ticket(server, monitor))) {
            socket.subscribe("cameras");
            socket.subscribe("job");
            assertThat(socket.awaitType("job", WAIT)).hasValueSatisfying(job ->
                    assertThat(job.path("running").asBoolean()).isFalse());
            socket.send("{\"type\":\"subscribe\",\"channel\":\"results\"}");
            assertThat(socket.awaitType("error", WAIT)).hasValueSatisfying(e ->
                    assertThat(e.path("error").asText()).isEqualTo("forbidden"));
            assertThat(socket.closeCode(WAIT)).contains(LiveHub.CLOSE_FORBIDDEN);
        }
        for (String channel : List.of("results", "alerts", "cameras", "job")) {
            try (LiveSocket socket = LiveSocket.open(server.port(), ticket(server, analyst))) {
                socket.subscribe(channel);
            }
        }
        try (LiveSocket socket = LiveSocket.open(server.port(), ticket(server, analyst))) {
            socket.subscribe("video", "cam-any");
        }
        try (LiveSocket socket = LiveSocket.open(server.port(), ticket(server, monitor))) {
            socket.send("{\"type\":\"subscribe\",\"channel\":\"video\",\"cameraIds\":[\"cam-any\"]}");
            assertThat(socket.closeCode(WAIT)).contains(LiveHub.CLOSE_FORBIDDEN);
        }
    }

    @Test
    void badMessagesGetAnErrorAndTheConnectionStays() throws Exception {
        try (LiveSocket socket = LiveSocket.open(server.port(), ticket(server, analyst))) {
            for (String bad : List.of("not json", "{\"type\":\"dance\"}", "{\"type\":\"subscribe\",\"channel\":\"tv\"}",
                    "{\"type\":\"subscribe\",\"channel\":\"results\",\"cameraIds\":[\"a b\"]}")) {
                socket.send(bad);
                assertThat(socket.awaitType("error", WAIT)).as(bad).isPresent();
            }
            socket.subscribe("results");
        }
    }

    @Test
    void resultsGoToTheirSubscribersWithIdentificationsAndWithoutBiometricData() throws Exception {
        try (LiveSocket all = LiveSocket.open(server.port(), ticket(server, analystWithDescriptors));
             LiveSocket other = LiveSocket.open(server.port(), ticket(server, analyst))) {
            all.subscribe("results");
            other.subscribe("results", "cam-other");
            FrameResult frame = matchedFrame("cam-live", 7);
            server.live().result(frame);
            JsonNode result = all.awaitType("result", WAIT).orElseThrow();
            assertThat(result.path("cameraId").asText()).isEqualTo("cam-live");
            assertThat(result.path("sequence").asLong()).isEqualTo(7);
            JsonNode face = result.path("faces").get(0);
            assertThat(face.path("box").path("width").floatValue()).isEqualTo(40f);
            assertThat(face.path("status").asText()).isEqualTo("DESCRIBED");
            assertThat(face.path("identification").path("subjectId").asText()).isEqualTo("ada");
            assertThat(face.path("identification").path("distance").asDouble()).isEqualTo(0.312);
            assertThat(result.toString()).doesNotContain("landmarks", "descriptor", "ciphertext", "candidates");
            assertThat(other.awaitType("result", Duration.ofMillis(500))).as("another camera's subscriber").isEmpty();
            all.send("{\"type\":\"unsubscribe\",\"channel\":\"results\"}");
            assertThat(all.awaitType("unsubscribed", WAIT)).isPresent();
            server.live().result(matchedFrame("cam-live", 8));
            assertThat(all.awaitType("result", Duration.ofMillis(500))).as("after unsubscribing").isEmpty();
        }
    }

    @Test
    void aVideoViewIsAuditedAndGetsAnnotatedJpegsAtItsRate() throws Exception {
        try (LiveSocket viewer = LiveSocket.open(server.port(), ticket(server, analyst))) {
            viewer.send("{\"type\":\"subscribe\",\"channel\":\"video\",\"cameraIds\":[\"cam-v\",\"cam-w\"]}");
            assertThat(viewer.awaitType("error", WAIT)).hasValueSatisfying(e ->
                    assertThat(e.path("error").asText()).isEqualTo("invalid_camera_ids"));
            viewer.send("{\"type\":\"subscribe\",\"channel\":\"video\",\"cameraIds\":[\"cam-v\"],\"fps\":6}");
            assertThat(viewer.awaitType("error", WAIT)).hasValueSatisfying(e ->
                    assertThat(e.path("error").asText()).isEqualTo("invalid_fps"));
            int auditedBefore = audit.size();
            viewer.send("{\"type\":\"subscribe\",\"channel\":\"video\",\"cameraIds\":[\"cam-v\"],\"fps\":1}");
            assertThat(viewer.awaitType("subscribed", WAIT)).isPresent();
            assertThat(audit.events(auditedBefore)).anySatisfy(event -> {
                assertThat(event.getAction()).isEqualTo("biometric.video.view");
                assertThat(event.getActor()).isEqualTo(analyst.key().id());
                assertThat(event.getSubject()).isEqualTo("cam-v");
            });

            server.live().result(matchedFrame("cam-v", 4)); // its two boxes are drawn on the frames
            byte[] jpeg = jpeg(320, 240);
            long fed = System.nanoTime();
            for (int i = 1; i <= 10; i++) { // at 1 fps, ten frames at once give one picture a second
                server.live().frame(Frame.newBuilder().setCameraId("cam-v").setSequence(4 + i)
                        .setCaptureTime(java.time.Instant.now()).setEncoding("jpeg").setWidth(320).setHeight(240)
                        .setBytes(java.nio.ByteBuffer.wrap(jpeg)).build());
            }
            server.live().frame(Frame.newBuilder().setCameraId("cam-other").setSequence(1)
                    .setCaptureTime(java.time.Instant.now()).setEncoding("jpeg").setWidth(320).setHeight(240)
                    .setBytes(java.nio.ByteBuffer.wrap(jpeg)).build());
            long feeding = System.nanoTime() - fed; // the first decode loads OpenCV: it may take a second or more
            JsonNode video = viewer.awaitType("video", WAIT).orElseThrow();
            assertThat(video.path("cameraId").asText()).isEqualTo("cam-v");
            assertThat(video.path("sequence").asLong()).isEqualTo(5);
            assertThat(video.path("resultSequence").asLong()).isEqualTo(4);
            assertThat(video.path("faces").asInt()).isEqualTo(2);
            byte[] shown = java.util.Base64.getDecoder().decode(video.path("jpeg").asText());
            java.awt.image.BufferedImage picture = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(shown));
            assertThat(picture.getWidth()).isEqualTo(320);
            assertThat(picture.getHeight()).isEqualTo(240);
            // The first box (10,20 40x48) is drawn in green on a grey picture (JPEG blurs a thin line's colour).
            assertThat(greenOverBlue(picture.getRGB(10, 44))).as("on the box's left edge").isGreaterThan(30);
            assertThat(Math.abs(greenOverBlue(picture.getRGB(200, 150)))).as("far from any box").isLessThan(10);
            int more = 0;
            while (viewer.awaitType("video", Duration.ofMillis(500)).isPresent()) {
                more++;
            }
            assertThat(more).as("pictures after the first while ten frames were fed in %d ms at 1 fps",
                    Duration.ofNanos(feeding).toMillis()).isLessThanOrEqualTo((int) Duration.ofNanos(feeding).toSeconds());
        }
    }

    private static int greenOverBlue(int rgb) {
        return ((rgb >> 8) & 0xff) - (rgb & 0xff);
    }

    /** A plain grey JPEG. */
    private static byte[] jpeg(int width, int height) throws java.io.IOException {
        java.awt.image.BufferedImage image = new java.awt.image.BufferedImage(width, height, java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = image.createGraphics();
        g.setColor(new java.awt.Color(128, 128, 128));
        g.fillRect(0, 0, width, height);
        g.dispose();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(image, "jpg", out);
        return out.toByteArray();
    }

    @Test
    void aClientThatDoesNotReadLosesItsOldestMessagesCountedWhileAnotherGetsEvery() throws Exception {
        int batches = 12;
        int perBatch = 50;
        try (LiveSocket slow = LiveSocket.open(server.port(), ticket(server, analyst), false);
             LiveSocket fast = LiveSocket.open(server.port(), ticket(server, analyst))) {
            slow.send("{\"type\":\"subscribe\",\"channel\":\"results\"}");
            fast.subscribe("results");
            awaitSubscribers(2);
            long sequence = 0;
            for (int b = 0; b < batches; b++) {
                for (int i = 0; i < perBatch; i++) {
                    server.live().result(bulkyFrame("cam-flood", ++sequence));
                }
                // The fast client gets each batch in time, however far behind the slow one is.
                for (int i = 0; i < perBatch; i++) {
                    long expected = (long) b * perBatch + i + 1;
                    JsonNode next = fast.awaitType("result", WAIT)
                            .orElseThrow(() -> new AssertionError("the fast client did not get result " + expected));
                    assertThat(next.path("sequence").asLong()).isEqualTo(expected);
                }
            }
            long published = sequence;
            slow.startReading();
            List<Long> got = new ArrayList<>();
            JsonNode beat;
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (true) {
                assertThat(System.nanoTime()).as("the slow client's heartbeat with drops").isLessThan(deadline);
                JsonNode m = slow.await(x -> true, WAIT).orElseThrow();
                if (m.path("type").asText().equals("result")) {
                    got.add(m.path("sequence").asLong());
                } else if (m.path("type").asText().equals("heartbeat") && m.path("dropped").asLong() > 0
                        && !got.isEmpty() && got.get(got.size() - 1) == published) {
                    beat = m;
                    break;
                }
            }
            assertThat(got).as("the newest result is kept").endsWith(published);
            assertThat(got).as("in order").isSorted();
            assertThat(got.size()).as("results the slow client got").isLessThan((int) published);
            assertThat(beat.path("dropped").asLong()).as("every result the slow client missed is counted")
                    .isGreaterThanOrEqualTo(published - got.size());
            // What the socket buffers took went first; then the queue kept the newest and dropped the oldest:
            // the results after the last gap run without a gap to the newest, about a queue's worth.
            int tail = got.size() - 1;
            while (tail > 0 && got.get(tail - 1) == got.get(tail) - 1) {
                tail--;
            }
            assertThat(tail).as("a gap where the oldest queued results were dropped").isPositive();
            assertThat(got.size() - tail).as("the newest results kept in the queue").isBetween(LIVE.queueSize() / 2, LIVE.queueSize());
        }
    }

    @Test
    void moreClientsThanTheLimitAreRefusedWith1013() throws Exception {
        awaitSubscribers(0);
        List<LiveSocket> open = new ArrayList<>();
        try {
            for (int i = 0; i < LIVE.maxClients(); i++) {
                LiveSocket socket = LiveSocket.open(server.port(), ticket(server, analyst));
                open.add(socket);
                socket.subscribe("job");
            }
            try (LiveSocket extra = LiveSocket.open(server.port(), ticket(server, analyst))) {
                assertThat(extra.closeCode(WAIT)).contains(LiveHub.CLOSE_OVERLOAD);
            }
            open.remove(0).close();
            awaitSubscribers(LIVE.maxClients() - 1);
            try (LiveSocket again = LiveSocket.open(server.port(), ticket(server, analyst))) {
                again.subscribe("job");
            }
        } finally {
            open.forEach(LiveSocket::close);
        }
    }

    @Test
    void heartbeatsComeAndShutdownClosesWith1001() throws Exception {
        ApiServer stopping = start(LIVE);
        try (LiveSocket socket = LiveSocket.open(stopping.port(), ticket(stopping, monitor))) {
            assertThat(socket.awaitType("heartbeat", WAIT)).hasValueSatisfying(beat ->
                    assertThat(beat.path("dropped").asLong()).isZero());
            stopping.stop();
            assertThat(socket.closeCode(WAIT)).contains(LiveHub.CLOSE_SHUTDOWN);
        }
    }

    @Test
    void aRevokedKeysTicketIsRefusedAndItsOpenConnectionClosed() throws Exception {
        IssuedKey leaving = keys.generate("leaving analyst", Set.of(Role.ANALYST), Set.of());
        // Heartbeats 15 s apart there: the refusal of the unused ticket comes at connect, not with a heartbeat.
        ApiServer slowBeats = start(new LiveConfig(4, 256, Duration.ofSeconds(15), Duration.ofSeconds(30), 2));
        try {
            String unused = ticket(slowBeats, leaving);
            try (LiveSocket open = LiveSocket.open(server.port(), ticket(server, leaving))) {
                open.subscribe("results");
                assertThat(keys.revoke(leaving.key().id())).isTrue();
                assertThat(open.closeCode(WAIT)).as("closed at the next heartbeat").contains(LiveHub.CLOSE_TICKET);
            }
            try (LiveSocket late = LiveSocket.open(slowBeats.port(), unused)) {
                assertThat(late.closeCode(Duration.ofSeconds(5))).as("refused at connect").contains(LiveHub.CLOSE_TICKET);
            }
        } finally {
            slowBeats.stop();
        }
    }

    /** Waits until the server holds exactly {@code n} live clients (closing is asynchronous). */
    private static void awaitSubscribers(int n) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (server.live().clientCount() != n) {
            assertThat(System.nanoTime()).as("live clients to become %d, are %d", n, server.live().clientCount())
                    .isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    static String ticket(ApiServer api, IssuedKey key) throws Exception {
        HttpResponse<byte[]> issued = ApiRequests.send(api.port(), "POST", "/api/v1/live/tickets", key, null, null);
        assertThat(issued.statusCode()).as(new String(issued.body())).isEqualTo(200);
        return ApiRequests.json(issued).path("ticket").asText();
    }

    private static FrameResult matchedFrame(String camera, long sequence) {
        return withFaces(Results.latest(cipher, camera, sequence, Results.descriptor(1)).getFrameResult(), face ->
                FaceResult.newBuilder(face).setLandmarks(face.getFaceIndex() == 0 ? landmarks() : null)
                        .setIdentification(face.getFaceIndex() != 0 ? null : Identification.newBuilder()
                                .setMatched(true).setSubjectId("ada").setDistance(0.31234f).setThreshold(0.5f)
                                .setCandidates(List.of()).build())
                        .build());
    }

    /** A frame of 300 faces (about 45 kB of JSON): a few hundred fill a client's socket buffers. */
    private static FrameResult bulkyFrame(String camera, long sequence) {
        FrameResult one = Results.latest(cipher, camera, sequence).getFrameResult();
        List<FaceResult> faces = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            faces.add(FaceResult.newBuilder(one.getFaces().get(0)).setFaceIndex(i).setFaceId(camera + "/" + sequence + "/" + i).build());
        }
        return FrameResult.newBuilder(one).setFaces(faces).build();
    }

    private static FrameResult withFaces(FrameResult frame, UnaryOperator<FaceResult> change) {
        return FrameResult.newBuilder(frame).setFaces(new ArrayList<>(frame.getFaces().stream().map(change).toList())).build();
    }

    private static List<Float> landmarks() {
        List<Float> points = new ArrayList<>();
        for (int i = 0; i < 136; i++) {
            points.add((float) i);
        }
        return points;
    }

}
