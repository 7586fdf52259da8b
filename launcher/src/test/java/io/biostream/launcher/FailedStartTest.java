package io.biostream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.launcher.local.Loopback;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A local start whose port is taken fails at once with status 1, names the port and the setting
 * that changes it, and starts nothing (no broker, no data directory); before, it printed a
 * BindException from inside Flink and hung with the broker running.
 */
class FailedStartTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({
            "rest.port, Flink web UI and REST API",
            "api.port, biostream API",
            "queryable-state.proxy.ports, queryable-state proxy",
            "biostream.local.kafka-port, Kafka broker",
            "biostream.local.metrics-port, Flink metrics for Prometheus"})
    void aTakenPortStopsTheStartWithItsSettingAndStartsNothing(String setting, String what) throws Exception {
        Path var = dir.resolve("var");
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName(Loopback.HOST), 0));
            int port = taken.getLocalPort();
            ByteArrayOutputStream err = new ByteArrayOutputStream();

            int status = Main.run(new String[] {"local",
                    "--biostream.local.var-dir=" + var,
                    "--biostream.local.flink-conf-dir=" + PipelineCluster.CONF_DIR,
                    // the other fixed ports free, so only the taken one can be refused
                    "--rest.port=" + freeUnless(setting, "rest.port", port),
                    "--api.port=" + freeUnless(setting, "api.port", port),
                    "--queryable-state.proxy.ports=" + freeUnless(setting, "queryable-state.proxy.ports", port),
                    "--biostream.local.kafka-port=" + freeUnless(setting, "biostream.local.kafka-port", port),
                    "--biostream.local.metrics-port=" + freeUnless(setting, "biostream.local.metrics-port", port)},
                    new PrintStream(err, true, StandardCharsets.UTF_8));

            String message = err.toString(StandardCharsets.UTF_8);
            assertThat(status).isEqualTo(1);
            assertThat(message).contains("port " + port + " on 127.0.0.1 (" + what + ") is already in use")
                    .contains("--" + setting + "=N");
            assertThat(var).as("nothing started, no data directory").doesNotExist();
        }
    }

    private static int freeUnless(String setting, String name, int taken) {
        return setting.equals(name) ? taken : Loopback.freePort();
    }

    @Test
    void aFailureAfterTheChecksIsReportedInOneLineWithStatusOne() throws Exception {
        Path notAFolder = Files.writeString(dir.resolve("file"), "not a folder");
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int status = Main.run(new String[] {"local",
                        "--biostream.local.var-dir=" + notAFolder.resolve("var"),
                        "--biostream.local.flink-conf-dir=" + PipelineCluster.CONF_DIR,
                        "--rest.port=0", "--api.port=0", "--queryable-state.proxy.ports=0", "--biostream.local.metrics-port=0"},
                new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(status).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("biostream local failed: ").contains(notAFolder.toString());
    }
}
