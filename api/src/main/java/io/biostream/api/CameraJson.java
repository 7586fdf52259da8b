package io.biostream.api;

import io.biostream.operators.vision.FaceMesh;
import io.biostream.schemas.FaceQuality;
import io.biostream.operators.state.CameraSeen;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.biostream.schemas.AssociatedData;
import io.biostream.schemas.Box;
import io.biostream.schemas.CameraLatest;
import io.biostream.schemas.EncryptedTemplate;
import io.biostream.schemas.FaceResult;
import io.biostream.schemas.FrameResult;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The JSON shapes of the camera routes, built from the Avro records. */
final class CameraJson {
    private CameraJson() {}

    record CameraList(List<Camera> cameras) {}

    record Camera(String cameraId, Instant lastSeen, long lastSequence) {
        static Camera of(CameraSeen seen) {
            return new Camera(seen.cameraId(), seen.lastSeen(), seen.lastSequence());
        }
    }

    record Latest(String cameraId, long sequence, Instant captureTime, Instant processedTime,
                  int width, int height, String detector, List<Face> faces) {}

    record Face(int faceIndex, String faceId, BoxJson box, float score, String status, Template template,
                @JsonInclude(JsonInclude.Include.NON_NULL) List<Float> landmarks,
                @JsonInclude(JsonInclude.Include.NON_NULL) Quality quality,
                @JsonInclude(JsonInclude.Include.NON_NULL) List<int[]> mesh,
                @JsonInclude(JsonInclude.Include.NON_NULL) float[] descriptor) {}

    /** Angles are null when unknown (NaN on the wire, which JSON cannot carry). */
    record Quality(float sharpness, float brightness, float contrast, float faceSize, Float yaw, Float pitch, Float roll,
                   float score) {
        static Quality of(FaceQuality q) {
            return q == null ? null : new Quality(q.getSharpness(), q.getBrightness(), q.getContrast(), q.getFaceSize(),
                    finite(q.getYaw()), finite(q.getPitch()), finite(q.getRoll()), q.getScore());
        }

        private static Float finite(float v) {
            return Float.isFinite(v) ? v : null;
        }
    }

    record BoxJson(float x, float y, float width, float height) {}

    record Template(String keyId, String algorithm, String ciphertext, Bound associatedData, String model) {}

    record Bound(String cameraId, long sequence, int faceIndex) {}

    /** Opens a face's sealed descriptor; only called for callers allowed to see descriptors. */
    @FunctionalInterface
    interface DescriptorOpener {
        float[] open(FrameResult frame, FaceResult face, EncryptedTemplate template);
    }

    static CameraList cameras(List<CameraSeen> seen) {
        return new CameraList(seen.stream().map(Camera::of).toList());
    }

    /**
     * @param opener opens descriptors, or null to leave them out together with the landmarks: the 68
     *               points are face geometry, biometric data read and audited like descriptors
     * @param withMesh adds the landmark triangulation (indices into the 68 points) per face
     */
    static Latest latest(CameraLatest latest, DescriptorOpener opener, boolean withMesh) {
        FrameResult frame = latest.getFrameResult();
        Map<String, EncryptedTemplate> templates = latest.getTemplates().stream()
                .collect(Collectors.toMap(EncryptedTemplate::getFaceId, Function.identity(), (a, b) -> b));
        List<Face> faces = frame.getFaces().stream().map(face -> {
            String ref = face.getTemplateRef() != null ? face.getTemplateRef() : face.getFaceId();
            EncryptedTemplate template = templates.get(ref);
            float[] descriptor = template != null && opener != null ? opener.open(frame, face, template) : null;
            List<Float> landmarks = opener == null ? null : face.getLandmarks();
            List<int[]> mesh = withMesh && landmarks != null ? FaceMesh.triangulate(doubles(landmarks)) : null;
            return new Face(face.getFaceIndex(), face.getFaceId(), box(face.getBox()), face.getScore(),
                    face.getStatus().name(), template == null ? null : template(template), landmarks,
                    Quality.of(face.getQuality()), mesh, descriptor);
        }).toList();
        return new Latest(frame.getCameraId(), frame.getSequence(), frame.getCaptureTime(), frame.getProcessedTime(),
                frame.getWidth(), frame.getHeight(), frame.getDetector(), faces);
    }

    private static double[] doubles(List<Float> values) {
        double[] out = new double[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = values.get(i);
        }
        return out;
    }

    private static BoxJson box(Box b) {
        return new BoxJson(b.getX(), b.getY(), b.getWidth(), b.getHeight());
    }

    private static Template template(EncryptedTemplate t) {
        ByteBuffer buf = t.getCiphertext().duplicate();
        byte[] ciphertext = new byte[buf.remaining()];
        buf.get(ciphertext);
        AssociatedData ad = t.getAssociatedData();
        return new Template(t.getKeyId(), t.getAlgorithm(), Base64.getEncoder().encodeToString(ciphertext),
                new Bound(ad.getCameraId(), ad.getSequence(), ad.getFaceIndex()), t.getModel());
    }
}
