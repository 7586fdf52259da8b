package io.biostream.launcher.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biostream.api.state.QueryableStateProxyProbe;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A port chosen for the queryable-state proxy or the metrics endpoint taken by someone else
 * between its probe and its bind (seen in CI for the proxy: the MiniCluster only logged it and the
 * API waited for state that never came): the cluster starts again on other ports, or, for a port
 * the caller fixed, refuses to start and names it.
 */
class LocalFlinkClusterPortTest {
    private static final Path CONF_DIR = Path.of(System.getProperty("user.dir")).resolve("../flink-conf").normalize();

    @TempDir
    Path stateDir;

    @Test
    void aProxyPortTakenBeforeTheProxyBindsItIsReplacedByAnother() throws Exception {
        try (ServerSocket thief = new ServerSocket(0, 1, InetAddress.getByName(Loopback.HOST))) {
            List<Integer> offered = new ArrayList<>();
            LocalFlinkCluster.Builder builder = LocalFlinkCluster.builder(CONF_DIR, stateDir).freePorts(() -> {
                int port = offered.isEmpty() ? thief.getLocalPort() : Loopback.freePort();
                offered.add(port);
                return port;
            });
            try (LocalFlinkCluster cluster = builder.start()) {
                assertThat(offered).as("ports offered to the proxy").hasSize(2).startsWith(thief.getLocalPort());
                assertThat(cluster.queryableStateProxyPort()).isEqualTo(offered.get(1));
                assertThat(QueryableStateProxyProbe.answers(Loopback.HOST, cluster.queryableStateProxyPort(), Duration.ofSeconds(10)))
                        .as("the cluster's proxy answers on the port it reports").isTrue();
            }
        }
    }

    @Test
    void aMetricsPortTakenBeforeTheReporterBindsItIsReplacedByAnother() throws Exception {
        try (ServerSocket thief = new ServerSocket(0, 1, InetAddress.getByName(Loopback.HOST))) {
            List<Integer> offered = new ArrayList<>();
            // the proxy's port is asked for first, then the metrics endpoint's
            LocalFlinkCluster.Builder builder = LocalFlinkCluster.builder(CONF_DIR, stateDir).prometheusPort(0).freePorts(() -> {
                int port = offered.size() == 1 ? thief.getLocalPort() : Loopback.freePort();
                offered.add(port);
                return port;
            });
            try (LocalFlinkCluster cluster = builder.start()) {
                assertThat(offered).as("ports offered: proxy, metrics, then both again").hasSize(4);
                assertThat(offered.get(1)).isEqualTo(thief.getLocalPort());
                URI metrics = cluster.prometheusUrl().orElseThrow();
                assertThat(metrics.getPort()).isEqualTo(offered.get(3));
                HttpResponse<String> scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(metrics).GET().build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(scrape.statusCode()).isEqualTo(200);
                assertThat(scrape.body()).as("Flink's metrics in the Prometheus format").contains("# TYPE flink_");
            }
        }
    }

    @Test
    void aFixedProxyPortInUseStopsTheStartAndSaysWhich() throws Exception {
        try (ServerSocket other = new ServerSocket(0, 1, InetAddress.getByName(Loopback.HOST))) {
            int port = other.getLocalPort();
            assertThatThrownBy(() -> LocalFlinkCluster.builder(CONF_DIR, stateDir).queryableStateProxyPort(port).start().close())
                    .isInstanceOf(IllegalStateException.class)
                    .rootCause().hasMessageContaining("queryable-state proxy did not start on 127.0.0.1:" + port)
                    .hasMessageContaining("is the port in use?");
        }
    }

    @Test
    void theProbeTellsNoProxyFromASilentSocketOrAClosedPort() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getByName(Loopback.HOST))) {
            assertThat(QueryableStateProxyProbe.answers(Loopback.HOST, silent.getLocalPort(), Duration.ofSeconds(2))).isFalse();
        }
        assertThat(QueryableStateProxyProbe.answers(Loopback.HOST, Loopback.freePort(), Duration.ofSeconds(2))).isFalse();
    }
}
