package io.biostream.api;

import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.schemas.AssociatedData;
import io.biostream.schemas.Box;
import io.biostream.schemas.CameraLatest;
import io.biostream.schemas.EncryptedTemplate;
import io.biostream.schemas.FaceResult;
import io.biostream.schemas.FaceStatus;
import io.biostream.schemas.FrameResult;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Builds CameraLatest values as the job does: faces with descriptors sealed by a real TemplateCipher. */
final class Results {
    /** The default vision path's model id (aligned crop, mirror average), as the job seals with. */
    static final String MODEL = "face-api-recognition-1.7.15+aligned+mirror-average";

    private Results() {}

    /** A frame with {@code descriptors.length} described faces plus one face too small to describe. */
    static CameraLatest latest(TemplateCipher cipher, String cameraId, long sequence, float[]... descriptors) {
        Instant captured = Instant.now().truncatedTo(ChronoUnit.MILLIS).minusSeconds(1);
        List<FaceResult> faces = new ArrayList<>();
        List<EncryptedTemplate> templates = new ArrayList<>();
        for (int i = 0; i < descriptors.length; i++) {
            String faceId = cameraId + "/" + sequence + "/" + i;
            faces.add(face(i, faceId, FaceStatus.DESCRIBED, faceId));
            AssociatedData ad = AssociatedData.newBuilder()
                    .setCameraId(cameraId).setSequence(sequence).setFaceIndex(i).build();
            templates.add(cipher.seal(faceId, descriptors[i], ad, MODEL, periodKey(cipher, cameraId)));
        }
        int small = descriptors.length;
        faces.add(face(small, cameraId + "/" + sequence + "/" + small, FaceStatus.TOO_SMALL, null));
        FrameResult frame = FrameResult.newBuilder()
                .setCameraId(cameraId)
                .setSequence(sequence)
                .setCaptureTime(captured)
                .setProcessedTime(captured.plusMillis(120))
                .setWidth(640)
                .setHeight(480)
                .setDetector("ssd-mobilenet-v1")
                .setFaces(faces)
                .build();
        return CameraLatest.newBuilder().setFrameResult(frame).setTemplates(templates).build();
    }

    static float[] descriptor(long seed) {
        Random random = new Random(seed);
        float[] d = new float[128];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) (random.nextGaussian() * 0.1);
        }
        return d;
    }

    private static FaceResult face(int index, String faceId, FaceStatus status, String templateRef) {
        return FaceResult.newBuilder()
                .setFaceIndex(index)
                .setFaceId(faceId)
                .setBox(Box.newBuilder().setX(10 + 50 * index).setY(20).setWidth(40).setHeight(48).build())
                .setScore(0.9f - 0.1f * index)
                .setStatus(status)
                .setTemplateRef(templateRef)
                .build();
    }

    /** The camera's key of the current period, kept 30 days, as the job seals faces of people not enrolled. */
    static io.biostream.operators.crypto.TemplateKeyRing.DataKey periodKey(TemplateCipher cipher, String cameraId) {
        try {
            return cipher.keys().periodKey(cameraId, Instant.now(), java.time.Duration.ofDays(1), java.time.Duration.ofDays(30));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
