package io.biostream.api;

import io.biostream.api.auth.AccessControl;
import io.biostream.api.auth.ApiKey;
import io.biostream.api.identity.IdentityServices;
import io.biostream.api.identity.ImageUploads;
import io.biostream.api.identity.VisionService;
import io.biostream.operators.audit.AuditActions;
import io.biostream.operators.vision.FaceAnnotator;
import io.biostream.operators.vision.FaceMesh;
import io.biostream.operators.vision.FacePipeline;
import io.biostream.operators.image.RgbImage;
import io.biostream.schemas.AuditOutcome;
import io.javalin.http.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * POST /api/v1/annotate: a photo in, a PNG of the same size out with each face's box and score,
 * its 68 landmarks and their Delaunay mesh drawn (faces too small for landmarks get a box only).
 */
final class AnnotateHandler {
    private final IdentityServices identity;
    private final ImageUploads uploads;
    private final IdentityAudit audit;

    AnnotateHandler(IdentityServices identity, ImageUploads uploads, IdentityAudit audit) {
        this.identity = identity;
        this.uploads = uploads;
        this.audit = audit;
    }

    void annotate(Context ctx) {
        ApiKey caller = AccessControl.caller(ctx);
        VisionService.Analysis analysis = identity.vision().analyze(uploads.readOne(ctx, "image"));
        RgbImage image = analysis.image();
        List<FacePipeline.Face> faces = analysis.faces();
        List<FaceAnnotator.Annotation> annotations = new ArrayList<>();
        for (FacePipeline.Face face : faces) {
            if (face.landmarks() == null) {
                annotations.add(FaceAnnotator.Annotation.box(face.detection()));
            } else {
                double[] points = face.landmarks().points();
                annotations.add(new FaceAnnotator.Annotation(face.detection(), points, FaceMesh.triangulate(points)));
            }
        }
        byte[] png = FaceAnnotator.annotatePng(image, annotations);
        audit.record(caller, AuditActions.ANNOTATE, null, AuditOutcome.SUCCESS, Map.of("faces", Integer.toString(faces.size())));
        ctx.header("X-Faces", Integer.toString(faces.size()));
        ctx.contentType("image/png").result(png);
    }
}
