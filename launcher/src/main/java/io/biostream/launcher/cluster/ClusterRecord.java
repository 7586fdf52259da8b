package io.biostream.launcher.cluster;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * What {@code cluster status}, {@code down} and the next {@code up} need to know about a started
 * cluster, in var/cluster/run/cluster.properties: its URLs and ports, the job's id, the last
 * savepoint taken by {@code cluster stop}.
 */
final class ClusterRecord {
    static final String REST_URL = "rest.url";
    static final String KAFKA = "kafka.bootstrap-servers";
    static final String JOB_ID = "job.id";
    static final String SAVEPOINT = "savepoint.last";
    static final String PORT_PREFIX = "port.";

    private ClusterRecord() {}

    static Map<String, String> read(ClusterLayout layout) throws IOException {
        Properties p = new Properties();
        if (Files.exists(layout.stateFile())) {
            try (Reader in = Files.newBufferedReader(layout.stateFile(), StandardCharsets.UTF_8)) {
                p.load(in);
            }
        }
        Map<String, String> values = new TreeMap<>();
        p.stringPropertyNames().forEach(k -> values.put(k, p.getProperty(k)));
        return values;
    }

    static Optional<String> get(ClusterLayout layout, String key) throws IOException {
        return Optional.ofNullable(read(layout).get(key));
    }

    /** Sets the values (others stay), written to a temporary file first so a reader never sees half a file. */
    static synchronized void update(ClusterLayout layout, Map<String, String> values) throws IOException {
        Map<String, String> all = read(layout);
        all.putAll(values);
        Properties p = new Properties();
        p.putAll(all);
        Files.createDirectories(layout.run());
        Path tmp = layout.stateFile().resolveSibling("cluster.properties.tmp");
        try (Writer out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            p.store(out, "biostream cluster (bin/biostream cluster status)");
        }
        Files.move(tmp, layout.stateFile(), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
