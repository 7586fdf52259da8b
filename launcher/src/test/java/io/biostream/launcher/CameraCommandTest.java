package io.biostream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.launcher.local.DemoCamera;
import io.biostream.launcher.local.EmbeddedKafkaBroker;
import io.biostream.launcher.local.FramePublisher;
import io.biostream.launcher.local.KafkaAccess;
import io.biostream.launcher.local.KafkaCredentials;
import io.biostream.operators.config.Settings;
import io.biostream.operators.config.Topics;
import io.biostream.operators.crypto.CameraKey;
import io.biostream.operators.crypto.CameraMaster;
import io.biostream.operators.identity.FacePhotos;
import io.biostream.schemas.Frame;
import io.biostream.schemas.WireFormat;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code biostream camera} against a real broker: a generated MP4 and a folder of images go out as
 * JPEG frames that read back as sent; bad sources and a missing broker end with one line and status 1.
 */
class CameraCommandTest {
    private static final Topics TOPICS = Topics.defaults();
    private static final Duration READ = Duration.ofSeconds(60);

    @TempDir
    static Path brokerDir;
    @TempDir
    Path dir;

    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void startBroker() {
        broker = new EmbeddedKafkaBroker(brokerDir.resolve("kafka"), 0).start();
        broker.createTopics(TOPICS.newTopics(2, 16 * 1024 * 1024));
    }

    @AfterAll
    static void stopBroker() {
        if (broker != null) {
            broker.close();
        }
    }

    record Run(int status, String out, String err) {}

    static Run camera(String... args) {
        return camera(new ByteArrayOutputStream(), args);
    }

    /** @param err where stderr goes, to be read while the camera runs */
    static Run camera(ByteArrayOutputStream err, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<String> list = List.of(args);
        int status = CameraCommand.run(list, new Settings(Settings.parseFlags(args), Map.of(), Map.of()),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void videoFileGoesOutAsDownscaledJpegFramesInOrder() throws Exception {
        Path video = TestVideos.facesMp4(dir.resolve("door.mp4"), 10, 10);

        Run run = camera(kafkaAs("door-mp4", "--video", video.toString(), "--camera-id", "door-mp4", "--fps", "5", "--max-side", "160",
                "--jpeg-quality", "80", "--session-id", "shift-1"));

        System.out.print(run.err() + run.out());
        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.out()).contains("camera door-mp4: 10 frames sent");
        List<ConsumerRecord<byte[], byte[]>> records = frames("door-mp4", 10);
        assertThat(records).hasSize(10);
        long previousSequence = Long.MIN_VALUE;
        for (ConsumerRecord<byte[], byte[]> record : records) {
            Frame frame = WireFormat.decode(Frame.class, record.value());
            assertThat(frame.getCameraId()).isEqualTo("door-mp4");
            assertThat(frame.getSessionId()).isEqualTo("shift-1");
            assertThat(frame.getEncoding()).isEqualTo("jpeg");
            assertThat(frame.getSequence()).isGreaterThan(previousSequence);
            BufferedImage picture = jpeg(frame);
            // 480x240 with the longer side at most 160: 160x80, the aspect kept.
            assertThat(new int[] {picture.getWidth(), picture.getHeight()}).containsExactly(160, 80);
            assertThat(new int[] {frame.getWidth(), frame.getHeight()}).containsExactly(160, 80);
            previousSequence = frame.getSequence();
        }
        // Paced at 5 fps: 9 intervals of 200 ms between the first and the last send. A fixed-rate
        // schedule may shorten one gap to make up for a late frame, and the first send's timestamp
        // comes after the producer's first metadata fetch, hence the margin; unpaced, all ten go
        // out in the time of ten sends.
        long span = records.get(records.size() - 1).timestamp() - records.get(0).timestamp();
        assertThat(span).as("ms from the first to the last frame").isGreaterThanOrEqualTo(1200);
    }

    @Test
    void folderOfImagesGoesOutInNameOrderSkippingWhatIsNoPicture() throws Exception {
        Path images = Files.createDirectory(dir.resolve("images"));
        write(images.resolve("a.png"), picture(64, 48, Color.RED), "png");
        write(images.resolve("b.jpg"), picture(100, 200, Color.GREEN), "jpg");
        Files.write(images.resolve("c.jpg"), "not a picture".getBytes(StandardCharsets.UTF_8));
        write(images.resolve("d.JPEG"), picture(30, 20, Color.BLUE), "jpg");
        Files.writeString(images.resolve("notes.txt"), "ignored: not an image name");

        Run run = camera(kafkaAs("folder-cam", "--images", images.toString(), "--camera-id", "folder-cam", "--max-side", "0", "--fps", "60"));

        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.err()).contains("skipped " + images.resolve("c.jpg")).doesNotContain("notes.txt");
        List<int[]> sizes = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : frames("folder-cam", 3)) {
            BufferedImage picture = jpeg(WireFormat.decode(Frame.class, record.value()));
            sizes.add(new int[] {picture.getWidth(), picture.getHeight()});
        }
        assertThat(sizes).containsExactly(new int[] {64, 48}, new int[] {100, 200}, new int[] {30, 20});
    }

    @Test
    void boundsEndALoopedSource() throws Exception {
        Path images = Files.createDirectory(dir.resolve("one"));
        write(images.resolve("only.png"), picture(40, 40, Color.WHITE), "png");

        Run run = camera(kafkaAs("loop-cam", "--images", images.toString(), "--loop", "--max-frames", "5", "--fps", "60", "--camera-id", "loop-cam"));

        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.out()).contains("5 frames sent");
        assertThat(frames("loop-cam", 5)).hasSize(5);
    }

    @Test
    void demoCameraSendsItsPhotosThroughTheClient() throws Exception {
        List<byte[]> photos = DemoCamera.loadPhotos();
        List<ConsumerRecord<byte[], byte[]>> records;
        try (FramePublisher publisher = new FramePublisher(broker.adminConnection(), TOPICS.frames(), 16 * 1024 * 1024);
                DemoCamera demo = new DemoCamera(publisher).start(Duration.ofMillis(100))) {
            records = frames(DemoCamera.CAMERA_ID, photos.size());
        }
        long previous = Long.MIN_VALUE;
        for (int i = 0; i < photos.size(); i++) {
            Frame frame = WireFormat.decode(Frame.class, records.get(i).value());
            BufferedImage sent = jpeg(frame);
            BufferedImage original = FacePhotos.decode(photos.get(i));
            assertThat(new int[] {sent.getWidth(), sent.getHeight()}).containsExactly(original.getWidth(), original.getHeight());
            assertThat(frame.getSequence()).isGreaterThan(previous);
            previous = frame.getSequence();
        }
    }

    @Test
    void framesAreSignedWithTheCameraKey() throws Exception {
        Path images = Files.createDirectory(dir.resolve("signed"));
        write(images.resolve("a.png"), picture(32, 32, Color.GRAY), "png");
        write(images.resolve("b.png"), picture(32, 24, Color.GRAY), "png");
        CameraKey key = CameraMaster.generate().issue("door-key");
        Path keyFile = dir.resolve("door-key.key");
        key.write(keyFile);

        Run run = camera(kafkaAs("door-key", "--images", images.toString(), "--camera-id", "door-key", "--camera-key", keyFile.toString(),
                "--fps", "60"));

        assertThat(run.status()).as(run.err()).isZero();
        List<ConsumerRecord<byte[], byte[]>> records = frames("door-key", 2);
        assertThat(records).hasSize(2).allSatisfy(r -> assertThat(r.headers().lastHeader(CameraKey.HEADER)).isNotNull()
                .satisfies(h -> assertThat(h.value()).isEqualTo(key.header("door-key", r.value()))));
        // and without --camera-key the frames carry no MAC (a job requiring authentication refuses them)
        assertThat(camera(kafkaAs("door-open", "--images", images.toString(), "--camera-id", "door-open", "--fps", "60")).status()).isZero();
        assertThat(frames("door-open", 2)).allSatisfy(r -> assertThat(r.headers().lastHeader(CameraKey.HEADER)).isNull());
    }

    @Test
    void anotherCamerasOrAnUnreadableKeyIsOneLineAndStatusOne() throws Exception {
        Path images = Files.createDirectory(dir.resolve("keyed"));
        write(images.resolve("a.png"), picture(32, 32, Color.GRAY), "png");
        Path other = dir.resolve("other.key");
        CameraMaster.generate().issue("other-cam").write(other);
        assertFailsWith(camera("--images", images.toString(), "--camera-id", "door-key", "--camera-key", other.toString(),
                "--bootstrap-servers", "127.0.0.1:9"), "camera: camera key " + other + " is camera other-cam's, not door-key's");
        assertFailsWith(camera("--images", images.toString(), "--camera-id", "door-key", "--camera-key",
                dir.resolve("absent.key").toString(), "--bootstrap-servers", "127.0.0.1:9"),
                "camera: cannot use camera key " + dir.resolve("absent.key"));
        Files.setPosixFilePermissions(other, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        assertFailsWith(camera("--images", images.toString(), "--camera-id", "other-cam", "--camera-key", other.toString(),
                "--bootstrap-servers", "127.0.0.1:9"), "camera: cannot use camera key " + other);
    }

    @Test
    void kafkaSettingsThatDoNotFitAreOneLineAndStatusOne() throws Exception {
        Path images = Files.createDirectory(dir.resolve("sasl"));
        write(images.resolve("a.png"), picture(32, 32, Color.GRAY), "png");
        assertFailsWith(camera("--images", images.toString(), "--camera-id", "c1", "--bootstrap-servers", "127.0.0.1:9",
                "--biostream.kafka.security-protocol=SASL_PLAINTEXT"), "camera: configuration biostream.kafka.sasl.username");
        assertFailsWith(camera("--images", images.toString(), "--camera-id", "c1", "--bootstrap-servers", "127.0.0.1:9",
                "--biostream.kafka.security-protocol=SASL_PLAINTEXT", "--biostream.kafka.sasl.username=camera-c1",
                "--biostream.kafka.sasl.password-file=" + dir.resolve("absent.password")), "camera: configuration biostream.kafka.sasl.password-file");
    }

    @Test
    void missingVideoFileIsOneLineAndStatusOne() {
        assertFailsWith(camera("--video", dir.resolve("absent.mp4").toString(), "--camera-id", "c1", "--bootstrap-servers",
                "127.0.0.1:9"), "camera: no such file: " + dir.resolve("absent.mp4"));
    }

    @Test
    void fileThatIsNoVideoIsOneLineAndStatusOne() throws Exception {
        Path text = Files.writeString(dir.resolve("clip.mp4"), "this is text, not a video\n".repeat(50));
        assertFailsWith(camera("--video", text.toString(), "--camera-id", "c1", "--bootstrap-servers", "127.0.0.1:9"),
                "camera: " + text + " is not a video FFmpeg can read");
    }

    @Test
    void absentDeviceIsOneLineAndStatusOne() {
        assertFailsWith(camera("--device", "/dev/video-biostream-absent", "--camera-id", "c1", "--bootstrap-servers", "127.0.0.1:9"),
                "camera: no video device /dev/video-biostream-absent");
    }

    @Test
    void deviceThatIsNoCameraIsOneLineAndStatusOne() {
        Path notACamera = Path.of("/dev/null");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(notACamera), "/dev/null is readable on Linux");
        assertFailsWith(camera("--device", notACamera.toString(), "--camera-id", "c1", "--bootstrap-servers", "127.0.0.1:9"),
                "camera: /dev/null is not a V4L2 video device FFmpeg can capture from");
    }

    @Test
    void missingOrEmptyImageFolderIsOneLineAndStatusOne() throws Exception {
        assertFailsWith(camera("--images", dir.resolve("nowhere").toString(), "--camera-id", "c1", "--bootstrap-servers",
                "127.0.0.1:9"), "camera: no such folder: " + dir.resolve("nowhere"));
        Path empty = Files.createDirectory(dir.resolve("empty"));
        Files.writeString(empty.resolve("readme.txt"), "no pictures here");
        assertFailsWith(camera("--images", empty.toString(), "--camera-id", "c1", "--bootstrap-servers", "127.0.0.1:9"),
                "camera: no .jpg, .jpeg or .png files in " + empty);
    }

    @Test
    void brokerThatNeverAnswersEndsAfterTheBoundedWait() throws Exception {
        Path images = Files.createDirectory(dir.resolve("wait"));
        write(images.resolve("only.png"), picture(40, 40, Color.WHITE), "png");
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }

        long start = System.nanoTime();
        Run run = camera("--images", images.toString(), "--camera-id", "lost-cam", "--broker-wait", "3",
                "--bootstrap-servers", "127.0.0.1:" + closedPort);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("%sgave up after %.1f s%n", run.err(), seconds);

        assertThat(run.status()).as(run.err()).isEqualTo(1);
        assertThat(run.err()).contains("camera lost-cam: broker unavailable").contains("retrying in 0.3 s")
                .contains("camera: no broker took frame");
        assertThat(seconds).as("the wait is bounded by --broker-wait").isLessThan(30);
    }

    @Test
    void cameraWaitsForABrokerThatComesBackAndThenSends() throws Exception {
        Path images = Files.createDirectory(dir.resolve("late"));
        write(images.resolve("only.png"), picture(48, 32, Color.WHITE), "png");
        // A broker with the camera's principal, then stopped: the camera starts while it is away.
        Path data = dir.resolve("late-kafka");
        EmbeddedKafkaBroker first = new EmbeddedKafkaBroker(data, 0).start();
        String[] args;
        int port;
        try {
            first.createTopics(TOPICS.newTopics(1, 16 * 1024 * 1024));
            args = withKafka(first, "late-cam", "--images", images.toString(), "--camera-id", "late-cam", "--broker-wait", "90");
            port = first.port();
        } finally {
            first.close();
        }
        java.util.concurrent.ExecutorService thread = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            java.util.concurrent.Future<Run> running = thread.submit(() -> camera(err, args));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!err.toString(StandardCharsets.UTF_8).contains("broker unavailable") && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("camera late-cam: broker unavailable");
            assertThat(running).isNotDone();
            // The broker comes back on its port with its data (topics, principals, ACLs): the camera goes on.
            try (EmbeddedKafkaBroker back = new EmbeddedKafkaBroker(data, port).start()) {
                Run run = running.get(150, java.util.concurrent.TimeUnit.SECONDS);
                System.out.print(run.err() + run.out());
                assertThat(run.status()).as(run.err()).isZero();
                assertThat(run.out()).contains("1 frames sent");
                List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
                PipelineCluster.readCommitted(back.adminConnection(), TOPICS.frames(), READ, got -> {
                    records.clear();
                    records.addAll(got);
                    return !got.isEmpty();
                });
                assertThat(records).singleElement().satisfies(r -> assertThat(jpeg(WireFormat.decode(Frame.class, r.value())).getWidth())
                        .isEqualTo(48));
            }
        } finally {
            thread.shutdownNow();
            assertThat(thread.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void usageErrorsAreStatusTwo() {
        assertThat(camera("--camera-id", "c1", "--bootstrap-servers", "127.0.0.1:9").err()).contains("give a source");
        assertThat(camera("--video", "a.mp4", "--bootstrap-servers", "127.0.0.1:9").status()).isEqualTo(2);
        assertThat(camera("--video", "a.mp4", "--images", "d", "--camera-id", "c1").err()).contains("give one of");
        assertThat(camera("--video", "a.mp4", "--camera-id", "bad id", "--bootstrap-servers", "x:1").err()).contains("is not 1-128");
        assertThat(camera("--video", "a.mp4", "--camera-id", "c1", "--fps", "500", "--bootstrap-servers", "x:1").err())
                .contains("--fps must be in");
        assertThat(camera("--video", "a.mp4", "--camera-id", "c1", "--max-side", "8", "--bootstrap-servers", "x:1").err())
                .contains("--max-side must be 0");
        assertThat(camera("--video", "a.mp4", "--camera-id", "c1").err()).contains("--bootstrap-servers");
        // the bootstrap servers may come as the setting every other command reads, here through bin/biostream's Main
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(Main.run(new String[] {"camera", "--video", dir.resolve("absent.mp4").toString(), "--camera-id", "c1",
                "--biostream.kafka.bootstrap-servers=127.0.0.1:9"}, new PrintStream(err, true, StandardCharsets.UTF_8))).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("camera: no such file: ");
    }

    /**
     * {@code args} and the {@code --biostream.kafka.*} flags of the camera's own SCRAM principal,
     * which may write the frames topic only (as local mode grants a camera).
     */
    static String[] kafkaAs(String cameraId, String... args) {
        return withKafka(broker, cameraId, args);
    }

    static String[] withKafka(EmbeddedKafkaBroker on, String cameraId, String... args) {
        on.grant(KafkaAccess.camera(cameraId, TOPICS));
        List<String> all = new ArrayList<>(List.of(args));
        on.connection(KafkaCredentials.camera(cameraId)).settings().forEach((key, value) -> all.add("--" + key + "=" + value));
        return all.toArray(String[]::new);
    }

    private static void assertFailsWith(Run run, String line) {
        assertThat(run.status()).as(run.err()).isEqualTo(1);
        assertThat(run.err().lines().toList()).singleElement().asString().startsWith(line);
        assertThat(run.out()).isEmpty();
    }

    /** The camera's frames on the frames topic, in order, once {@code count} are there. */
    private static List<ConsumerRecord<byte[], byte[]>> frames(String cameraId, int count) {
        List<ConsumerRecord<byte[], byte[]>> mine = new ArrayList<>();
        PipelineCluster.readCommitted(broker.adminConnection(), TOPICS.frames(), READ, records -> {
            mine.clear();
            records.stream().filter(r -> cameraId.equals(new String(r.key(), StandardCharsets.UTF_8))).forEach(mine::add);
            return mine.size() >= count;
        });
        return mine;
    }

    private static BufferedImage jpeg(Frame frame) throws Exception {
        byte[] bytes = new byte[frame.getBytes().remaining()];
        frame.getBytes().duplicate().get(bytes);
        assertThat(bytes).startsWith(0xFF, 0xD8);
        return FacePhotos.decode(bytes);
    }

    private static BufferedImage picture(int width, int height, Color color) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = image.createGraphics();
        g.setColor(color);
        g.fillRect(0, 0, width, height);
        g.dispose();
        return image;
    }

    private static void write(Path file, BufferedImage image, String format) throws Exception {
        assertThat(ImageIO.write(image, format, file.toFile())).isTrue();
    }
}
