package io.biostream.launcher.local;

import io.biostream.operators.crypto.CameraKey;
import io.biostream.operators.crypto.CameraMaster;
import io.biostream.operators.crypto.FrameSigner;
import io.biostream.operators.functions.PipelineConfig;
import io.biostream.schemas.Frame;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Local mode's demo camera: replays face-api's demo photos (packaged from the fetched npm package)
 * at a steady rate. Sequence numbers are epoch milliseconds, so they keep increasing across restarts.
 */
public final class DemoCamera implements AutoCloseable {
    public static final String CAMERA_ID = "demo-cam";
    public static final List<String> PHOTOS = List.of("sample1.jpg", "sample2.jpg", "sample3.jpg", "sample4.jpg");
    private static final Logger LOG = LoggerFactory.getLogger(DemoCamera.class);

    private final FramePublisher publisher;
    private final List<byte[]> photos;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "demo-camera");
        t.setDaemon(true);
        return t;
    });
    private int next;
    private long lastSequence;

    public DemoCamera(FramePublisher publisher) {
        this.publisher = publisher;
        this.photos = loadPhotos();
    }

    /**
     * The demo camera's frame-authentication key, issued from the deployment's camera master into
     * {@code cameras/demo-cam.key} beside it (mode 600) and read back from there, as a camera holds
     * its key; null when camera authentication is off (the demo camera then sends unsigned frames).
     */
    public static FrameSigner issueKey(PipelineConfig pipeline) throws IOException, GeneralSecurityException {
        if (!pipeline.cameras().required()) {
            return null;
        }
        Path master = Path.of(pipeline.cameras().masterFile());
        Path file = master.toAbsolutePath().getParent().resolve("cameras").resolve(CAMERA_ID + ".key");
        CameraMaster.read(master, pipeline.crypto().kek()).issue(CAMERA_ID).write(file);
        return CameraKey.read(file);
    }

    /** The demo photos from the classpath (demo/face-api/sampleN.jpg). */
    public static List<byte[]> loadPhotos() {
        List<byte[]> list = new ArrayList<>();
        for (String name : PHOTOS) {
            String resource = "demo/face-api/" + name;
            try (InputStream in = DemoCamera.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("demo photo " + resource + " is not on the classpath (the build fetches it)");
                }
                list.add(in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return list;
    }

    public DemoCamera start(Duration interval) {
        timer.scheduleAtFixedRate(this::sendNext, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    private void sendNext() {
        try {
            long sequence = Math.max(System.currentTimeMillis(), lastSequence + 1);
            Frame frame = FramePublisher.frame(CAMERA_ID, sequence, photos.get(next));
            publisher.publish(frame);
            lastSequence = sequence;
            next = (next + 1) % photos.size();
        } catch (Exception e) {
            LOG.warn("demo camera could not send a frame: {}", e.toString());
        }
    }

    @Override
    public void close() throws InterruptedException {
        timer.shutdownNow();
        timer.awaitTermination(10, TimeUnit.SECONDS);
    }
}
