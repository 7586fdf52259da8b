package io.biostream.schemas;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.avro.Schema;

/**
 * One version of the wire contract: every {@code *.avsc} of a directory, parsed with one parser so
 * that schemas naming other records (CameraLatest names FrameResult) resolve within that version.
 */
final class SchemaSet {
    /** Files other schemas refer to by name, in an order where each one's own references come first. */
    static final List<String> DEPENDENCY_ORDER = List.of(
            "Box.avsc", "AssociatedData.avsc", "Identification.avsc", "FaceResult.avsc", "EncryptedTemplate.avsc",
            "FrameResult.avsc", "Subject.avsc", "CaptureSession.avsc", "MatchSettings.avsc");

    private static final Pattern VERSION_DIR = Pattern.compile("v(\\d+)");

    private final String label;
    private final Map<String, Schema> byFile;

    private SchemaSet(String label, Map<String, Schema> byFile) {
        this.label = label;
        this.byFile = byFile;
    }

    /** The schemas built into this module (src/main/avro, on the classpath under avro/). */
    static SchemaSet current() {
        return load("current", classpathDir("avro"));
    }

    /** The newest compatibility baseline: the highest {@code avro-history/vN} on the test classpath. */
    static SchemaSet latestBaseline() {
        Path root = classpathDir("avro-history");
        try (Stream<Path> dirs = Files.list(root)) {
            Path newest = dirs.filter(Files::isDirectory)
                    .filter(dir -> VERSION_DIR.matcher(dir.getFileName().toString()).matches())
                    .max(Comparator.comparingInt(SchemaSet::versionNumber))
                    .orElseThrow(() -> new IllegalStateException("no avro-history/vN baseline under " + root));
            return load(newest.getFileName().toString(), newest);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses every .avsc in {@code dir}: the named dependencies first, then the rest by name. */
    static SchemaSet load(String label, Path dir) {
        List<Path> files;
        try (Stream<Path> listing = Files.list(dir)) {
            files = listing.filter(p -> p.getFileName().toString().endsWith(".avsc")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        List<Path> ordered = new ArrayList<>();
        for (String name : DEPENDENCY_ORDER) {
            files.stream().filter(p -> p.getFileName().toString().equals(name)).forEach(ordered::add);
        }
        files.stream().filter(p -> !ordered.contains(p)).forEach(ordered::add);

        Schema.Parser parser = new Schema.Parser();
        Map<String, Schema> byFile = new TreeMap<>();
        for (Path file : ordered) {
            try {
                byFile.put(file.getFileName().toString(), parser.parse(file.toFile()));
            } catch (IOException | RuntimeException e) {
                throw new IllegalStateException(label + " schema " + file + " does not parse: " + e.getMessage(), e);
            }
        }
        return new SchemaSet(label, byFile);
    }

    String label() {
        return label;
    }

    /** Schema file name (e.g. Frame.avsc) to its schema, sorted by name. */
    Map<String, Schema> byFile() {
        return byFile;
    }

    Schema schema(String file) {
        Schema schema = byFile.get(file);
        if (schema == null) {
            throw new IllegalArgumentException(label + " has no " + file + "; it has " + byFile.keySet());
        }
        return schema;
    }

    boolean has(String file) {
        return byFile.containsKey(file);
    }

    private static int versionNumber(Path dir) {
        Matcher m = VERSION_DIR.matcher(dir.getFileName().toString());
        return m.matches() ? Integer.parseInt(m.group(1)) : -1;
    }

    private static Path classpathDir(String name) {
        URL url = SchemaSet.class.getResource("/" + name);
        if (url == null || !"file".equals(url.getProtocol())) {
            throw new IllegalStateException("directory " + name + " is not on the classpath as a folder: " + url);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
