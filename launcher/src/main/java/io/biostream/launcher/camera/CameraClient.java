package io.biostream.launcher.camera;

import io.biostream.launcher.local.FramePublisher;
import io.biostream.operators.decode.FrameRejectedException;
import io.biostream.schemas.Frame;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.common.errors.RetriableException;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * A camera: reads pictures from a {@link FrameSource}, sends each as a JPEG {@link Frame} through a
 * {@link FramePublisher} at a steady rate, waits out a lost broker with bounded backoff, and reports
 * its progress. Sequence numbers are epoch milliseconds (and increasing), so a restarted camera
 * goes on above its last frame.
 */
public final class CameraClient {
    public static final double MIN_FPS = 0.01;
    public static final double MAX_FPS = 60;
    /** The longest pause between two attempts to reach a lost broker. */
    static final Duration MAX_BACKOFF = Duration.ofSeconds(10);
    static final Duration FIRST_BACKOFF = Duration.ofMillis(250);

    /**
     * @param maxFrames stop after this many frames sent (0: no limit)
     * @param duration stop after this long (null: no limit)
     * @param brokerWait give up when no frame could be sent for this long
     * @param progressEvery how often a progress line is written
     */
    public record Options(String cameraId, double fps, String sessionId, long maxFrames, Duration duration,
            Duration brokerWait, Duration progressEvery) {
        public Options {
            if (!(fps >= MIN_FPS && fps <= MAX_FPS)) {
                throw new IllegalArgumentException("fps must be in " + MIN_FPS + ".." + MAX_FPS + ", not " + fps);
            }
        }
    }

    /** What was sent: frames, JPEG bytes, and the seconds from the first send to the last. */
    public record Progress(String cameraId, long frames, long bytes, double seconds) {
        /** The send rate: frames after the first over the time they took. */
        public double fps() {
            return frames > 1 && seconds > 0 ? (frames - 1) / seconds : 0;
        }

        public String line() {
            return String.format(Locale.ROOT, "camera %s: %d frames sent, %.1f fps, %s", cameraId, frames, fps(), size(bytes));
        }

        private static String size(long bytes) {
            if (bytes < 10_000) {
                return bytes + " B";
            }
            return bytes < 10_000_000 ? String.format(Locale.ROOT, "%.1f kB", bytes / 1e3)
                    : String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
        }
    }

    private final FrameSource source;
    private final JpegEncoder encoder;
    private final FramePublisher publisher;
    private final Options options;
    private final Consumer<String> messages;
    private volatile boolean stopped;
    private long lastSequence;

    public CameraClient(FrameSource source, JpegEncoder encoder, FramePublisher publisher, Options options,
            Consumer<String> messages) {
        this.source = source;
        this.encoder = encoder;
        this.publisher = publisher;
        this.options = options;
        this.messages = messages;
    }

    /** Ends {@link #run()} after the frame in flight (from another thread). */
    public void stop() {
        stopped = true;
    }

    /**
     * Sends frames until the source ends, a bound is reached or {@link #stop()} is called.
     *
     * @throws CameraException when the source fails, or the broker stays away longer than brokerWait
     */
    public Progress run() throws CameraException, InterruptedException {
        long intervalNanos = Math.round(1e9 / options.fps());
        long start = System.nanoTime();
        long end = options.duration() == null ? Long.MAX_VALUE : start + options.duration().toNanos();
        long progressNanos = options.progressEvery().toNanos();
        long nextProgress = start + progressNanos;
        long nextSend = start;
        long frames = 0;
        long bytes = 0;
        long firstSent = 0;
        long lastSent = 0;
        while (!stopped && (options.maxFrames() == 0 || frames < options.maxFrames()) && System.nanoTime() < end) {
            Mat picture = source.next();
            if (picture == null) {
                break;
            }
            long now = System.nanoTime();
            if (now < nextSend) {
                if (source.live()) {
                    continue; // a device delivers at its own pace: frames before the slot are dropped, never queued
                }
                sleepNanos(Math.min(nextSend, end) - now);
                if (System.nanoTime() >= end || stopped) {
                    break;
                }
            }
            byte[] jpeg = encoder.encode(picture);
            lastSent = System.nanoTime();
            firstSent = frames == 0 ? lastSent : firstSent;
            send(jpeg);
            frames++;
            bytes += jpeg.length;
            // A slow send moves the schedule rather than bursting afterwards to catch up.
            nextSend = Math.max(nextSend + intervalNanos, System.nanoTime() - intervalNanos);
            if (System.nanoTime() >= nextProgress) {
                messages.accept(new Progress(options.cameraId(), frames, bytes, (lastSent - firstSent) / 1e9).line());
                nextProgress = System.nanoTime() + progressNanos;
            }
        }
        return new Progress(options.cameraId(), frames, bytes, (lastSent - firstSent) / 1e9);
    }

    private void send(byte[] jpeg) throws CameraException, InterruptedException {
        long sequence = Math.max(System.currentTimeMillis(), lastSequence + 1);
        Frame frame;
        try {
            frame = FramePublisher.frame(options.cameraId(), sequence, jpeg);
        } catch (FrameRejectedException e) {
            throw new CameraException("the encoder produced no valid JPEG (" + e.getMessage() + ")", e);
        }
        frame.setSessionId(options.sessionId());
        long giveUp = System.nanoTime() + options.brokerWait().toNanos();
        Duration backoff = FIRST_BACKOFF;
        while (true) {
            try {
                publisher.publish(frame);
                lastSequence = sequence;
                return;
            } catch (ExecutionException | TimeoutException e) {
                Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
                if (!(cause instanceof RetriableException || cause instanceof TimeoutException)) {
                    throw new CameraException("the broker refused frame " + sequence + ": " + reason(cause), cause);
                }
                if (stopped || System.nanoTime() + backoff.toNanos() > giveUp) {
                    throw new CameraException("no broker took frame " + sequence + " within "
                            + options.brokerWait().toSeconds() + " s: " + reason(cause), cause);
                }
                messages.accept(String.format(Locale.ROOT, "camera %s: broker unavailable (%s), retrying in %.1f s",
                        options.cameraId(), reason(cause), backoff.toMillis() / 1000.0));
                Thread.sleep(backoff.toMillis());
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            }
        }
    }

    private static String reason(Throwable cause) {
        String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message.lines().findFirst().orElse(""));
    }

    private static void sleepNanos(long nanos) throws InterruptedException {
        if (nanos > 0) {
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        }
    }
}
