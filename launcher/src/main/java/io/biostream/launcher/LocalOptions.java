package io.biostream.launcher;

import io.biostream.api.ApiConfig;
import io.biostream.api.TlsConfig;
import java.net.InetAddress;
import java.net.UnknownHostException;
import io.biostream.operators.config.PortCheck;
import io.biostream.operators.config.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Local mode's settings: where its data lives, its ports (Flink UI 8081, API 7070, Flink metrics
 * for Prometheus 9249, Kafka a free port unless set) and the demo camera; every other key is passed on to the job and the API.
 */
public record LocalOptions(Settings settings, ApiConfig api, Path varDir, Path flinkConfDir, int kafkaPort,
                           int webUiPort, int stateProxyPort, int metricsPort, boolean demo, Duration demoInterval) {

    /** Port of the Flink metrics in the Prometheus format (/metrics); 0 picks a free one. */
    public static final String METRICS_PORT = "biostream.local.metrics-port";
    /** Flags with these prefixes are biostream's or the API's; every other flag is a Flink setting for the MiniCluster. */
    public static final List<String> NOT_FLINK = List.of("biostream.", "api.");

    public LocalOptions {
        // Local mode's API holds keys and biometric answers: beyond this machine only over HTTPS.
        if (!isLoopback(api.host()) && !api.tls().enabled()) {
            throw new Settings.ConfigException(ApiConfig.HOST, "is " + api.host() + ", which is not a loopback address, and "
                    + "the API has no TLS: keys and faces would cross the network in clear; set " + TlsConfig.KEYSTORE
                    + " (docs/security.md, TLS) or keep api.host=127.0.0.1");
        }
    }

    private static boolean isLoopback(String host) {
        try {
            for (InetAddress address : InetAddress.getAllByName(host)) {
                if (!address.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }

    public static LocalOptions from(Settings settings, boolean demo, Path home) {
        return new LocalOptions(
                settings,
                ApiConfig.from(settings),
                Path.of(settings.get("biostream.local.var-dir", home.resolve("var").toString())),
                Path.of(settings.get("biostream.local.flink-conf-dir", home.resolve("flink-conf").toString())),
                settings.getInt("biostream.local.kafka-port", 0, 0, 65_535),
                settings.getInt("rest.port", 8081, 0, 65_535),
                settings.getInt("queryable-state.proxy.ports", 9069, 0, 65_535),
                settings.getInt(METRICS_PORT, 9249, 0, 65_535),
                demo,
                Duration.ofMillis(settings.getLong("biostream.local.demo-interval-ms", 2000, 100, 600_000)));
    }

    /** The fixed ports local mode listens on, with the setting that changes each. */
    public List<PortCheck.Listener> listeners() {
        return List.of(
                new PortCheck.Listener("Kafka broker", kafkaPort, "biostream.local.kafka-port"),
                new PortCheck.Listener("Flink web UI and REST API", webUiPort, "rest.port"),
                new PortCheck.Listener("queryable-state proxy", stateProxyPort, "queryable-state.proxy.ports"),
                new PortCheck.Listener("biostream API", api.port(), "api.port"),
                new PortCheck.Listener("Flink metrics for Prometheus", metricsPort, METRICS_PORT));
    }
}
