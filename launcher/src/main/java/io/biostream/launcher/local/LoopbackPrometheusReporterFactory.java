package io.biostream.launcher.local;

import java.util.Properties;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

/**
 * {@code metrics.reporter.<name>.factory.class: io.biostream.launcher.local.LoopbackPrometheusReporterFactory},
 * with {@code .port} (default 9249) and {@code .host} (default 127.0.0.1).
 */
public final class LoopbackPrometheusReporterFactory implements MetricReporterFactory {
    public static final String PORT = "port";
    public static final String HOST = "host";
    public static final int DEFAULT_PORT = 9249;

    @Override
    public MetricReporter createMetricReporter(Properties properties) {
        return new LoopbackPrometheusReporter(
                properties.getProperty(HOST, Loopback.HOST),
                Integer.parseInt(properties.getProperty(PORT, Integer.toString(DEFAULT_PORT))));
    }
}
