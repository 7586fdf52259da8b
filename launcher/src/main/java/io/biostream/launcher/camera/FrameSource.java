package io.biostream.launcher.camera;

import org.bytedeco.opencv.opencv_core.Mat;

/** Where the camera client's pictures come from: a video file, a folder of images, a V4L2 device. */
public interface FrameSource extends AutoCloseable {
    /**
     * The next picture as an 8-bit BGR image, or null at the end of the source. The Mat may be
     * reused by the next call: encode it before asking again.
     *
     * @throws CameraException when the source cannot be read any further
     */
    Mat next() throws CameraException;

    /** The source's own frame rate (a video's), or 0 where it has none. */
    default double nativeFps() {
        return 0;
    }

    /**
     * True for a live device: its frames come at the device's pace and the client drops those
     * between two sends rather than letting them queue up (they would only grow stale).
     */
    default boolean live() {
        return false;
    }

    /** What is read, for messages: "video door.mp4 (640x480, 25.0 fps)". */
    String describe();

    @Override
    void close();
}
