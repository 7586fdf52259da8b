package io.biostream.api.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.flink.api.common.JobID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pipeline job's status for the live {@code job} channel, from the JobManager's REST API the
 * API already uses to find the job: {@code GET /jobs/{id}} (state), {@code /jobs/{id}/checkpoints}
 * (the latest completed checkpoint) and {@code /jobs/{id}/metrics?get=numRestarts}. Empty while
 * no job is found or the REST API does not answer.
 */
public final class FlinkJobStatus implements Supplier<Optional<FlinkJobStatus.Status>> {
    private static final Logger LOG = LoggerFactory.getLogger(FlinkJobStatus.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(3);

    /** What the live channel reports; checkpoint fields and restarts are null when unknown. */
    public record Status(String jobId, boolean running, String state, Long lastCheckpointId, Instant lastCheckpointTime,
                         Long restarts) {}

    private final String base;
    private final Supplier<Optional<JobID>> job;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(REQUEST_TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER).build();

    /**
     * @param restUrl the JobManager's REST API, e.g. {@code http://flink-rest:8081}
     * @param job     the pipeline job's id (as FlinkJobDiscovery or a pinned id gives it)
     */
    public FlinkJobStatus(URI restUrl, Supplier<Optional<JobID>> job) {
        String url = restUrl.toString();
        this.base = url.endsWith("/") ? url : url + "/";
        this.job = Objects.requireNonNull(job, "job");
    }

    @Override
    public Optional<Status> get() {
        Optional<JobID> id = job.get();
        if (id.isEmpty()) {
            return Optional.empty();
        }
        String jobId = id.get().toHexString();
        try {
            JsonNode details = read("jobs/" + jobId);
            String state = details.path("state").asText("UNKNOWN");
            JsonNode completed = read("jobs/" + jobId + "/checkpoints").path("latest").path("completed");
            Long checkpointId = completed.hasNonNull("id") ? completed.path("id").asLong() : null;
            Instant checkpointTime = completed.hasNonNull("latest_ack_timestamp")
                    ? Instant.ofEpochMilli(completed.path("latest_ack_timestamp").asLong()) : null;
            Long restarts = null;
            for (JsonNode metric : read("jobs/" + jobId + "/metrics?get=numRestarts")) {
                if ("numRestarts".equals(metric.path("id").asText())) {
                    restarts = metric.path("value").asLong();
                }
            }
            return Optional.of(new Status(jobId, "RUNNING".equals(state), state, checkpointId, checkpointTime, restarts));
        } catch (IOException e) {
            LOG.debug("job {} status unknown: {}", jobId, e.toString());
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private JsonNode read(String path) throws IOException, InterruptedException {
        URI uri = URI.create(base + path);
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("GET " + uri + " answered " + response.statusCode());
        }
        return JSON.readTree(response.body());
    }
}
