package io.biostream.api;

import io.biostream.operators.config.CameraIds;
import io.biostream.api.auth.AccessControl;
import io.biostream.api.auth.ApiKey;
import io.biostream.api.auth.Permission;
import io.biostream.api.state.CameraStateReader;
import io.biostream.api.state.StateUnavailableException;
import io.biostream.operators.audit.AuditActions;
import io.biostream.operators.audit.AuditEntry;
import io.biostream.operators.audit.AuditSink;
import io.biostream.operators.crypto.DataKeyUnavailableException;
import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.schemas.AuditEvent;
import io.biostream.schemas.AuditOutcome;
import io.biostream.schemas.AssociatedData;
import io.biostream.schemas.CameraLatest;
import io.biostream.schemas.EncryptedTemplate;
import io.biostream.schemas.FaceResult;
import io.biostream.schemas.FrameResult;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.security.GeneralSecurityException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Routes under /api/v1/cameras. */
final class CameraHandlers {
    private static final Logger LOG = LoggerFactory.getLogger(CameraHandlers.class);

    private final CameraStateReader state;
    private final TemplateCipher cipher;
    private final AuditSink audit;

    CameraHandlers(CameraStateReader state, TemplateCipher cipher, AuditSink audit) {
        this.state = state;
        this.cipher = cipher;
        this.audit = audit;
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
        CameraLatest latest = readableOnly(state.latest(cameraId).orElseThrow(() -> ApiError.notFound("camera_not_found",
                "no result for camera " + cameraId)), cipher::readable);
        ApiKey caller = AccessControl.caller(ctx);
        boolean withMesh = Boolean.parseBoolean(ctx.queryParam("mesh"));
        if (!caller.has(Permission.DESCRIPTORS)) {
            ctx.json(CameraJson.latest(latest, null, withMesh));
            return;
        }
        CameraJson.Latest body;
        try {
            body = CameraJson.latest(latest, this::openDescriptor, withMesh);
        } catch (ApiError e) {
            auditDescriptorRead(caller, cameraId, latest.getFrameResult().getSequence(), AuditOutcome.FAILED,
                    Map.of("error", e.code()));
            throw e;
        }
        long faces = body.faces().stream().filter(f -> f.descriptor() != null).count();
        // Every read of biometric data is audited before the data leaves; if it cannot be
        // recorded, the caller gets 503 and no descriptors. The values themselves are never recorded.
        AuditEvent event = auditDescriptorRead(caller, cameraId, body.sequence(), AuditOutcome.SUCCESS,
                Map.of("faces", Long.toString(faces)));
        LOG.info("descriptors read: key={} camera={} sequence={} faces={} audit={}", caller.id(), cameraId,
                body.sequence(), faces, event.getSequence());
        ctx.json(body);
    }

    /**
     * The latest result without the faces whose template's data key is destroyed (the subject was
     * erased) or expired (the camera's retention is over): the job drops them from state too, this
     * makes the answer right at once, also in the moments after a restore from an older checkpoint.
     */
    static CameraLatest readableOnly(CameraLatest latest, Predicate<EncryptedTemplate> readable) {
        Set<String> gone = new HashSet<>();
        List<EncryptedTemplate> kept = new ArrayList<>();
        for (EncryptedTemplate template : latest.getTemplates()) {
            if (readable.test(template)) {
                kept.add(template);
            } else {
                gone.add(template.getFaceId());
            }
        }
        if (gone.isEmpty()) {
            return latest;
        }
        List<FaceResult> faces = latest.getFrameResult().getFaces().stream()
                .filter(face -> face.getTemplateRef() == null || !gone.contains(face.getTemplateRef()))
                .toList();
        return new CameraLatest(FrameResult.newBuilder(latest.getFrameResult()).setFaces(new ArrayList<>(faces)).build(), kept);
    }

    private AuditEvent auditDescriptorRead(ApiKey caller, String cameraId, long sequence, AuditOutcome outcome,
                                           Map<String, String> details) {
        Map<String, String> all = new java.util.TreeMap<>(details);
        all.put("frameSequence", Long.toString(sequence));
        return audit.record(AuditEntry.of(caller.id(), AuditActions.DESCRIPTORS_READ, cameraId, outcome, all));
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
        } catch (DataKeyUnavailableException e) {
            throw new ApiError(503, "keys_unavailable", "the data key store is unavailable; templates are not served until it is back",
                    Map.of("Retry-After", Long.toString(e.retryAfter().toSeconds())));
        } catch (GeneralSecurityException e) {
            LOG.error("template of camera={} sequence={} face={} (key {}) does not open: integrity failure or unknown key",
                    frame.getCameraId(), frame.getSequence(), face.getFaceIndex(), template.getKeyId());
            throw new ApiError(500, "template_unreadable",
                    "a stored template could not be opened; the incident is logged");
        }
    }
}
