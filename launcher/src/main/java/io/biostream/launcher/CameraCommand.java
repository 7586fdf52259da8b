package io.biostream.launcher;

import io.biostream.launcher.camera.CameraClient;
import io.biostream.launcher.camera.CameraException;
import io.biostream.launcher.camera.FrameSource;
import io.biostream.launcher.camera.ImageFolderSource;
import io.biostream.launcher.camera.JpegEncoder;
import io.biostream.launcher.camera.VideoSource;
import io.biostream.launcher.local.FramePublisher;
import io.biostream.operators.config.CameraIds;
import io.biostream.operators.config.KafkaClients;
import io.biostream.operators.config.KafkaConnection;
import io.biostream.operators.config.Settings;
import io.biostream.operators.config.Topics;
import io.biostream.operators.crypto.CameraKey;
import io.biostream.operators.crypto.FrameSigner;
import java.io.IOException;
import java.io.PrintStream;
import java.security.GeneralSecurityException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.kafka.common.KafkaException;

/**
 * {@code biostream camera (--video FILE | --images DIR | --device /dev/videoN) --camera-id ID ...}:
 * a camera for the pipeline. Publishes pictures as JPEG Frames to the frames topic through an
 * idempotent producer, at a steady rate, downscaled to a longest side; progress on stderr. Exit
 * status 0 when the source or a bound ended it, 1 on a failure (one line saying why), 2 on a usage error.
 */
public final class CameraCommand {
    static final String USAGE = """
            usage: biostream camera (--video FILE | --images DIR | --device /dev/videoN) --camera-id ID
                                    [--fps N] [--max-side PIXELS] [--jpeg-quality 1-100] [--session-id ID]
                                    [--camera-key FILE] [--max-frames N] [--duration SECONDS] [--loop]
                                    [--bootstrap-servers HOST:PORT,...] [--broker-wait SECONDS] [--progress-every SECONDS]
                                    [--biostream.kafka.*=...]""";
    static final String BOOTSTRAP = "biostream.kafka.bootstrap-servers";
    static final int DEFAULT_MAX_SIDE = 1280;
    static final int DEFAULT_QUALITY = 85;
    /** Images and devices have no rate of their own: a pace a CPU pipeline keeps up with. */
    static final double DEFAULT_FPS = 2;
    /** The longest any one attempt to reach the broker blocks before the client backs off and says so. */
    static final Duration MAX_ATTEMPT = Duration.ofSeconds(10);
    static final Duration MIN_ATTEMPT = Duration.ofSeconds(1);
    /** Room for the Avro envelope around the largest JPEG the job accepts. */
    static final int MAX_REQUEST_BYTES = 16 * 1024 * 1024;

    enum SourceKind { VIDEO, IMAGES, DEVICE }

    /** @param cameraKey the camera's frame-authentication key file ({@code biostream keys camera issue}), or null: unsigned */
    record Options(SourceKind kind, Path input, String cameraId, Path cameraKey, Double fps, int maxSide, int jpegQuality,
            String sessionId, long maxFrames, Duration duration, boolean loop, String bootstrapServers, Duration brokerWait,
            Duration progressEvery) {}


    private CameraCommand() {}

    public static int run(List<String> args, Settings settings, PrintStream out, PrintStream err) {
        Options options;
        try {
            options = parse(args, settings);
        } catch (UsageException e) {
            err.println(e.getMessage());
            err.println(USAGE);
            return 2;
        }
        // What can be checked without the source or the broker first: the key, the Kafka settings.
        FrameSigner signer;
        KafkaConnection kafka;
        try {
            signer = signer(options);
            kafka = KafkaConnection.from(settings, options.bootstrapServers()).requireReadable();
        } catch (CameraException | Settings.ConfigException e) {
            err.println("camera: " + e.getMessage());
            return 1;
        }
        try (FrameSource source = open(options, err)) {
            CameraClient.Options client = new CameraClient.Options(options.cameraId(), fps(options, source),
                    options.sessionId(), options.maxFrames(), options.duration(), options.brokerWait(), options.progressEvery());
            err.println("camera " + options.cameraId() + ": " + source.describe() + " -> " + Topics.from(settings).frames()
                    + " on " + options.bootstrapServers() + String.format(Locale.ROOT, " at %.2f fps", client.fps()));
            try (FramePublisher publisher = publisher(kafka, Topics.from(settings).frames(), options, signer)) {
                CameraClient camera = new CameraClient(source, new JpegEncoder(options.maxSide(), options.jpegQuality()),
                        publisher, client, err::println);
                CameraClient.Progress sent = camera.run();
                out.println(sent.line());
                return 0;
            }
        } catch (CameraException e) {
            err.println("camera: " + e.getMessage());
            return 1;
        } catch (KafkaException e) {
            err.println("camera: cannot create the Kafka producer (" + e.getMessage() + ")");
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("camera: interrupted");
            return 1;
        }
    }

    /**
     * The one place the camera's producer is made: connection and client security from the
     * {@code biostream.kafka.*} settings ({@link KafkaConnection#from(Settings, String)}: a camera's
     * SCRAM principal may write the frames topic only), every wait bounded, idempotent with acks=all.
     */
    static FramePublisher publisher(KafkaConnection kafka, String topic, Options options, FrameSigner signer) {
        // A few attempts fit in the broker wait, each announced, none longer than MAX_ATTEMPT.
        Duration attempt = options.brokerWait().dividedBy(4);
        attempt = attempt.compareTo(MAX_ATTEMPT) > 0 ? MAX_ATTEMPT : attempt.compareTo(MIN_ATTEMPT) < 0 ? MIN_ATTEMPT : attempt;
        Map<String, Object> config = new HashMap<>(KafkaClients.confirmedProducer(kafka, "biostream-camera-" + options.cameraId(),
                attempt));
        return new FramePublisher(config, topic, MAX_REQUEST_BYTES, signer);
    }

    /** The camera's key from --camera-key (it must be this camera's), or null: frames go unsigned. */
    static FrameSigner signer(Options options) throws CameraException {
        if (options.cameraKey() == null) {
            return null;
        }
        CameraKey key;
        try {
            key = CameraKey.read(options.cameraKey());
        } catch (IOException | GeneralSecurityException e) {
            throw new CameraException("cannot use camera key " + options.cameraKey() + ": " + e.getMessage(), e);
        }
        if (!key.cameraId().equals(options.cameraId())) {
            throw new CameraException("camera key " + options.cameraKey() + " is camera " + key.cameraId() + "'s, not "
                    + options.cameraId() + "'s");
        }
        return key;
    }

    static FrameSource open(Options options, PrintStream err) throws CameraException {
        return switch (options.kind()) {
            case VIDEO -> VideoSource.file(options.input(), options.loop());
            case IMAGES -> ImageFolderSource.open(options.input(), options.loop(), err::println);
            case DEVICE -> VideoSource.device(options.input());
        };
    }

    /** --fps if given, else a video's own rate (within bounds), else {@value #DEFAULT_FPS}. */
    static double fps(Options options, FrameSource source) {
        if (options.fps() != null) {
            return options.fps();
        }
        double own = source.nativeFps();
        return own > 0 ? Math.max(CameraClient.MIN_FPS, Math.min(CameraClient.MAX_FPS, own)) : DEFAULT_FPS;
    }

    static Options parse(List<String> args, Settings settings) throws UsageException {
        SourceKind kind = null;
        Path input = null;
        String cameraId = null;
        Path cameraKey = null;
        Double fps = null;
        int maxSide = DEFAULT_MAX_SIDE;
        int quality = DEFAULT_QUALITY;
        String sessionId = null;
        long maxFrames = 0;
        Duration duration = null;
        boolean loop = false;
        String bootstrap = settings.get(BOOTSTRAP, null);
        Duration brokerWait = Duration.ofSeconds(120);
        Duration progressEvery = Duration.ofSeconds(5);
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.startsWith("--biostream.")) {
                continue; // configuration flags, already in settings
            }
            if (arg.equals("--loop")) {
                loop = true;
                continue;
            }
            boolean inline = arg.contains("=");
            String name = inline ? arg.substring(0, arg.indexOf('=')) : arg;
            String value;
            if (!name.startsWith("--")) {
                throw new UsageException("camera: unexpected argument '" + arg + "'");
            } else if (inline) {
                value = arg.substring(arg.indexOf('=') + 1);
            } else if (i + 1 < args.size()) {
                value = args.get(++i);
            } else {
                throw new UsageException("camera: " + name + " needs a value");
            }
            switch (name) {
                case "--video", "--images", "--device" -> {
                    if (kind != null) {
                        throw new UsageException("camera: give one of --video, --images, --device");
                    }
                    kind = SourceKind.valueOf(name.substring(2).toUpperCase(Locale.ROOT));
                    input = Path.of(value);
                }
                case "--camera-id" -> cameraId = value;
                case "--camera-key" -> cameraKey = Path.of(value);
                case "--fps" -> fps = number(name, value, CameraClient.MIN_FPS, CameraClient.MAX_FPS);
                case "--max-side" -> {
                    maxSide = (int) whole(name, value, 0, JpegEncoder.MAX_SIDE);
                    if (maxSide != 0 && maxSide < JpegEncoder.MIN_SIDE) {
                        throw new UsageException("camera: --max-side must be 0 (keep) or " + JpegEncoder.MIN_SIDE + ".."
                                + JpegEncoder.MAX_SIDE + ", not " + maxSide);
                    }
                }
                case "--jpeg-quality" -> quality = (int) whole(name, value, 1, 100);
                case "--session-id" -> sessionId = value.isBlank() ? null : value;
                case "--max-frames" -> maxFrames = whole(name, value, 1, Long.MAX_VALUE);
                case "--duration" -> duration = seconds(name, value, 7 * 24 * 3600);
                case "--bootstrap-servers" -> bootstrap = value;
                case "--broker-wait" -> brokerWait = seconds(name, value, 24 * 3600);
                case "--progress-every" -> progressEvery = seconds(name, value, 3600);
                default -> throw new UsageException("camera: unexpected argument '" + arg + "'");
            }
        }
        if (kind == null) {
            throw new UsageException("camera: give a source: --video FILE, --images DIR or --device /dev/videoN");
        }
        if (cameraId == null) {
            throw new UsageException("camera: --camera-id is required");
        }
        if (!CameraIds.isValid(cameraId)) {
            throw new UsageException("camera: --camera-id '" + cameraId + "' is not " + CameraIds.RULE);
        }
        if (bootstrap == null || bootstrap.isBlank()) {
            throw new UsageException("camera: --bootstrap-servers (or --" + BOOTSTRAP + "=, or " + Settings.envName(BOOTSTRAP)
                    + ") is required");
        }
        if (loop && kind == SourceKind.DEVICE) {
            throw new UsageException("camera: --loop replays files; a device has no end to loop from");
        }
        return new Options(kind, input, cameraId, cameraKey, fps, maxSide, quality, sessionId, maxFrames, duration, loop, bootstrap,
                brokerWait, progressEvery);
    }

    private static long whole(String name, String value, long min, long max) throws UsageException {
        try {
            long n = Long.parseLong(value.trim());
            if (n < min || n > max) {
                throw new UsageException("camera: " + name + " must be in " + min + ".." + max + ", not " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException("camera: " + name + " must be a whole number, not '" + value + "'");
        }
    }

    private static double number(String name, String value, double min, double max) throws UsageException {
        try {
            double n = Double.parseDouble(value.trim());
            if (!(n >= min && n <= max)) {
                throw new UsageException("camera: " + name + " must be in " + min + ".." + max + ", not " + value);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException("camera: " + name + " must be a number, not '" + value + "'");
        }
    }

    private static Duration seconds(String name, String value, double max) throws UsageException {
        double s = number(name, value, 0.001, max);
        return Duration.ofNanos(Math.round(s * 1e9));
    }
}
