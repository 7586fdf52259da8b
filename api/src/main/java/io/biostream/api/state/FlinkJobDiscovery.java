package io.biostream.api.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.flink.api.common.JobID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The id of the running pipeline job, found on the JobManager's REST API ({@code GET /jobs/overview}):
 * the RUNNING job with the pipeline's name, the newest if there are several. Looked up again once
 * the last answer is older than the refresh interval, so a new job (a resubmission, a savepoint
 * upgrade) is followed without restarting the API. While the REST API does not answer, the last
 * job found is kept; while no such job runs, it is empty (state reads then answer 503).
 */
public final class FlinkJobDiscovery implements Supplier<Optional<JobID>> {
    private static final Logger LOG = LoggerFactory.getLogger(FlinkJobDiscovery.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(3);

    private final URI overview;
    private final String jobName;
    private final Duration refreshInterval;
    private final LongSupplier nanoTime;
    private final HttpClient http;
    private Optional<JobID> current = Optional.empty();
    private long lookedUpAt;
    private boolean lookedUp;

    /**
     * @param restUrl         the JobManager's REST API, e.g. {@code http://flink-rest:8081}
     * @param jobName         the job's name ({@code biostream-pipeline})
     * @param refreshInterval how long a lookup's answer is used before the next lookup
     */
    public FlinkJobDiscovery(URI restUrl, String jobName, Duration refreshInterval) {
        this(restUrl, jobName, refreshInterval, System::nanoTime);
    }

    FlinkJobDiscovery(URI restUrl, String jobName, Duration refreshInterval, LongSupplier nanoTime) {
        String base = restUrl.toString();
        this.overview = URI.create((base.endsWith("/") ? base : base + "/") + "jobs/overview");
        this.jobName = Objects.requireNonNull(jobName, "jobName");
        this.refreshInterval = refreshInterval;
        this.nanoTime = nanoTime;
        this.http = HttpClient.newBuilder().connectTimeout(REQUEST_TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** The job's id as last looked up, looked up again first when that is older than the refresh interval. */
    @Override
    public synchronized Optional<JobID> get() {
        long now = nanoTime.getAsLong();
        if (!lookedUp || now - lookedUpAt >= refreshInterval.toNanos()) {
            lookedUp = true;
            lookedUpAt = now;
            refresh();
        }
        return current;
    }

    private void refresh() {
        Optional<JobID> found;
        try {
            found = lookUp();
        } catch (IOException e) {
            LOG.warn("the Flink REST API {} did not answer ({}); still reading from job {}", overview, e.getMessage(),
                    current.map(JobID::toHexString).orElse("(none)"));
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (!found.equals(current)) {
            LOG.info("pipeline job '{}': {} (was {})", jobName, found.map(JobID::toHexString).orElse("none running"),
                    current.map(JobID::toHexString).orElse("none"));
        }
        current = found;
    }

    /** One {@code GET /jobs/overview}: the newest RUNNING job of that name, or empty when none runs. */
    Optional<JobID> lookUp() throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(overview).timeout(REQUEST_TIMEOUT).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("GET " + overview + " answered " + response.statusCode());
        }
        JsonNode jobs = JSON.readTree(response.body()).path("jobs");
        if (!jobs.isArray()) {
            throw new IOException("GET " + overview + " answered no \"jobs\" array");
        }
        JsonNode newest = null;
        for (JsonNode job : jobs) {
            if (jobName.equals(job.path("name").asText()) && "RUNNING".equals(job.path("state").asText())
                    && (newest == null || job.path("start-time").asLong() > newest.path("start-time").asLong())) {
                newest = job;
            }
        }
        if (newest == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(JobID.fromHexString(newest.path("jid").asText()));
        } catch (IllegalArgumentException e) {
            throw new IOException("GET " + overview + " answered a job id that is not one: " + newest.path("jid"), e);
        }
    }

    @Override
    public String toString() {
        return "FlinkJobDiscovery[" + overview + ", " + jobName + "]";
    }
}
