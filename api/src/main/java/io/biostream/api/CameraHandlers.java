package io.biostream.api;

import io.biostream.operators.config.CameraIds;
import io.biostream.api.auth.AccessControl;
import io.biostream.api.auth.ApiKey;
import io.biostream.api.auth.Permission;
import io.biostream.api.state.CameraStateReader;
import io.biostream.api.state.StateUnavailableException;
import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.schemas.AssociatedData;
import io.biostream.schemas.CameraLatest;
import io.biostream.schemas.EncryptedTemplate;
import io.biostream.schemas.FaceResult;
import io.biostream.schemas.FrameResult;
import io.javalin.http.Context;
import java.security.GeneralSecurityException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Routes under /api/v1/cameras. */
final class CameraHandlers {
    private static final Logger LOG = LoggerFactory.getLogger(CameraHandlers.class);
    /** Camera ids are Kafka keys chosen by operators; this keeps them printable and bounded. */

    private final CameraStateReader state;
    private final TemplateCipher cipher;

    CameraHandlers(CameraStateReader state, TemplateCipher cipher) {
        this.state = state;
        this.cipher = cipher;
    }

    /** GET /api/v1/cameras */
    void list(Context ctx) throws StateUnavailableException {
        ctx.json(CameraJson.cameras(state.cameras()));
    }

    /** GET /api/v1/cameras/{id}/latest */
    void latest(Context ctx) throws StateUnavailableException {
        String cameraId = ctx.pathParam("id");
        if (!CameraIds.isValid(cameraId)) {
            throw ApiError.badRequest("invalid_camera_id",
                    "a camera id is 1 to 128 letters, digits or . _ : -");
        }
        CameraLatest latest = state.latest(cameraId).orElseThrow(() -> ApiError.notFound("camera_not_found",
                "no result for camera " + cameraId));
        ApiKey caller = AccessControl.caller(ctx);
        boolean withDescriptors = caller.has(Permission.DESCRIPTORS);
        boolean withMesh = Boolean.parseBoolean(ctx.queryParam("mesh"));
        CameraJson.Latest body = CameraJson.latest(latest, withDescriptors ? this::openDescriptor : null, withMesh);
        if (withDescriptors) {
            // Every read of biometric data is accountable; the descriptors themselves are never logged.
            LOG.info("descriptors read: key={} camera={} sequence={} faces={}", caller.id(), cameraId,
                    body.sequence(), body.faces().stream().filter(f -> f.descriptor() != null).count());
        }
        ctx.json(body);
    }

    /** Opens under the ids of the frame the template is listed on, so a template moved between frames fails. */
    private float[] openDescriptor(FrameResult frame, FaceResult face, EncryptedTemplate template) {
        AssociatedData expected = AssociatedData.newBuilder()
                .setCameraId(frame.getCameraId())
                .setSequence(frame.getSequence())
                .setFaceIndex(face.getFaceIndex())
                .build();
        try {
            return cipher.open(template, expected);
        } catch (GeneralSecurityException e) {
            LOG.error("template of camera={} sequence={} face={} (key {}) does not open: integrity failure or unknown key",
                    frame.getCameraId(), frame.getSequence(), face.getFaceIndex(), template.getKeyId());
            throw new ApiError(500, "template_unreadable",
                    "a stored template could not be opened; the incident is logged");
        }
    }
}
