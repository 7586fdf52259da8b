package io.biostream.helm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The setting keys biostream's code reads, from its main sources: every string literal that is a
 * key ({@code "biostream.kafka.group-id"}, {@code "api.port"}), and the topic keys that Topics builds
 * from its prefix and record components. The chart must write no key the code does not read.
 */
final class CodeSettings {
    private static final Pattern KEY_LITERAL = Pattern.compile("\"((?:biostream|api)\\.[a-z0-9][a-z0-9.-]*[a-z0-9])\"");
    private static final Pattern TOPICS_RECORD = Pattern.compile("public record Topics\\(([^)]*)\\)");
    private static final Set<String> KEYS = load();

    private CodeSettings() {}

    static boolean isRead(String key) {
        return KEYS.contains(key);
    }

    static Set<String> keys() {
        return KEYS;
    }

    private static Set<String> load() {
        Set<String> keys = new HashSet<>();
        for (String module : List.of("schemas", "operators", "api", "jobs")) {
            Path sources = HelmChart.REPO.resolve(module).resolve("src/main/java");
            if (!Files.isDirectory(sources)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(sources)) {
                for (Path file : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".java"))::iterator) {
                    String source = Files.readString(file);
                    Matcher m = KEY_LITERAL.matcher(source);
                    while (m.find()) {
                        keys.add(m.group(1));
                    }
                    Matcher topics = TOPICS_RECORD.matcher(source);
                    if (topics.find()) {
                        for (String component : topics.group(1).split(",")) {
                            String[] typeAndName = component.trim().split("\\s+");
                            keys.add("biostream.topics." + typeAndName[typeAndName.length - 1]);
                        }
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (!keys.contains("biostream.topics.frames") || !keys.contains("api.port")) {
            throw new IllegalStateException("setting keys not found in the sources under " + HelmChart.REPO);
        }
        return Set.copyOf(keys);
    }
}
