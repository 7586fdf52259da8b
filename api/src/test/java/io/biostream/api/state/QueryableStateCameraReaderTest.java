package io.biostream.api.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biostream.api.ApiConfig;
import io.biostream.api.state.CameraStateReader.StateStatus;
import io.biostream.api.state.StateUnavailableException.Reason;
import io.biostream.operators.crypto.TestKeyRings;
import io.biostream.operators.state.StateSeal;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.flink.api.common.JobID;
import org.junit.jupiter.api.Test;

/** The reader's failure paths against real sockets (the success path: QueryableStateMiniClusterTest). */
class QueryableStateCameraReaderTest {

    @Test
    void aClosedProxyPortIsUnreachable() throws Exception {
        ApiConfig config = ApiConfig.defaults().withStateProxy("127.0.0.1", closedPort())
                .withStateTimings(Duration.ofSeconds(5), Duration.ofSeconds(2));
        try (QueryableStateCameraReader reader = new QueryableStateCameraReader(config, () -> Optional.of(new JobID()), new StateSeal(TestKeyRings.throwawayCipher().keys()))) {
            assertThatThrownBy(() -> reader.latest("lobby-1"))
                    .isInstanceOfSatisfying(StateUnavailableException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.UNREACHABLE))
                    .hasMessageContaining("unreachable");
            assertThatThrownBy(reader::cameras).isInstanceOf(StateUnavailableException.class);
            assertThat(reader.status()).isEqualTo(StateStatus.UNREACHABLE);
        }
    }

    @Test
    void aProxyThatNeverAnswersTimesOut() throws Exception {
        List<Socket> accepted = new ArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
            Thread acceptor = new Thread(() -> {
                try {
                    while (!silent.isClosed() && accepted.size() < 4) {
                        accepted.add(silent.accept());
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            ApiConfig config = ApiConfig.defaults().withStateProxy("127.0.0.1", silent.getLocalPort())
                    .withStateTimings(Duration.ofMillis(300), Duration.ofSeconds(2));
            try (QueryableStateCameraReader reader = new QueryableStateCameraReader(config, () -> Optional.of(new JobID()), new StateSeal(TestKeyRings.throwawayCipher().keys()))) {
                assertThatThrownBy(() -> reader.latest("lobby-1"))
                        .isInstanceOfSatisfying(StateUnavailableException.class,
                                e -> assertThat(e.reason()).isEqualTo(Reason.TIMEOUT));
            }
        } finally {
            for (Socket s : accepted) {
                s.close();
            }
        }
    }

    @Test
    void withoutAJobIdTheJobIsNotRunning() throws Exception {
        try (QueryableStateCameraReader reader = QueryableStateCameraReader.forConfiguredJob(ApiConfig.defaults(), new StateSeal(TestKeyRings.throwawayCipher().keys()))) {
            assertThatThrownBy(reader::cameras)
                    .isInstanceOfSatisfying(StateUnavailableException.class,
                            e -> assertThat(e.reason()).isEqualTo(Reason.JOB_NOT_RUNNING));
        }
    }

    @Test
    void classifiesTheProxysFailuresByTheOriginalExceptionInTheirText() {
        // The proxy sends server-side failures as RuntimeException("Failed request N.\n Caused by: <trace>").
        assertThat(StateQueryFailure.classify(proxyFailure(
                "org.apache.flink.queryablestate.exceptions.UnknownKeyOrNamespaceException: Queryable State Server : "
                        + "No state for the specified key/namespace.")))
                .isEqualTo(StateQueryFailure.NO_VALUE_FOR_KEY);
        assertThat(StateQueryFailure.classify(proxyFailure(
                "org.apache.flink.runtime.query.UnknownKvStateLocation: No KvStateLocation found for KvState instance "
                        + "with name 'camera-latest'.")))
                .isEqualTo(StateQueryFailure.NOT_REGISTERED);
        assertThat(StateQueryFailure.classify(proxyFailure(
                "org.apache.flink.queryablestate.exceptions.UnknownLocationException: Could not retrieve location of "
                        + "state=camera-latest of job=x. Potential reasons are: i) the state is not ready, or ii) the job "
                        + "does not exist.")))
                .isEqualTo(StateQueryFailure.NOT_REGISTERED);
        assertThat(StateQueryFailure.classify(proxyFailure(
                "org.apache.flink.runtime.messages.FlinkJobNotFoundException: Could not find Flink job (x)")))
                .isEqualTo(StateQueryFailure.JOB_NOT_FOUND);
        assertThat(StateQueryFailure.classify(new RuntimeException(new ConnectException("Connection refused"))))
                .isEqualTo(StateQueryFailure.PROXY_UNREACHABLE);
        assertThat(StateQueryFailure.classify(new IllegalStateException("something else")))
                .isEqualTo(StateQueryFailure.OTHER);
    }

    @Test
    void backoffDoublesUpToItsCap() {
        Duration wait = KvStateQueries.Backoff.FIRST;
        List<Duration> waits = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            waits.add(wait);
            wait = KvStateQueries.Backoff.next(wait);
        }
        assertThat(waits.get(1)).isEqualTo(KvStateQueries.Backoff.FIRST.multipliedBy(2));
        assertThat(waits).isSorted();
        assertThat(waits.get(7)).isEqualTo(KvStateQueries.Backoff.MAX);
    }

    private static RuntimeException proxyFailure(String cause) {
        return new RuntimeException("Failed request 3." + System.lineSeparator() + " Caused by: " + cause
                + System.lineSeparator() + "\tat org.apache.flink.Somewhere.method(Somewhere.java:1)");
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
