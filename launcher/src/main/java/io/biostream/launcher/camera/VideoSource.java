package io.biostream.launcher.camera;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;

/** A video file or a V4L2 device (video4linux2), read through FFmpeg. */
public final class VideoSource implements FrameSource {
    static {
        // FFmpeg's own log lines would interleave with the client's one-line messages, which carry its errors.
        avutil.av_log_set_level(avutil.AV_LOG_FATAL);
    }

    private final FFmpegFrameGrabber grabber;
    private final OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat();
    private final String name;
    private final boolean live;
    private final boolean loop;

    private VideoSource(FFmpegFrameGrabber grabber, String name, boolean live, boolean loop) {
        this.grabber = grabber;
        this.name = name;
        this.live = live;
        this.loop = loop;
    }

    /** A video file FFmpeg reads (MP4, MKV, AVI, ...), optionally replayed from the start at its end. */
    public static VideoSource file(Path file, boolean loop) throws CameraException {
        if (!Files.isRegularFile(file)) {
            throw new CameraException(Files.exists(file) ? file + " is not a file" : "no such file: " + file);
        }
        if (!Files.isReadable(file)) {
            throw new CameraException("cannot read " + file + " (permission denied)");
        }
        FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(file.toFile());
        return start(grabber, "video " + file, false, loop, file + " is not a video FFmpeg can read");
    }

    /** A V4L2 capture device such as /dev/video0. */
    public static VideoSource device(Path device) throws CameraException {
        if (!Files.exists(device)) {
            throw new CameraException("no video device " + device + " (is the camera connected and its driver loaded?"
                    + " `ls /dev/video*` lists the devices)");
        }
        if (!Files.isReadable(device)) {
            throw new CameraException("cannot open " + device + " (permission denied: is this user in the 'video' group?)");
        }
        FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(device.toString());
        grabber.setFormat("video4linux2");
        return start(grabber, "device " + device, true, false, device + " is not a V4L2 video device FFmpeg can capture from");
    }

    private static VideoSource start(FFmpegFrameGrabber grabber, String name, boolean live, boolean loop, String failure)
            throws CameraException {
        try {
            grabber.start();
        } catch (FrameGrabber.Exception | RuntimeException e) {
            release(grabber);
            throw new CameraException(failure + " (" + firstLine(e.getMessage()) + ")", e);
        }
        if (!grabber.hasVideo() || grabber.getImageWidth() <= 0 || grabber.getImageHeight() <= 0) {
            release(grabber);
            throw new CameraException(failure + " (it has no video stream)");
        }
        return new VideoSource(grabber, name, live, loop);
    }

    @Override
    public Mat next() throws CameraException {
        try {
            Frame frame = grabber.grabImage();
            if (frame == null && loop) {
                grabber.restart();
                frame = grabber.grabImage();
            }
            if (frame == null) {
                return null;
            }
            return converter.convert(frame);
        } catch (FrameGrabber.Exception e) {
            throw new CameraException("reading " + name + " failed (" + firstLine(e.getMessage()) + ")", e);
        }
    }

    @Override
    public double nativeFps() {
        double fps = grabber.getFrameRate();
        return Double.isFinite(fps) && fps > 0 ? fps : 0;
    }

    @Override
    public boolean live() {
        return live;
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "%s (%dx%d, %.1f fps%s)", name, grabber.getImageWidth(), grabber.getImageHeight(),
                nativeFps(), loop ? ", looped" : "");
    }

    @Override
    public void close() {
        release(grabber);
        converter.close();
    }

    private static void release(FFmpegFrameGrabber grabber) {
        try {
            grabber.release();
        } catch (FrameGrabber.Exception | RuntimeException e) {
            // closing after a failure: the failure is what is reported
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "no detail";
        }
        int newline = message.indexOf('\n');
        return (newline < 0 ? message : message.substring(0, newline)).trim();
    }
}
