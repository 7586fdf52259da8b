package io.biostream.api.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.javalin.Javalin;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.api.common.JobID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Finding the pipeline job on a JobManager's REST API. The JobManager here is a stub serving
 * {@code GET /jobs/overview} in the shape Flink 2.1 answers it (ApiServiceTest finds the job on a
 * real MiniCluster's REST API); the clock is the test's, so the refresh needs no sleeping.
 */
class FlinkJobDiscoveryTest {
    private static final JobID OLD = JobID.fromHexString("0123456789abcdef0123456789abcdef");
    private static final JobID NEW = JobID.fromHexString("fedcba9876543210fedcba9876543210");
    private static final JobID OTHER = JobID.fromHexString("00000000000000000000000000000001");

    private final AtomicReference<String> overview = new AtomicReference<>("{\"jobs\": []}");
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicLong now = new AtomicLong();
    private Javalin jobManager;
    private FlinkJobDiscovery discovery;

    @BeforeEach
    void start() {
        jobManager = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.routes.get("/jobs/overview", ctx -> {
                requests.incrementAndGet();
                ctx.contentType("application/json").result(overview.get());
            });
        }).start("127.0.0.1", 0);
        discovery = new FlinkJobDiscovery(URI.create("http://127.0.0.1:" + jobManager.port()), "biostream-pipeline",
                Duration.ofSeconds(5), now::get);
    }

    @AfterEach
    void stop() {
        jobManager.stop();
    }

    private static String job(JobID id, String name, String state, long startTime) {
        return "{\"jid\": \"" + id + "\", \"name\": \"" + name + "\", \"start-time\": " + startTime
                + ", \"end-time\": -1, \"duration\": 1000, \"state\": \"" + state + "\", \"last-modification\": " + startTime
                + ", \"tasks\": {\"running\": 4, \"total\": 4}}";
    }

    private void jobs(String... jobs) {
        overview.set("{\"jobs\": [" + String.join(", ", jobs) + "]}");
    }

    @Test
    void findsTheRunningPipelineJobByName() {
        jobs(job(OTHER, "another-job", "RUNNING", 300),
                job(NEW, "biostream-pipeline", "CANCELED", 200),
                job(OLD, "biostream-pipeline", "RUNNING", 100));
        assertThat(discovery.get()).contains(OLD);
    }

    @Test
    void theNewestOfSeveralRunningOnesWins() {
        jobs(job(OLD, "biostream-pipeline", "RUNNING", 100), job(NEW, "biostream-pipeline", "RUNNING", 200));
        assertThat(discovery.get()).contains(NEW);
    }

    @Test
    void emptyWhileNoneRuns() {
        jobs(job(OLD, "biostream-pipeline", "FINISHED", 100), job(NEW, "biostream-pipeline", "RESTARTING", 200));
        assertThat(discovery.get()).isEmpty();
    }

    @Test
    void aReplacedJobIsFollowedOnceTheRefreshIntervalHasPassed() {
        jobs(job(OLD, "biostream-pipeline", "RUNNING", 100));
        assertThat(discovery.get()).contains(OLD);
        // Stopped with a savepoint and resubmitted from it: a new job id.
        jobs(job(OLD, "biostream-pipeline", "FINISHED", 100), job(NEW, "biostream-pipeline", "RUNNING", 200));

        now.addAndGet(Duration.ofSeconds(4).toNanos());
        assertThat(discovery.get()).as("within the interval: the answer looked up before").contains(OLD);
        assertThat(requests.get()).isEqualTo(1);
        now.addAndGet(Duration.ofSeconds(1).toNanos());
        assertThat(discovery.get()).contains(NEW);
        assertThat(requests.get()).isEqualTo(2);
    }

    @Test
    void theLastJobIsKeptWhileTheRestApiDoesNotAnswer() {
        jobs(job(OLD, "biostream-pipeline", "RUNNING", 100));
        assertThat(discovery.get()).contains(OLD);

        overview.set("not json");
        now.addAndGet(Duration.ofSeconds(5).toNanos());
        assertThat(discovery.get()).as("an answer that is not an overview").contains(OLD);

        jobManager.stop();
        now.addAndGet(Duration.ofSeconds(5).toNanos());
        assertThat(discovery.get()).as("the JobManager unreachable").contains(OLD);
    }

    @Test
    void nothingIsFoundWhenTheJobManagerNeverAnswered() {
        jobManager.stop();
        assertThat(discovery.get()).isEqualTo(Optional.empty());
    }
}
