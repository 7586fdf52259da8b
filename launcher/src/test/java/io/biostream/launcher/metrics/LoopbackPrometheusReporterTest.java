package io.biostream.launcher.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.launcher.local.LoopbackPrometheusReporterFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.junit.jupiter.api.Test;

/** The loopback reporter's text format: names, labels, summaries; a gauge that throws is left out, not the scrape. */
class LoopbackPrometheusReporterTest {

    /** A group with scope variables, as a subtask's operator group has. */
    private static final class SubtaskGroup extends UnregisteredMetricsGroup {
        @Override
        public Map<String, String> getAllVariables() {
            return Map.of("<job_name>", "biostream-pipeline", "<subtask_index>", "1");
        }

        @Override
        public String[] getScopeComponents() {
            return new String[] {"taskmanager", "job", "task", "operator", "biostream"};
        }
    }

    @Test
    void servesCountersGaugesAndHistogramsAndLeavesOutAGaugeThatThrows() throws Exception {
        Properties properties = new Properties();
        properties.setProperty(LoopbackPrometheusReporterFactory.PORT, "0");
        MetricReporter reporter = new LoopbackPrometheusReporterFactory().createMetricReporter(properties);
        reporter.open(new MetricConfig());
        try {
            SubtaskGroup group = new SubtaskGroup();
            SimpleCounter frames = new SimpleCounter();
            frames.inc(3);
            DescriptiveStatisticsHistogram micros = new DescriptiveStatisticsHistogram(16);
            micros.update(100);
            micros.update(300);
            reporter.notifyOfAddedMetric(frames, "framesAnalyzed", group);
            reporter.notifyOfAddedMetric((Gauge<Integer>) () -> 7, "gallerySize", group);
            reporter.notifyOfAddedMetric((Gauge<Integer>) () -> {
                throw new IllegalStateException("not loaded yet");
            }, "broken", group);
            reporter.notifyOfAddedMetric((Gauge<String>) () -> "text", "label", group);
            reporter.notifyOfAddedMetric(micros, "describeMicros", group);

            int port = ((io.biostream.launcher.local.LoopbackPrometheusReporter) reporter).port();
            HttpResponse<String> scrape = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(scrape.statusCode()).isEqualTo(200);
            String prefix = "flink_taskmanager_job_task_operator_biostream_";
            assertThat(scrape.body())
                    .as("counters as gauges, no _total suffix, as Flink's own reporter names them")
                    .contains(prefix + "framesAnalyzed{job_name=\"biostream-pipeline\",subtask_index=\"1\"} 3.0")
                    .contains(prefix + "gallerySize{job_name=\"biostream-pipeline\",subtask_index=\"1\"} 7.0")
                    .contains(prefix + "describeMicros{job_name=\"biostream-pipeline\",subtask_index=\"1\",quantile=\"0.5\"} 200.0")
                    .contains(prefix + "describeMicros_count{job_name=\"biostream-pipeline\",subtask_index=\"1\"} 2")
                    .doesNotContain(prefix + "broken")
                    .doesNotContain(prefix + "label");

            reporter.notifyOfRemovedMetric(frames, "framesAnalyzed", group);
            String after = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/metrics")).timeout(Duration.ofSeconds(10)).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(after).doesNotContain(prefix + "framesAnalyzed");
        } finally {
            reporter.close();
        }
    }
}
