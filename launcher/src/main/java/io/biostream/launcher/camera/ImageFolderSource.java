package io.biostream.launcher.camera;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * The JPEG and PNG files of one folder (not its subfolders), in name order, optionally over and
 * over. A file that is not a readable picture is skipped with a message; the rest still go out.
 */
public final class ImageFolderSource implements FrameSource {
    /** More than this many consecutive unreadable files end the source: the folder is not what was meant. */
    static final int MAX_SKIPPED_IN_A_ROW = 1000;

    private final Path dir;
    private final List<Path> files;
    private final boolean loop;
    private final Consumer<String> messages;
    private int next;
    private Mat current;

    private ImageFolderSource(Path dir, List<Path> files, boolean loop, Consumer<String> messages) {
        this.dir = dir;
        this.files = files;
        this.loop = loop;
        this.messages = messages;
    }

    public static ImageFolderSource open(Path dir, boolean loop, Consumer<String> messages) throws CameraException {
        if (!Files.isDirectory(dir)) {
            throw new CameraException(Files.exists(dir) ? dir + " is not a folder" : "no such folder: " + dir);
        }
        List<Path> files;
        try (Stream<Path> entries = Files.list(dir)) {
            files = entries.filter(Files::isRegularFile).filter(ImageFolderSource::isImageName).sorted().toList();
        } catch (IOException e) {
            throw new CameraException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        if (files.isEmpty()) {
            throw new CameraException("no .jpg, .jpeg or .png files in " + dir);
        }
        return new ImageFolderSource(dir, files, loop, messages);
    }

    static boolean isImageName(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".jpg") || name.endsWith(".jpeg") || name.endsWith(".png");
    }

    @Override
    public Mat next() throws CameraException {
        release();
        for (int skipped = 0; skipped < Math.min(MAX_SKIPPED_IN_A_ROW, files.size()); skipped++) {
            if (next == files.size()) {
                if (!loop) {
                    return null;
                }
                next = 0;
            }
            Path file = files.get(next++);
            try {
                current = EncodedImages.decode(Files.readAllBytes(file), file.toString());
                return current;
            } catch (IOException e) {
                messages.accept("camera: skipped " + file + ": cannot read (" + e.getMessage() + ")");
            } catch (CameraException e) {
                messages.accept("camera: skipped " + e.getMessage());
            }
        }
        throw new CameraException("none of the " + files.size() + " image files in " + dir + " could be read");
    }

    @Override
    public String describe() {
        return "images " + dir + " (" + files.size() + " files" + (loop ? ", looped" : "") + ")";
    }

    private void release() {
        if (current != null) {
            current.close();
            current = null;
        }
    }

    @Override
    public void close() {
        release();
    }
}
