package io.biostream.launcher.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.biostream.launcher.LocalMode;
import io.biostream.launcher.LocalOptions;
import io.biostream.api.auth.Role;
import io.biostream.launcher.local.ListeningSockets;
import io.biostream.launcher.local.LocalCredentials;
import io.biostream.operators.config.Settings;
import io.biostream.operators.config.Topics;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Local mode with the demo camera and one record that is not a frame: the job's own metrics show in
 * the Flink web UI's REST API, and a real Prometheus server scraping local mode's loopback endpoint
 * answers PromQL on them (frames analysed, faces described, stage latency, dead letters by reason,
 * gallery size), and on the API's own /metrics, read with the monitor key. Every listener stays on
 * 127.0.0.1.
 */
class LocalModeMetricsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final String OPERATOR = "flink_taskmanager_job_task_operator_biostream_";

    @TempDir
    Path dir;

    @Test
    void theJobsMetricsShowInTheWebUiAndPrometheusScrapesThem() throws Exception {
        Path var = Files.createDirectories(dir.resolve("var"));
        Map<String, String> flags = Map.of(
                "biostream.local.var-dir", var.toString(),
                "biostream.local.flink-conf-dir", Path.of(System.getProperty("user.dir")).resolve("../flink-conf").normalize().toString(),
                "biostream.local.demo-interval-ms", "1000",
                "rest.port", "0",
                "api.port", "0",
                "queryable-state.proxy.ports", "0",
                LocalOptions.METRICS_PORT, "0");
        LocalOptions options = LocalOptions.from(new Settings(flags, Map.of(), Map.of()), true, var);
        try (LocalMode local = LocalMode.start(options)) {
            publishNotAFrame(local.kafkaConnection(io.biostream.launcher.local.KafkaCredentials.ADMIN), Topics.from(options.settings()).frames());

            // The web UI (its REST API) lists the analysis operator's own metrics.
            String analyze = vertexId(local, "analyze frames");
            double analyzed = await("framesAnalyzed in the web UI", () -> vertexMetric(local, analyze, "biostream.framesAnalyzed"));
            assertThat(analyzed).isPositive();
            assertThat(vertexMetricIds(local, analyze)).contains(
                    "biostream.facesDescribed", "biostream.detectMicros_median", "biostream.describeMicros_p99",
                    "biostream.eventTimeLagMillis_p95", "biostream.describeBatchSize_max", "biostream.gallerySize");

            URI metrics = URI.create(local.metricsUrl());
            assertThat(metrics.getHost()).isEqualTo("127.0.0.1");
            // The API's own /metrics, read with the monitor key local mode issued.
            Path monitorKey = Files.writeString(dir.resolve("monitor.key"), LocalCredentials.read(var).key(Role.MONITOR));
            URI api = URI.create(local.apiUrl());
            try (PrometheusServer prometheus = PrometheusServer.start(Files.createDirectories(dir.resolve("prometheus")), List.of(
                    new PrometheusServer.ScrapeJob("flink", metrics.getHost() + ":" + metrics.getPort(), null),
                    new PrometheusServer.ScrapeJob("api", api.getHost() + ":" + api.getPort(), monitorKey)))) {
                assertThat(await("frames analysed in Prometheus", () -> sum(prometheus, OPERATOR + "framesAnalyzed")))
                        .isPositive();
                assertThat(await("faces described in Prometheus", () -> sum(prometheus, OPERATOR + "facesDescribed")))
                        .as("the demo photos have faces").isPositive();
                assertThat(await("describe latency", () -> sum(prometheus, OPERATOR + "describeMicros{quantile=\"0.5\"} > 0")))
                        .as("median describe time, microseconds (NaN on a subtask that described nothing yet)").isPositive();
                assertThat(await("dead letters by reason",
                        () -> sum(prometheus, OPERATOR + "reason_deadLetters{reason=\"not_avro\"}"))).isEqualTo(1.0);
                JsonNode gallery = prometheus.query(OPERATOR + "gallerySize");
                assertThat(gallery).isNotEmpty();
                assertThat(gallery.get(0).get("value").get(1).asDouble()).as("nobody enrolled").isZero();
                assertThat(await("API requests in Prometheus", () -> sum(prometheus, "biostream_api_requests_total{route=\"/metrics\",status=\"200\"}")))
                        .as("its own scrapes, counted by the API").isPositive();
                assertThat(prometheus.targets()).hasSize(2)
                        .allSatisfy(target -> assertThat(target.get("health").asText()).as(target.toString()).isEqualTo("up"));
            }
            if (ListeningSockets.supported()) {
                assertThat(ListeningSockets.ofThisProcess()).extracting(InetSocketAddress::getHostString)
                        .allMatch(host -> host.equals("127.0.0.1"), "every listener on 127.0.0.1");
            }
        }
    }

    private static void publishNotAFrame(io.biostream.operators.config.KafkaConnection kafka, String topic) throws Exception {
        Properties props = kafka.clientProperties();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, "bad-cam".getBytes(StandardCharsets.UTF_8),
                    "not an Avro frame".getBytes(StandardCharsets.UTF_8))).get(30, TimeUnit.SECONDS);
        }
    }

    /** Polls until the value is positive (or the wait ends), returning the last value seen. */
    private static double await(String what, Callable<Double> value) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        double last = 0;
        Exception lastError = null;
        while (System.nanoTime() < deadline) {
            try {
                last = value.call();
                lastError = null;
                if (last > 0) {
                    return last;
                }
            } catch (Exception e) {
                lastError = e;
            }
            Thread.sleep(500);
        }
        throw new AssertionError(what + ": nothing above 0 within " + WAIT + " (last " + last + ")", lastError);
    }

    private static double sum(PrometheusServer prometheus, String selector) throws Exception {
        JsonNode result = prometheus.query("sum(" + selector + ")");
        return result.isEmpty() ? 0 : result.get(0).get("value").get(1).asDouble();
    }

    private static String vertexId(LocalMode local, String name) throws Exception {
        JsonNode job = get(local.webUiUrl() + "/jobs/" + local.jobId());
        for (JsonNode vertex : job.get("vertices")) {
            if (vertex.get("name").asText().contains(name)) {
                return vertex.get("id").asText();
            }
        }
        throw new AssertionError("no vertex named " + name + " in " + job.get("vertices"));
    }

    /** The metric ids of the vertex, without the subtask and operator prefix ("0.analyze_frames."). */
    private static List<String> vertexMetricIds(LocalMode local, String vertex) throws Exception {
        JsonNode ids = get(local.webUiUrl() + "/jobs/" + local.jobId() + "/vertices/" + vertex + "/metrics");
        return java.util.stream.StreamSupport.stream(ids.spliterator(), false)
                .map(id -> id.get("id").asText())
                .filter(id -> id.contains("biostream."))
                .map(id -> id.substring(id.indexOf("biostream.")))
                .toList();
    }

    private static double vertexMetric(LocalMode local, String vertex, String metric) throws Exception {
        String base = local.webUiUrl() + "/jobs/" + local.jobId() + "/vertices/" + vertex + "/metrics";
        double total = 0;
        for (JsonNode id : get(base)) {
            String name = id.get("id").asText();
            if (name.endsWith(metric)) {
                JsonNode values = get(base + "?get=" + URLEncoder.encode(name, StandardCharsets.UTF_8));
                total += values.get(0).get("value").asDouble();
            }
        }
        return total;
    }

    private static JsonNode get(String url) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s: %s", url, response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }
}
