package io.biostream.launcher.local;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.PrometheusNaming;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.metrics.CharacterFilter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.HistogramStatistics;
import org.apache.flink.metrics.Meter;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.runtime.metrics.groups.FrontMetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves every Flink metric of this process in the Prometheus text format on one host and port
 * (127.0.0.1 by default). Flink's own PrometheusReporter listens on every address and has no host
 * option, which local mode and the one-machine cluster must not do; names and labels follow it
 * ({@code flink_<logical scope>_<name>}, the scope variables as labels; counters, like gauges and
 * meters, as gauges without a {@code _total} suffix), so the same queries, alerts and dashboards
 * work against either. Histograms are summaries (quantiles over the histogram's window).
 */
public final class LoopbackPrometheusReporter implements MetricReporter {
    private static final Logger LOG = LoggerFactory.getLogger(LoopbackPrometheusReporter.class);
    private static final CharacterFilter FILTER = text -> text.replaceAll("[^a-zA-Z0-9:_]", "_");
    private static final double[] QUANTILES = {0.5, 0.75, 0.95, 0.98, 0.99, 0.999};

    private record Registered(String name, Labels labels, Metric metric) {}

    private final String host;
    private final int port;
    private final Map<Metric, Registered> metrics = new ConcurrentHashMap<>();
    private HTTPServer server;

    LoopbackPrometheusReporter(String host, int port) {
        this.host = host;
        this.port = port;
    }

    @Override
    public void open(MetricConfig config) {
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register((MultiCollector) this::collect);
        try {
            server = HTTPServer.builder().hostname(host).port(port).registry(registry).buildAndStart();
        } catch (IOException e) {
            throw new UncheckedIOException("Prometheus metrics endpoint could not listen on " + host + ":" + port, e);
        }
        LOG.info("Flink metrics in the Prometheus format on http://{}:{}/metrics", host, server.getPort());
    }

    /** The port it listens on (the configured one, or the chosen one when configured as 0). */
    public int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
    }

    @Override
    public void notifyOfAddedMetric(Metric metric, String metricName, MetricGroup group) {
        String scope = "flink_" + logicalScope(group);
        String name = PrometheusNaming.sanitizeMetricName(scope + "_" + FILTER.filterCharacters(metricName));
        Labels.Builder labels = Labels.builder();
        for (Map.Entry<String, String> variable : new TreeMap<>(group.getAllVariables()).entrySet()) {
            String key = variable.getKey().replaceAll("^<|>$", ""); // "<job_name>" -> job_name
            labels.label(PrometheusNaming.sanitizeLabelName(FILTER.filterCharacters(key)),
                    variable.getValue() == null ? "" : variable.getValue());
        }
        metrics.put(metric, new Registered(name, labels.build(), metric));
    }

    @Override
    public void notifyOfRemovedMetric(Metric metric, String metricName, MetricGroup group) {
        metrics.remove(metric);
    }

    private static String logicalScope(MetricGroup group) {
        if (group instanceof FrontMetricGroup<?> front) {
            return front.getLogicalScope(FILTER, '_');
        }
        return FILTER.filterCharacters(String.join("_", group.getScopeComponents()));
    }

    /** One snapshot per metric name, a data point per label set (the first metric wins a clash). */
    private MetricSnapshots collect() {
        Map<String, List<Registered>> byName = new TreeMap<>();
        for (Registered r : metrics.values()) {
            byName.computeIfAbsent(r.name(), n -> new ArrayList<>()).add(r);
        }
        MetricSnapshots.Builder snapshots = MetricSnapshots.builder();
        for (List<Registered> family : byName.values()) {
            MetricSnapshot snapshot = snapshot(family);
            if (snapshot != null) {
                snapshots.metricSnapshot(snapshot);
            }
        }
        return snapshots.build();
    }

    private static MetricSnapshot snapshot(List<Registered> family) {
        String name = family.get(0).name();
        Metric first = family.get(0).metric();
        Set<Labels> seen = new HashSet<>();
        if (first instanceof Histogram) {
            SummarySnapshot.Builder summary = SummarySnapshot.builder().name(name);
            for (Registered r : family) {
                if (r.metric() instanceof Histogram h && seen.add(r.labels())) {
                    HistogramStatistics stats = h.getStatistics();
                    Quantiles.Builder quantiles = Quantiles.builder();
                    for (double q : QUANTILES) {
                        quantiles.quantile(q, stats.size() == 0 ? Double.NaN : stats.getQuantile(q));
                    }
                    summary.dataPoint(SummarySnapshot.SummaryDataPointSnapshot.builder().labels(r.labels())
                            .count(h.getCount()).sum(stats.getMean() * stats.size()).quantiles(quantiles.build()).build());
                }
            }
            return summary.build();
        }
        GaugeSnapshot.Builder gauge = GaugeSnapshot.builder().name(name);
        boolean any = false;
        for (Registered r : family) {
            Double value = numeric(r.metric());
            if (value != null && seen.add(r.labels())) {
                gauge.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(r.labels()).value(value).build());
                any = true;
            }
        }
        return any ? gauge.build() : null;
    }

    /**
     * A counter's, gauge's or meter's value as a number; null for gauges of other types (strings, lists) and
     * for a gauge that throws: one broken gauge must not fail the whole scrape.
     */
    private static Double numeric(Metric metric) {
        try {
            return number(metric);
        } catch (RuntimeException e) {
            LOG.debug("gauge {} left out of this scrape: {}", metric, e.toString());
            return null;
        }
    }

    private static Double number(Metric metric) {
        if (metric instanceof Counter counter) {
            return (double) counter.getCount();
        }
        if (metric instanceof Meter meter) {
            return meter.getRate();
        }
        if (metric instanceof Gauge<?> gauge) {
            Object value = gauge.getValue();
            if (value instanceof Number n) {
                return n.doubleValue();
            }
            if (value instanceof Boolean b) {
                return b ? 1.0 : 0.0;
            }
        }
        return null;
    }
}
