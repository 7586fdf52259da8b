package io.biostream.operators.pipeline;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.biostream.operators.decode.TestImages;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Real face photos from the shared data folder ({@code biostream.shared.dir}); a test using them is
 * skipped with a message when the folder is absent.
 */
public final class SharedFaces {
    /** Border around a 150x150 crop before detection, as the evaluation protocol uses (TightCropProtocol). */
    public static final double BORDER = 0.25;

    private SharedFaces() {}

    /** The photo at {@code relative} under the shared folder, e.g. {@code data/faces/bbt/raj/raj_1.png}. */
    public static Path photo(String relative) {
        String shared = System.getProperty("biostream.shared.dir");
        assumeTrue(shared != null, "system property biostream.shared.dir is not set: face photo test skipped");
        Path photo = Path.of(shared, relative);
        assumeTrue(Files.isRegularFile(photo), "no face photo at " + photo + ": face photo test skipped");
        return photo;
    }

    /** A bbt crop ({@code person/person_n.png}) in a black border, as PNG: a frame a detector finds the face in. */
    public static byte[] bbtFrame(String name) {
        try {
            return TestImages.withBlackBorder(Files.readAllBytes(photo("data/faces/bbt/" + name)), BORDER);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
