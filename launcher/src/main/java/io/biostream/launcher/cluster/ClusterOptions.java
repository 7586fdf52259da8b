package io.biostream.launcher.cluster;

import io.biostream.operators.config.Settings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What {@code biostream cluster up} starts and where: the data directory (./var/cluster), the
 * Flink configuration it starts from (flink-conf/config.yaml), the Flink lib/ (assembled by the
 * build, or {@code FLINK_HOME}'s), the job jar, the ports and the demo camera.
 *
 * @param settings    every setting (flags over environment over config.yaml): biostream.* ones go to the job
 * @param jobSettings   biostream.* settings given on the command line, passed to the job as its arguments
 *                      (with those of config.yaml; the job's main also reads BIOSTREAM_* variables)
 * @param flinkSettings Flink settings applied over config.yaml and under the cluster's own (tests: a short checkpoint interval)
 */
public record ClusterOptions(Settings settings, Path home, Path varDir, Path flinkConfDir, FlinkDistribution flink,
                             Path jobJar, ClusterPorts ports, int parallelism, boolean demo, Duration demoInterval,
                             Map<String, String> jobSettings, Map<String, String> flinkSettings, Duration startTimeout) {

    public static final String VAR_DIR = "biostream.cluster.var-dir";
    public static final String JOB_JAR = "biostream.cluster.job-jar";
    public static final String START_TIMEOUT = "biostream.cluster.start-timeout";

    public ClusterOptions {
        varDir = varDir.toAbsolutePath().normalize();
        flinkConfDir = flinkConfDir.toAbsolutePath().normalize();
        jobJar = jobJar.toAbsolutePath().normalize();
        jobSettings = Map.copyOf(jobSettings);
        flinkSettings = Map.copyOf(flinkSettings);
    }

    /**
     * @param flags the command line's {@code --key=value} flags ({@code settings} holds them too)
     * @param env  the environment: {@code FLINK_HOME} selects a Flink distribution's lib/ and plugins/
     * @param home the project's root (BIOSTREAM_HOME): the built lib/, plugin and job jar are found under it
     */
    public static ClusterOptions from(Map<String, String> flags, Settings settings, boolean demo, Path home,
                                      Map<String, String> env) {
        home = home.toAbsolutePath().normalize();
        Optional<Path> flinkHome = Optional.ofNullable(env.get("FLINK_HOME")).filter(s -> !s.isBlank()).map(Path::of);
        return new ClusterOptions(settings, home,
                Path.of(settings.get(VAR_DIR, home.resolve("var").resolve("cluster").toString())),
                Path.of(settings.get("biostream.local.flink-conf-dir", home.resolve("flink-conf").toString())),
                FlinkDistribution.of(flinkHome, home),
                Path.of(settings.get(JOB_JAR, defaultJobJar(home).toString())),
                ClusterPorts.from(settings),
                settings.getInt("parallelism.default", 2, 1, 2),
                demo,
                Duration.ofMillis(settings.getLong("biostream.local.demo-interval-ms", 2000, 100, 600_000)),
                jobSettings(flags),
                Map.of(),
                settings.getDuration(START_TIMEOUT, Duration.ofMinutes(3)));
    }

    public ClusterOptions withFlinkSettings(Map<String, String> more) {
        Map<String, String> all = new LinkedHashMap<>(flinkSettings);
        all.putAll(more);
        return new ClusterOptions(settings, home, varDir, flinkConfDir, flink, jobJar, ports, parallelism, demo,
                demoInterval, jobSettings, all, startTimeout);
    }

    public ClusterOptions withJobSettings(Map<String, String> more) {
        Map<String, String> all = new LinkedHashMap<>(jobSettings);
        all.putAll(more);
        return new ClusterOptions(settings, home, varDir, flinkConfDir, flink, jobJar, ports, parallelism, demo,
                demoInterval, all, flinkSettings, startTimeout);
    }

    /** The job's settings among the flags: biostream.*, less the launcher's own (biostream.cluster.*, biostream.local.*). */
    static Map<String, String> jobSettings(Map<String, String> flags) {
        Map<String, String> job = new LinkedHashMap<>();
        flags.forEach((key, value) -> {
            if (isJobSetting(key)) {
                job.put(key, value);
            }
        });
        return job;
    }

    static boolean isJobSetting(String key) {
        return key.startsWith("biostream.") && !key.startsWith("biostream.cluster.") && !key.startsWith("biostream.local.");
    }

    /** {@code jobs/target/biostream-pipeline-<version>.jar}, the shaded job jar {@code mvn package} builds. */
    public static Path defaultJobJar(Path home) {
        Path target = home.resolve("jobs").resolve("target");
        if (Files.isDirectory(target)) {
            try (Stream<Path> files = Files.list(target)) {
                List<Path> jars = files.filter(f -> f.getFileName().toString().matches("biostream-pipeline-.*\\.jar")).toList();
                if (jars.size() == 1) {
                    return jars.get(0);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return target.resolve("biostream-pipeline.jar"); // missing: the start says to run mvn package
    }

    public ClusterLayout layout() {
        return new ClusterLayout(varDir);
    }
}
