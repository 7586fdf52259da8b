package io.biostream.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The chart helm/biostream, rendered and linted in-process by helm-java (Helm's own library), so
 * nothing here needs a helm binary or a cluster.
 */
final class HelmChart {
    static final Path DIR = Path.of(System.getProperty("biostream.chart.dir", "biostream")).toAbsolutePath().normalize();
    static final Path REPO = Path.of(System.getProperty("biostream.repo.dir", "..")).toAbsolutePath().normalize();
    static final Path VALUES = DIR.getParent().resolve("src/test/resources/values");
    static final String RELEASE = "vision";
    static final String NAMESPACE = "biometrics";
    /** The Kubernetes version rendered for (the kubectl served here); Helm would otherwise assume 1.20. */
    static final String KUBE_VERSION = "1.32.0";
    private static final YAMLMapper YAML = new YAMLMapper();

    private HelmChart() {}

    static Path values(String name) {
        Path file = VALUES.resolve(name);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no values file " + file);
        }
        return file;
    }

    /** `helm template` with the values files in order (later ones win); throws with Helm's message when refused. */
    static Rendered render(Path... valuesFiles) {
        var command = new Helm(DIR).template().withName(RELEASE).withNamespace(NAMESPACE).withKubeVersion(KUBE_VERSION);
        for (Path file : valuesFiles) {
            command = command.withValuesFile(file);
        }
        return Rendered.parse(command.call());
    }

    /**
     * `helm lint --strict` as `helm lint -f FILE...` would run it: helm-java lints a chart with its own
     * values.yaml only, so the chart is copied with the files merged into its values.yaml by Helm's
     * rules (maps merge key by key, null removes a key, anything else replaces).
     */
    static LintResult lint(Path... valuesFiles) {
        try {
            Path copy = Files.createTempDirectory("biostream-chart-lint").resolve("biostream");
            try {
                copyTree(DIR, copy);
                ObjectNode merged = (ObjectNode) YAML.readTree(DIR.resolve("values.yaml").toFile());
                for (Path file : valuesFiles) {
                    merge(merged, YAML.readTree(file.toFile()));
                }
                YAML.writeValue(copy.resolve("values.yaml").toFile(), merged);
                return new Helm(copy).lint().strict().call();
            } finally {
                deleteTree(copy.getParent());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void merge(ObjectNode base, JsonNode overlay) {
        if (overlay == null || overlay.isNull() || overlay.isMissingNode()) {
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = overlay.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode current = base.get(e.getKey());
            if (e.getValue().isNull()) {
                base.remove(e.getKey());
            } else if (current instanceof ObjectNode currentObject && e.getValue().isObject()) {
                merge(currentObject, e.getValue());
            } else {
                base.set(e.getKey(), e.getValue().deepCopy());
            }
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode readYaml(Path file) {
        try {
            return YAML.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : (Iterable<Path>) paths.sorted(java.util.Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
