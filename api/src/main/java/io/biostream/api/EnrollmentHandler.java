package io.biostream.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.biostream.api.auth.AccessControl;
import io.biostream.api.auth.ApiKey;
import io.biostream.api.identity.IdentityServices;
import io.biostream.api.identity.ImageUploads;
import io.biostream.api.identity.VisionService;
import io.biostream.operators.audit.AuditActions;
import io.biostream.operators.vision.FacePipeline;
import io.biostream.schemas.AuditOutcome;
import io.biostream.schemas.FaceStatus;
import io.biostream.schemas.MatchSettings;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POST /api/v1/subjects/{id}/images: enrolls a subject from photos. Each photo goes through the
 * API's face pipeline under the live settings' gate and must show exactly one face, large and good
 * enough to describe; each accepted face is sealed as the subject's next template and published.
 * Photos that are not images refuse the whole request before anything is enrolled. A subject
 * whose consent is missing or has expired is refused (409) before any photo is looked at.
 */
final class EnrollmentHandler {
    private static final Logger LOG = LoggerFactory.getLogger(EnrollmentHandler.class);

    /** What happened to one photo: accepted with its template id, or refused with a reason. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record PhotoOutcome(int photo, String part, String status, String templateId, String reason, String message,
                        Double quality) {
        static PhotoOutcome refused(ImageUploads.Upload upload, String reason, String message, Double quality) {
            return new PhotoOutcome(upload.index() + 1, upload.part(), "refused", null, reason, message, quality);
        }
    }

    record Enrollment(String subjectId, int accepted, int refused, int templateCount, List<PhotoOutcome> photos) {}

    private final IdentityServices identity;
    private final ImageUploads uploads;
    private final IdentityAudit audit;

    EnrollmentHandler(IdentityServices identity, ImageUploads uploads, IdentityAudit audit) {
        this.identity = identity;
        this.uploads = uploads;
        this.audit = audit;
    }

    void enroll(Context ctx) {
        ApiKey caller = AccessControl.caller(ctx);
        String subjectId = SubjectHandlers.subjectId(ctx);
        // The body is read first (memory only), so that a refusal never leaves a client still sending
        // into a closed connection; the consent check comes before any photo is analysed:
        // describing a face is processing it.
        List<ImageUploads.Upload> photos = uploads.read(ctx, List.of("image"));
        requireConsent(caller, subjectId);

        MatchSettings settings = identity.commands().ledger().settings();
        PhotoOutcome[] outcomes = new PhotoOutcome[photos.size()];
        List<float[]> accepted = new ArrayList<>();
        List<Integer> acceptedPhotos = new ArrayList<>();
        for (int i = 0; i < photos.size(); i++) {
            FacePipeline.Face face = judge(photos.get(i), identity.vision().analyze(photos.get(i)).faces(), settings, outcomes, i);
            if (face != null) {
                accepted.add(face.descriptor());
                acceptedPhotos.add(i);
            }
        }
        List<String> templateIds = List.of();
        try {
            if (!accepted.isEmpty()) {
                // audited in the same transaction
                templateIds = identity.commands().enroll(caller.id(), subjectId, accepted, identity.vision().modelId(),
                        photos.size());
            }
        } finally {
            accepted.forEach(d -> Arrays.fill(d, 0f));
        }
        for (int a = 0; a < templateIds.size(); a++) {
            int i = acceptedPhotos.get(a);
            ImageUploads.Upload photo = photos.get(i);
            outcomes[i] = new PhotoOutcome(photo.index() + 1, photo.part(), "accepted", templateIds.get(a), null, null,
                    outcomes[i] == null ? null : outcomes[i].quality());
        }
        int refused = photos.size() - templateIds.size();
        if (templateIds.isEmpty()) { // nothing changed: audited on its own
            audit.record(caller, AuditActions.SUBJECT_ENROLL, subjectId, AuditOutcome.FAILED, Map.of("photos",
                    Integer.toString(photos.size()), "accepted", "0", "refused", Integer.toString(refused)));
        }
        LOG.info("enrollment of subject {} by key {}: {} photos, {} accepted", subjectId, caller.id(), photos.size(),
                templateIds.size());
        int templateCount = identity.commands().ledger().subject(subjectId).map(s -> s.templates().size()).orElse(0);
        ctx.status(templateIds.isEmpty() ? 422 : 201)
                .json(new Enrollment(subjectId, templateIds.size(), refused, templateCount, List.of(outcomes)));
    }

    /** 404 for an unknown subject; 409 (audited as denied) when its consent does not allow enrollment now. */
    private void requireConsent(ApiKey caller, String subjectId) {
        try {
            identity.commands().consentingSubject(subjectId);
        } catch (ApiError refused) {
            if (refused.status() == 409) {
                audit.record(caller, AuditActions.SUBJECT_ENROLL, subjectId, AuditOutcome.DENIED, Map.of("error", refused.code()));
            }
            throw refused;
        }
    }

    /**
     * The photo's one describable face, or null with the refusal in {@code outcomes[i]}. An accepted
     * photo's outcome is left as a placeholder carrying its quality.
     */
    private static FacePipeline.Face judge(ImageUploads.Upload photo, List<FacePipeline.Face> faces, MatchSettings settings,
                                           PhotoOutcome[] outcomes, int i) {
        if (faces.isEmpty()) {
            outcomes[i] = PhotoOutcome.refused(photo, "no_face", "no face was found in the photo", null);
            return null;
        }
        if (faces.size() > 1) {
            outcomes[i] = PhotoOutcome.refused(photo, "several_faces", faces.size()
                    + " faces were found; an enrollment photo must show exactly one person", null);
            return null;
        }
        FacePipeline.Face face = faces.get(0);
        Double quality = face.quality() == null ? null : face.quality().score();
        FaceStatus status = VisionService.status(face, settings.getMinFaceSize(), settings.getMinQuality());
        switch (status) {
            case DESCRIBED -> {
                outcomes[i] = new PhotoOutcome(photo.index() + 1, photo.part(), "pending", null, null, null, quality);
                return face;
            }
            case TOO_SMALL -> outcomes[i] = PhotoOutcome.refused(photo, "too_small", String.format(Locale.ROOT,
                    "the face is %.0f px across, below the minimum of %d px",
                    Math.min(face.detection().width(), face.detection().height()), settings.getMinFaceSize()), quality);
            case LOW_QUALITY -> outcomes[i] = PhotoOutcome.refused(photo, "low_quality", String.format(Locale.ROOT,
                    "the face's quality %.3f is below the minimum of %.3f (sharpness, lighting, pose, size)",
                    quality, settings.getMinQuality()), quality);
            default -> outcomes[i] = PhotoOutcome.refused(photo, "not_described",
                    "the face could not be described (it lies too close to the edge of the photo)", quality);
        }
        return null;
    }
}
