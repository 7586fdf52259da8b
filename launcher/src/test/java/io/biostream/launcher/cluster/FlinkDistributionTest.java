package io.biostream.launcher.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FLINK_HOME laid out as Apache's binary distribution is (lib/ with flink-dist, the queryable-state
 * runtime in opt/, plugins/ with one folder per plugin): the processes get lib/ plus the runtime
 * from opt/, and a plugins folder with the distribution's plugins beside biostream's reporter.
 */
class FlinkDistributionTest {
    @TempDir
    Path dir;

    private Path distribution() throws Exception {
        Path home = dir.resolve("flink-2.1.0");
        for (String jar : new String[] {"lib/flink-dist-2.1.0.jar", "lib/log4j-core-2.24.3.jar", "lib/flink-cep-2.1.0.jar",
                "opt/flink-queryable-state-runtime-2.1.0.jar", "opt/flink-python-2.1.0.jar",
                "plugins/metrics-jmx/flink-metrics-jmx-2.1.0.jar"}) {
            Files.createDirectories(home.resolve(jar).getParent());
            Files.write(home.resolve(jar), new byte[] {'P', 'K'});
        }
        return home;
    }

    private Path reporterBuilt(Path project) throws Exception {
        Path reporter = project.resolve("launcher/target/flink-plugins").resolve(FlinkDistribution.REPORTER_PLUGIN);
        Files.createDirectories(reporter);
        return reporter;
    }

    @Test
    void aDistributionsLibAndItsQueryableStateRuntimeFromOptMakeTheClasspath() throws Exception {
        Path home = distribution();
        FlinkDistribution flink = FlinkDistribution.of(Optional.of(home), dir.resolve("project"));

        assertThat(flink.classpath()).extracting(p -> home.relativize(p).toString()).containsExactly(
                "lib/flink-cep-2.1.0.jar", "lib/flink-dist-2.1.0.jar", "lib/log4j-core-2.24.3.jar",
                "opt/flink-queryable-state-runtime-2.1.0.jar");
    }

    @Test
    void thePluginsFolderLinksTheDistributionsPluginsAndTheReporter() throws Exception {
        Path home = distribution();
        Path reporter = reporterBuilt(dir.resolve("project"));
        FlinkDistribution flink = FlinkDistribution.of(Optional.of(home), dir.resolve("project"));

        Path plugins = flink.pluginsDir(dir.resolve("var"));
        assertThat(Files.readSymbolicLink(plugins.resolve("metrics-jmx"))).isEqualTo(home.resolve("plugins/metrics-jmx"));
        assertThat(Files.readSymbolicLink(plugins.resolve(FlinkDistribution.REPORTER_PLUGIN))).isEqualTo(reporter.toAbsolutePath());
        // A second start relinks (a distribution upgraded in place keeps working).
        assertThat(flink.pluginsDir(dir.resolve("var"))).isEqualTo(plugins);
    }

    @Test
    void aFolderThatIsNotADistributionIsRefusedNamingFlinkHome() throws Exception {
        Files.createDirectories(dir.resolve("not-flink/lib"));
        Files.write(dir.resolve("not-flink/lib/something.jar"), new byte[] {'P', 'K'});
        assertThatThrownBy(() -> FlinkDistribution.of(Optional.of(dir.resolve("nowhere")), dir).classpath())
                .hasMessageContaining("FLINK_HOME must point at a Flink");
        assertThatThrownBy(() -> FlinkDistribution.of(Optional.of(dir.resolve("not-flink")), dir).classpath())
                .hasMessageContaining("no Flink runtime jar");
        Path noRuntime = distribution();
        Files.delete(noRuntime.resolve("opt/flink-queryable-state-runtime-2.1.0.jar"));
        assertThatThrownBy(() -> FlinkDistribution.of(Optional.of(noRuntime), dir).classpath())
                .hasMessageContaining("flink-queryable-state-runtime");
    }
}
