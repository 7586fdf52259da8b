package io.biostream.operators.testing;

import io.biostream.operators.decode.TestImages;
import io.biostream.operators.testing.SharedFolder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Real face photos from the shared data folder; a test using them is skipped with a message when the
 * folder is absent, or fails where it is required ({@link SharedFolder}).
 */
public final class SharedFaces {
    /** Border around a 150x150 crop before detection, as the evaluation protocol uses (TightCropProtocol). */
    public static final double BORDER = 0.25;

    private SharedFaces() {}

    /** The photo at {@code relative} under the shared folder, e.g. {@code data/faces/bbt/raj/raj_1.png}. */
    public static Path photo(String relative) {
        return SharedFolder.resolve(relative);
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
