package io.biostream.launcher.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The Flink the JobManager and TaskManagers run: by default the lib/ the build assembles from
 * Flink's published artifacts (flink-home/target/flink/lib: runtime, clients, web UI, RPC, RocksDB,
 * queryable state, log4j), or a real distribution's lib/ and plugins/ when {@code FLINK_HOME} is set.
 * Either way the plugins folder gets biostream's loopback Prometheus reporter
 * (launcher/target/flink-plugins/biostream-prometheus); the job's libraries are never on this
 * classpath, they come with the job jar.
 */
public record FlinkDistribution(Optional<Path> flinkHome, Path lib, Optional<Path> distributionPlugins,
                                Path reporterPlugin, Path queryableStateFallback) {

    public static final String REPORTER_PLUGIN = "biostream-prometheus";
    private static final String QUERYABLE_STATE_RUNTIME = "flink-queryable-state-runtime";

    public static FlinkDistribution of(Optional<Path> flinkHome, Path home) {
        Path reporter = home.resolve("launcher/target/flink-plugins").resolve(REPORTER_PLUGIN);
        if (flinkHome.isPresent()) {
            Path fh = flinkHome.get().toAbsolutePath().normalize();
            return new FlinkDistribution(Optional.of(fh), fh.resolve("lib"), Optional.of(fh.resolve("plugins")), reporter,
                    fh.resolve("opt"));
        }
        return new FlinkDistribution(Optional.empty(), home.resolve("flink-home/target/flink/lib"), Optional.empty(),
                reporter, home.resolve("jobs/target/flink-lib"));
    }

    /** The JobManager's and TaskManagers' classpath: lib/'s jars, plus the queryable-state runtime if lib/ lacks it. */
    public List<Path> classpath() throws IOException {
        if (!Files.isDirectory(lib)) {
            throw new IllegalStateException("no Flink lib/ at " + lib + (flinkHome.isPresent()
                    ? ": FLINK_HOME must point at a Flink " + org.apache.flink.runtime.util.EnvironmentInformation.getVersion()
                            + " distribution"
                    : ": build it with mvn -B package -DskipTests (or set FLINK_HOME to a Flink distribution)"));
        }
        List<Path> jars = jarsIn(lib);
        if (jars.stream().noneMatch(j -> j.getFileName().toString().startsWith("flink-runtime")
                || j.getFileName().toString().startsWith("flink-dist"))) {
            throw new IllegalStateException("no Flink runtime jar in " + lib);
        }
        if (jars.stream().noneMatch(j -> j.getFileName().toString().startsWith(QUERYABLE_STATE_RUNTIME))) {
            // A distribution ships it in opt/; the API reads the job's state through it.
            Optional<Path> runtime = Files.isDirectory(queryableStateFallback)
                    ? jarsIn(queryableStateFallback).stream()
                            .filter(j -> j.getFileName().toString().startsWith(QUERYABLE_STATE_RUNTIME)).findFirst()
                    : Optional.empty();
            jars = new ArrayList<>(jars);
            jars.add(runtime.orElseThrow(() -> new IllegalStateException("no " + QUERYABLE_STATE_RUNTIME
                    + " jar in " + lib + " or " + queryableStateFallback + ": the API needs queryable state")));
        }
        return jars;
    }

    /**
     * The plugins folder to give the processes (FLINK_PLUGINS_DIR): the built one holds only the
     * reporter; with FLINK_HOME a folder under {@code varDir/plugins} links the distribution's
     * plugins and the reporter.
     */
    public Path pluginsDir(Path varDir) throws IOException {
        if (!Files.isDirectory(reporterPlugin)) {
            throw new IllegalStateException("no metrics reporter plugin at " + reporterPlugin
                    + ": build it with mvn -B package -DskipTests");
        }
        if (distributionPlugins.isEmpty()) {
            return reporterPlugin.getParent();
        }
        Path plugins = varDir.resolve("plugins");
        if (Files.isDirectory(plugins)) {
            try (Stream<Path> old = Files.list(plugins)) {
                for (Path link : (Iterable<Path>) old::iterator) {
                    Files.deleteIfExists(link);
                }
            }
        }
        Files.createDirectories(plugins);
        if (Files.isDirectory(distributionPlugins.get())) {
            try (Stream<Path> dirs = Files.list(distributionPlugins.get())) {
                for (Path dir : (Iterable<Path>) dirs.filter(Files::isDirectory)::iterator) {
                    Files.createSymbolicLink(plugins.resolve(dir.getFileName()), dir.toAbsolutePath());
                }
            }
        }
        Files.createSymbolicLink(plugins.resolve(REPORTER_PLUGIN), reporterPlugin.toAbsolutePath());
        return plugins;
    }

    private static List<Path> jarsIn(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".jar")).sorted(Comparator.comparing(Path::toString)).toList();
        }
    }
}
