package io.biostream.launcher.eval;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * An evaluation set laid out as one sub-folder per person: the folder name is the identity, each
 * regular file in it one image of that person. Files directly in the set's folder (licences,
 * notes) and hidden files are not images of anyone and are left out. Order is by name, so runs
 * are repeatable.
 */
public final class IdentityFolders {

    /** One file of the set; {@code name} is {@code identity/file}, as reports show it. */
    public record LabelledFile(String identity, Path path, String name) {}

    private IdentityFolders() {}

    /** Lists at most {@code maxFiles} files; more is refused, since pairs grow with the square. */
    public static List<LabelledFile> list(Path set, int maxFiles) throws IOException {
        if (!Files.isDirectory(set)) {
            throw new IOException(set + " is not a folder");
        }
        List<LabelledFile> files = new ArrayList<>();
        for (Path folder : sortedChildren(set)) {
            if (!Files.isDirectory(folder) || hidden(folder)) {
                continue;
            }
            String identity = folder.getFileName().toString();
            for (Path file : sortedChildren(folder)) {
                if (Files.isRegularFile(file) && !hidden(file)) {
                    if (files.size() == maxFiles) {
                        throw new IOException(set + " holds more than " + maxFiles + " files in identity folders");
                    }
                    files.add(new LabelledFile(identity, file, identity + "/" + file.getFileName()));
                }
            }
        }
        return files;
    }

    private static List<Path> sortedChildren(Path folder) throws IOException {
        try (Stream<Path> children = Files.list(folder)) {
            return children.sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
        }
    }

    private static boolean hidden(Path path) {
        return path.getFileName().toString().startsWith(".");
    }
}
