package io.biostream.launcher.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * Finds retained checkpoints on disk. Flink writes each one as {@code <jobDir>/chk-<n>/} and writes
 * its {@code _metadata} file last, so a directory without it is a checkpoint that never completed.
 */
public final class RetainedCheckpoints {

    private static final String PREFIX = "chk-";
    private static final String METADATA = "_metadata";

    private RetainedCheckpoints() {
    }

    /** The complete checkpoint with the highest number under {@code jobDir}, if any. */
    public static Optional<Path> newest(Path jobDir) {
        if (!Files.isDirectory(jobDir)) {
            return Optional.empty();
        }
        try (Stream<Path> children = Files.list(jobDir)) {
            return children
                    .filter(dir -> number(dir).isPresent())
                    .filter(dir -> Files.isRegularFile(dir.resolve(METADATA)))
                    .max(Comparator.comparingLong(dir -> number(dir).getAsLong()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list checkpoints in " + jobDir, e);
        }
    }

    /** The {@code n} of a {@code chk-<n>} directory name. */
    static OptionalLong number(Path dir) {
        String name = dir.getFileName().toString();
        if (!name.startsWith(PREFIX)) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(name.substring(PREFIX.length())));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }
}
