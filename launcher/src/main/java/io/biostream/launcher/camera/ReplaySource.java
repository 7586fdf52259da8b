package io.biostream.launcher.camera;

import java.util.List;
import org.bytedeco.opencv.opencv_core.Mat;

/** Encoded pictures held in memory, replayed in turn for ever: local mode's demo camera. */
public final class ReplaySource implements FrameSource {
    private final List<byte[]> pictures;
    private final String name;
    private int next;
    private Mat current;

    public ReplaySource(String name, List<byte[]> pictures) {
        if (pictures.isEmpty()) {
            throw new IllegalArgumentException("nothing to replay");
        }
        this.name = name;
        this.pictures = List.copyOf(pictures);
    }

    @Override
    public Mat next() throws CameraException {
        close();
        int index = next;
        next = (next + 1) % pictures.size();
        current = EncodedImages.decode(pictures.get(index), name + " picture " + index);
        return current;
    }

    @Override
    public String describe() {
        return name + " (" + pictures.size() + " pictures, replayed)";
    }

    @Override
    public void close() {
        if (current != null) {
            current.close();
            current = null;
        }
    }
}
