package io.biostream.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.operators.crypto.TestKeyRings;
import io.biostream.schemas.CameraLatest;
import io.biostream.schemas.FaceResult;
import io.biostream.schemas.FrameResult;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Finding 5 of the hardening issue: the 68 landmarks (face geometry) went to every analyst, without
 * the descriptors permission and unaudited. They now come only with the descriptors, whose read is
 * audited (CameraHandlers), and the mesh built from them too.
 */
class CameraJsonTest {
    @Test
    void landmarksAndTheirMeshComeOnlyWithTheDescriptors() throws Exception {
        TemplateCipher cipher = TestKeyRings.throwawayCipher();
        CameraLatest latest = Results.latest(cipher, "lobby-1", 42, Results.descriptor(1));
        List<Float> points = new ArrayList<>();
        for (int i = 0; i < 68; i++) {
            points.add(100f + 3 * (i % 17));
            points.add(100f + 4 * (i / 17) + (i % 3));
        }
        List<FaceResult> faces = new ArrayList<>(latest.getFrameResult().getFaces());
        faces.set(0, FaceResult.newBuilder(faces.get(0)).setLandmarks(points).build());
        CameraLatest withLandmarks = new CameraLatest(FrameResult.newBuilder(latest.getFrameResult()).setFaces(faces).build(),
                latest.getTemplates());

        CameraJson.Face plain = CameraJson.latest(withLandmarks, null, true).faces().get(0);
        assertThat(plain.landmarks()).as("no descriptors permission: no face geometry").isNull();
        assertThat(plain.mesh()).isNull();

        CameraJson.Face permitted = CameraJson.latest(withLandmarks, (frame, face, template) -> new float[128], true).faces().get(0);
        assertThat(permitted.landmarks()).containsExactlyElementsOf(points);
        assertThat(permitted.mesh()).isNotEmpty();
    }
}
