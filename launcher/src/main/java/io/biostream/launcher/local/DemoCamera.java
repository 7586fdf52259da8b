package io.biostream.launcher.local;

import io.biostream.launcher.camera.CameraClient;
import io.biostream.launcher.camera.CameraException;
import io.biostream.launcher.camera.JpegEncoder;
import io.biostream.launcher.camera.ReplaySource;
import io.biostream.operators.crypto.CameraKey;
import io.biostream.operators.crypto.CameraMaster;
import io.biostream.operators.crypto.FrameSigner;
import io.biostream.operators.functions.PipelineConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Local mode's demo camera: the camera client ({@code biostream camera}) replaying face-api's demo
 * photos (packaged from the fetched npm package) at a steady rate, through the same encoder,
 * pacing and publisher. Sequence numbers are epoch milliseconds, so they keep increasing across restarts.
 */
public final class DemoCamera implements AutoCloseable {
    public static final String CAMERA_ID = "demo-cam";
    public static final List<String> PHOTOS = List.of("sample1.jpg", "sample2.jpg", "sample3.jpg", "sample4.jpg");
    private static final Logger LOG = LoggerFactory.getLogger(DemoCamera.class);
    /** The demo photos are small: sent at their own size, at a quality close to the originals. */
    private static final int JPEG_QUALITY = 92;

    private final FramePublisher publisher;
    private final List<byte[]> photos;
    private CameraClient client;
    private Thread thread;

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
        // The demo camera outlives a lost broker (local mode restarts it): it keeps retrying until closed.
        CameraClient.Options options = new CameraClient.Options(CAMERA_ID, Math.max(CameraClient.MIN_FPS, 1000.0 / interval.toMillis()),
                null, 0, null, Duration.ofDays(365), Duration.ofMinutes(10));
        client = new CameraClient(new ReplaySource("demo photos", photos), new JpegEncoder(0, JPEG_QUALITY), publisher, options,
                LOG::info);
        thread = new Thread(this::run, "demo-camera");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    private void run() {
        try {
            client.run();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (CameraException | RuntimeException e) {
            LOG.warn("demo camera stopped: {}", e.getMessage());
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (thread != null) {
            client.stop();
            thread.interrupt();
            thread.join(10_000);
        }
    }
}
