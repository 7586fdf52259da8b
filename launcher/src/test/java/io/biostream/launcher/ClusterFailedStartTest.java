package io.biostream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biostream.launcher.cluster.ClusterOptions;
import io.biostream.launcher.cluster.StandaloneCluster;
import io.biostream.launcher.local.Loopback;
import io.biostream.operators.config.PortCheck;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code cluster up} that cannot start fails, names why, and leaves no process behind: a taken
 * port stops it before anything starts; a JobManager that dies at start stops the broker that was
 * already running.
 */
class ClusterFailedStartTest {
    private static final Path HOME = Path.of(System.getProperty("user.dir")).resolve("..").normalize();

    @TempDir
    Path dir;

    @Test
    void aTakenPortStopsTheStartBeforeAnythingRunsAndNamesThePortAndTheSetting() throws Exception {
        ClusterOptions options = ClusterFailoverTest.options(dir.resolve("cluster"), Map.of());
        int taken = options.ports().taskManager(2).stateProxy();
        try (ServerSocket holder = new ServerSocket(taken, 1, InetAddress.getByName(Loopback.HOST))) {
            assertThatThrownBy(() -> StandaloneCluster.up(options))
                    .isInstanceOf(PortCheck.PortInUseException.class)
                    .hasMessageContaining("port " + taken)
                    .hasMessageContaining("queryable-state proxy of TaskManager 2")
                    .hasMessageContaining("--queryable-state.proxy.ports=N");
            assertThat(processesOf(options)).as("processes started").isEmpty();
            assertThat(Files.exists(options.layout().run())).as("nothing prepared").isFalse();
        } finally {
            StandaloneCluster.down(options.layout()); // whatever a broken start left
        }
    }

    @Test
    void aJobManagerThatDiesAtStartStopsTheBrokerAndNamesItsLog() throws Exception {
        // The REST endpoint cannot create its upload directory under /proc: the JobManager exits.
        ClusterOptions options = ClusterFailoverTest.options(dir.resolve("cluster"), Map.of("web.upload.dir", "/proc/biostream-no-such-dir"));
        try {
            assertThatThrownBy(() -> StandaloneCluster.up(options))
                    .hasMessageContaining("jobmanager")
                    .hasMessageContaining("exited at start")
                    .hasMessageContaining(options.layout().logFile("jobmanager").toString());
            assertThat(processesOf(options)).as("processes left running").isEmpty();
            assertThat(Files.exists(options.layout().pidFile(StandaloneCluster.BROKER))).as("broker pid file").isFalse();
            assertThat(Files.readString(options.layout().logFile(StandaloneCluster.BROKER))).as("the broker ran").isNotEmpty();
        } finally {
            StandaloneCluster.down(options.layout()); // whatever a broken start left
        }
    }

    /** Every live process started for this var directory (its command line carries the directory). */
    private static List<ProcessHandle> processesOf(ClusterOptions options) {
        String marker = "-Dbiostream.cluster.var=" + options.varDir();
        return ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(marker)).toList();
    }
}
