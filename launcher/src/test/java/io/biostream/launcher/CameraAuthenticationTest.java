package io.biostream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.launcher.local.DemoCamera;
import io.biostream.launcher.local.FramePublisher;
import io.biostream.operators.crypto.CameraAuthConfig;
import io.biostream.operators.crypto.CameraMaster;
import io.biostream.operators.functions.PipelineConfig;
import io.biostream.schemas.DeadLetter;
import io.biostream.schemas.DeadLetterReason;
import io.biostream.schemas.Frame;
import io.biostream.schemas.FrameResult;
import io.biostream.schemas.WireFormat;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.core.execution.JobClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finding 7 of the hardening issue on the real broker and MiniCluster: frames that are not their
 * camera's (a forged MAC, another camera's key, no MAC) and frames of an authenticated camera off
 * the allow-list are dead letters with their reason, while the signed, listed camera's frames are
 * analysed as that camera's.
 */
class CameraAuthenticationTest {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final String DOOR = "door-1";

    @TempDir
    Path dir;

    @Test
    void forgedAndUnlistedCamerasAreDeadLettersWhileTheSignedCameraIsAnalysed() throws Exception {
        byte[] photo = DemoCamera.loadPhotos().get(0);
        try (PipelineCluster cluster = new PipelineCluster(dir)) {
            PipelineConfig config = cluster.pipelineConfig(Map.of(CameraAuthConfig.ALLOWED, DOOR + ",door-2"));
            assertThat(config.cameras().required()).as("PipelineCluster requires camera authentication").isTrue();
            JobClient job = cluster.submit(config, Optional.empty());
            FramePublisher frames = cluster.publisher(cluster.topics.frames());
            CameraMaster master = cluster.cameraMaster();

            frames.publish(FramePublisher.frame(DOOR, 1, photo));
            byte[] forged = value(DOOR, 2, photo);
            byte[] forgedMac = master.issue(DOOR).header(DOOR, value(DOOR, 99, photo)); // door-1's MAC, of another frame
            frames.publishWithMac(DOOR, forged, forgedMac);
            byte[] claimed = value(DOOR, 3, photo);
            frames.publishWithMac(DOOR, claimed, master.issue("door-2").header("door-2", claimed)); // door-2's key speaks for door-1
            frames.publishWithMac(DOOR, value(DOOR, 4, photo), null);                                  // no MAC
            frames.publish(FramePublisher.frame("lobby-9", 5, photo));                                 // signed, not listed
            frames.publish(FramePublisher.frame(DOOR, 6, photo));

            List<DeadLetter> letters = new ArrayList<>();
            cluster.readCommitted(cluster.topics.dlq(), WAIT, records -> {
                letters.clear();
                records.forEach(r -> letters.add(PipelineIntegrationTest.decodeDeadLetter(r)));
                return letters.size() >= 4;
            });
            List<FrameResult> results = new ArrayList<>();
            cluster.readCommitted(cluster.topics.results(), WAIT, records -> {
                results.clear();
                records.forEach(r -> results.add(PipelineIntegrationTest.decodeResult(r)));
                return results.size() >= 2;
            });

            assertThat(letters).extracting(DeadLetter::getSequence).containsExactlyInAnyOrder(2L, 3L, 4L, 5L);
            assertThat(letters).filteredOn(l -> l.getSequence() < 5).allSatisfy(l -> {
                assertThat(l.getReason()).isEqualTo(DeadLetterReason.UNAUTHENTICATED_CAMERA);
                assertThat(l.getCameraId()).isEqualTo(DOOR);
            });
            assertThat(letters).filteredOn(l -> l.getSequence() == 5L).singleElement().satisfies(l -> {
                assertThat(l.getReason()).isEqualTo(DeadLetterReason.UNKNOWN_CAMERA);
                assertThat(l.getCameraId()).isEqualTo("lobby-9");
            });
            assertThat(results).extracting(r -> r.getCameraId() + "/" + r.getSequence()).containsExactlyInAnyOrder("door-1/1", "door-1/6");
            assertThat(results).allSatisfy(r -> assertThat(r.getFaces()).as("faces found in the signed camera's photo").isNotEmpty());
            assertThat(cluster.readCommittedToEnd(cluster.topics.dlq(), WAIT)).as("nothing else refused").hasSize(4);
            cluster.assertJobNeverFailed(job.getJobID());
        }
    }

    private static byte[] value(String camera, long sequence, byte[] photo) throws Exception {
        Frame frame = FramePublisher.frame(camera, sequence, photo);
        return WireFormat.encode(frame);
    }
}
