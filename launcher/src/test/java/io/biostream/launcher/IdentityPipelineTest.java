package io.biostream.launcher;

import static io.biostream.operators.identity.TestControlEvents.enrolled;
import static io.biostream.operators.identity.TestControlEvents.enrollmentTemplate;
import static io.biostream.operators.identity.TestControlEvents.subjectCreated;
import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.launcher.local.FramePublisher;
import io.biostream.operators.decode.FrameDecoder;
import io.biostream.operators.functions.PipelineConfig;
import io.biostream.operators.testing.SharedFaces;
import io.biostream.operators.identity.ControlEvents;
import io.biostream.operators.identity.TestControlEvents;
import io.biostream.operators.state.IdentityStateCodec;
import io.biostream.operators.state.QueryableStateNames;
import io.biostream.operators.state.StateSeal;
import io.biostream.operators.vision.FacePipeline;
import io.biostream.schemas.CaptureSession;
import io.biostream.schemas.ControlEvent;
import io.biostream.schemas.FrameResult;
import io.biostream.schemas.Identification;
import io.biostream.schemas.SessionStatus;
import io.biostream.schemas.SessionSummary;
import io.biostream.schemas.Sightings;
import io.biostream.schemas.WireFormat;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.queryablestate.client.QueryableStateClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Identity end to end on a real broker and the job on a MiniCluster: enrollments, a capture session
 * and settings published to the control topic as ControlEvents; bbt photos (in a black border) as
 * frames; matches read back from the results topic and from the subject-sightings and
 * session-summary queryable states.
 */
class IdentityPipelineTest {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final String RAJ_ENROLL = "raj/raj_1.png";
    private static final String LENNARD_ENROLL = "lennard/lennard_1.png";
    private static final String RAJ_PROBE = "raj/raj_4.png";
    private static final String STRANGER_PROBE = "sheldon/sheldon_2.png";

    @TempDir
    Path dir;
    private PipelineCluster cluster;
    private StateSeal seal;
    private SignedControlWriter control;
    private JobID jobId;
    private QueryableStateClient states;

    @Test
    void enrolledPeopleAreMatchedInTheStreamAndTheirSightingsAndSessionsAreQueryable() throws Exception {
        Map<String, byte[]> frames = new HashMap<>();
        for (String photo : List.of(RAJ_ENROLL, LENNARD_ENROLL, RAJ_PROBE, STRANGER_PROBE)) {
            frames.put(photo, SharedFaces.bbtFrame(photo)); // skips the test without the shared photos
        }
        try (PipelineCluster started = new PipelineCluster(dir)) {
            cluster = started;
            seal = new StateSeal(cluster.cipher.keys());
            PipelineConfig config = cluster.pipelineConfig(Map.of());
            control = cluster.controlWriter();
            FramePublisher camera = cluster.publisher(cluster.topics.frames());
            Map<String, float[]> descriptors = describe(config, frames);

            // The history the job starts from: two enrolled subjects and an open session on door-1.
            String model;
            try (FacePipeline reference = config.vision().openPipeline()) {
                model = reference.modelId();
            }
            publish(subjectCreated("raj"));
            publish(subjectCreated("lennard"));
            publish(enrolled("raj", enrollmentTemplate(cluster.cipher, "raj", 1, descriptors.get(RAJ_ENROLL), model)));
            publish(enrolled("lennard", enrollmentTemplate(cluster.cipher, "lennard", 1, descriptors.get(LENNARD_ENROLL), model)));
            CaptureSession session = TestControlEvents.session("visit-1", List.of("door-1"), Instant.now().minusSeconds(60), null);
            publish(TestControlEvents.sessionStarted(session));

            JobClient job = cluster.submit(config, Optional.empty());
            jobId = job.getJobID();
            cluster.flink.awaitStatus(jobId, JobStatus.RUNNING, WAIT);
            states = new QueryableStateClient("127.0.0.1", cluster.flink.queryableStateProxyPort());
            try {
                cluster.awaitControlApplied();

                camera.publish(FramePublisher.frame("door-1", 1, frames.get(RAJ_PROBE)));
                camera.publish(FramePublisher.frame("door-1", 2, frames.get(STRANGER_PROBE)));
                Map<Long, FrameResult> results = awaitResults("door-1", 2);
                Identification raj = onlyIdentification(results.get(1L));
                Identification stranger = onlyIdentification(results.get(2L));
                float threshold = config.defaultMatchSettings().getThreshold();
                assertThat(raj.getThreshold()).isEqualTo(threshold);
                double rajDistance = PipelineIntegrationTest.distance(descriptors.get(RAJ_PROBE), descriptors.get(RAJ_ENROLL));
                System.out.printf("identity through the job: raj_4 -> %s at %.4f (direct %.4f); sheldon_2 -> nearest %s at %.4f%n",
                        raj.getSubjectId(), raj.getDistance(), rajDistance, stranger.getCandidates().get(0).getSubjectId(), stranger.getDistance());
                assertThat(raj.getMatched()).isTrue();
                assertThat(raj.getSubjectId()).isEqualTo("raj");
                assertThat((double) raj.getDistance()).isCloseTo(rajDistance, org.assertj.core.api.Assertions.within(1e-3)).isLessThan(threshold);
                assertThat(raj.getGallerySize()).isEqualTo(2);
                assertThat(stranger.getMatched()).isFalse();
                assertThat(stranger.getDistance()).isGreaterThanOrEqualTo(threshold);
                assertThat(results.get(1L).getSessionId()).as("stamped with the camera's open session").isEqualTo("visit-1");

                // A client of the queryable-state proxy without the keys (any local user) reads ciphertext only.
                byte[] rawSightings = awaitState(QueryableStateNames.subjectSightingsDescriptor(), "raj", Optional::isPresent).orElseThrow();
                assertThat(StateSeal.isSealed(rawSightings)).as("finding 12: sealed in queryable state").isTrue();
                assertThat(new String(rawSightings, StandardCharsets.ISO_8859_1)).doesNotContain("door-1").doesNotContain("raj");
                Sightings sightings = IdentityStateCodec.openSightings(seal, "raj", rawSightings).orElseThrow();
                assertThat(sightings.getTotal()).isEqualTo(1L);
                assertThat(sightings.getSightings()).singleElement().satisfies(s -> {
                    assertThat(s.getFaceId()).isEqualTo("door-1/1/0");
                    assertThat(s.getDistance()).isEqualTo(raj.getDistance());
                });
                // Once the summary counts both frames: both faces, one of them a match, the session still open.
                SessionSummary summary = session(awaitState(QueryableStateNames.sessionSummaryDescriptor(),
                        "visit-1", s -> s.isPresent() && session(s.get()).getFrames() == 2).orElseThrow());
                assertThat(summary.getStatus()).isEqualTo(SessionStatus.OPEN);
                assertThat(List.of(summary.getFaces(), summary.getMatches())).containsExactly(2L, 1L);

                // A stricter threshold applies to the next frame, without a restart.
                publish(TestControlEvents.settingsChanged(TestControlEvents.settings(0.0001f, 5, 40, "ssd", Map.of(), 1L)));
                cluster.awaitControlApplied();
                camera.publish(FramePublisher.frame("door-1", 3, frames.get(RAJ_PROBE)));
                Identification strict = onlyIdentification(awaitResults("door-1", 3).get(3L));
                assertThat(strict.getMatched()).isFalse();
                assertThat(strict.getThreshold()).isEqualTo(0.0001f);

                // Erasure: the subject leaves the gallery and its sightings go; the session ends.
                publish(TestControlEvents.settingsChanged(TestControlEvents.settings(0.6f, 5, 40, "ssd", Map.of(), 2L)));
                publish(TestControlEvents.erased("raj"));
                publish(TestControlEvents.sessionEnded(session));
                cluster.awaitControlApplied();
                // raj's sightings leave the state (awaitState fails when they are still there after WAIT).
                awaitState(QueryableStateNames.subjectSightingsDescriptor(), "raj", Optional::isEmpty);
                assertThat(session(awaitState(QueryableStateNames.sessionSummaryDescriptor(), "visit-1",
                        s -> s.isPresent() && session(s.get()).getStatus() == SessionStatus.ENDED)
                        .orElseThrow()).getFrames()).isEqualTo(3L);
                camera.publish(FramePublisher.frame("door-1", 4, frames.get(RAJ_PROBE)));
                FrameResult afterErasure = awaitResults("door-1", 4).get(4L);
                Identification erased = onlyIdentification(afterErasure);
                assertThat(erased.getMatched()).isFalse();
                assertThat(erased.getGallerySize()).isEqualTo(1);
                assertThat(erased.getCandidates()).extracting(c -> c.getSubjectId()).containsExactly("lennard");
                assertThat(afterErasure.getSessionId()).as("the session has ended").isNull();
            } finally {
                states.shutdownAndHandle().get(30, TimeUnit.SECONDS);
            }
        }
    }

    static Map<String, float[]> describe(PipelineConfig config, Map<String, byte[]> frames) throws Exception {
        Map<String, float[]> descriptors = new HashMap<>();
        try (FacePipeline reference = config.vision().openPipeline()) {
            for (Map.Entry<String, byte[]> e : frames.entrySet()) {
                List<FacePipeline.Face> faces = reference.analyze(new FrameDecoder(config.decodeLimits()).decode(e.getValue()));
                assertThat(faces).as("faces in %s", e.getKey()).singleElement().satisfies(f -> assertThat(f.described()).isTrue());
                descriptors.put(e.getKey(), faces.get(0).descriptor());
            }
        }
        return descriptors;
    }

    private void publish(ControlEvent event) throws Exception {
        String key = ControlEvents.subjectIdOf(event) != null ? ControlEvents.subjectIdOf(event) : event.getType().name();
        control.publish(key, event);
    }

    private Map<Long, FrameResult> awaitResults(String camera, int count) {
        Map<Long, FrameResult> bySequence = new HashMap<>();
        cluster.readCommitted(cluster.topics.results(), WAIT, records -> {
            bySequence.clear();
            records.forEach(r -> {
                FrameResult result = PipelineIntegrationTest.decodeResult(r);
                if (result.getCameraId().equals(camera)) {
                    bySequence.put(result.getSequence(), result);
                }
            });
            return bySequence.size() >= count;
        });
        assertThat(bySequence).as("results of " + camera).hasSize(count);
        return bySequence;
    }

    private static Identification onlyIdentification(FrameResult result) {
        assertThat(result.getFaces()).hasSize(1);
        Identification identification = result.getFaces().get(0).getIdentification();
        assertThat(identification).isNotNull();
        return identification;
    }

    /**
     * Queries a ValueState<byte[]> state until {@code done} holds for the answer (empty when the key
     * has no value), retrying while the state is not registered yet; bounded by {@link #WAIT}.
     */
    /** A session-summary value opened as the API opens it. */
    private SessionSummary session(byte[] stored) {
        try {
            return IdentityStateCodec.openSessionSummary(seal, "visit-1", stored).orElseThrow();
        } catch (java.security.GeneralSecurityException e) {
            throw new AssertionError("the session summary does not open", e);
        }
    }

    private Optional<byte[]> awaitState(ValueStateDescriptor<byte[]> descriptor, String key, Predicate<Optional<byte[]>> done)
            throws Exception {
        String name = descriptor.getName();
        long deadline = System.nanoTime() + WAIT.toNanos();
        Optional<byte[]> answer = Optional.empty();
        Throwable lastFailure = null;
        while (System.nanoTime() < deadline) {
            CompletableFuture<ValueState<byte[]>> future = states.getKvState(jobId, name, key, Types.STRING, descriptor);
            try {
                answer = Optional.ofNullable(future.get(10, TimeUnit.SECONDS).value());
                lastFailure = null;
            } catch (ExecutionException e) {
                if (!String.valueOf(e.getCause()).contains("UnknownKeyOrNamespaceException")) {
                    lastFailure = e.getCause(); // not registered yet, or a transient failure: retry
                    Thread.sleep(250);
                    continue;
                }
                answer = Optional.empty();
                lastFailure = null;
            }
            if (done.test(answer)) {
                return answer;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("state " + name + "/" + key + " did not reach the expected value within " + WAIT
                + (lastFailure == null ? "" : "; last failure " + lastFailure));
    }
}
