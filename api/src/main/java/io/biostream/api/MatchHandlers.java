package io.biostream.api;

import io.biostream.api.auth.AccessControl;
import io.biostream.api.auth.ApiKey;
import io.biostream.api.identity.IdentityServices;
import io.biostream.api.identity.ImageUploads;
import io.biostream.api.identity.VisionService;
import io.biostream.operators.audit.AuditActions;
import io.biostream.operators.identity.Candidate;
import io.biostream.operators.identity.GalleryMatcher;
import io.biostream.operators.vision.FacePipeline;
import io.biostream.schemas.AuditOutcome;
import io.biostream.schemas.FaceStatus;
import io.biostream.schemas.MatchSettings;
import io.javalin.http.Context;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Photo search (1:N against the API's gallery) and verification (1:1), run in the API process
 * with the job's face path: no round trip through Kafka and the job. The largest face of each
 * photo counts; a match is a distance strictly under the current settings' threshold.
 *
 * <p>Neither route is a score oracle: search returns only the subjects that match, verify a
 * distance only for the same person, and distances are rounded to {@value #DISTANCE_DECIMALS}
 * decimals, so a caller cannot hill-climb a forged image toward someone by watching exact scores.
 * Every subject a search returns is audited by name.
 */
final class MatchHandlers {
    private static final Logger LOG = LoggerFactory.getLogger(MatchHandlers.class);

    record Match(String subjectId, double distance, boolean match) {}

    record SearchResult(List<Match> matches, float threshold, int faces, int gallerySize) {}

    /** @param distance rounded; null unless the two photos are of the same person */
    record Verification(boolean same, Double distance, float threshold) {}

    static final int DISTANCE_DECIMALS = 2;

    private final IdentityServices identity;
    private final ImageUploads uploads;
    private final IdentityAudit audit;

    MatchHandlers(IdentityServices identity, ImageUploads uploads, IdentityAudit audit) {
        this.identity = identity;
        this.uploads = uploads;
        this.audit = audit;
    }

    /** POST /api/v1/search?k=5 */
    void search(Context ctx) {
        ApiKey caller = AccessControl.caller(ctx);
        MatchSettings settings = identity.commands().ledger().settings();
        int k = SubjectHandlers.intParam(ctx, "k", settings.getTopK(), 1, 100);
        long start = System.nanoTime();
        List<FacePipeline.Face> faces = identity.vision().analyze(uploads.readOne(ctx, "image")).faces();
        long analysed = System.nanoTime();
        float[] probe = describedLargest(faces, settings, "the photo");
        List<Candidate> nearest = identity.gallery().nearest(probe, k);
        long matched = System.nanoTime();
        float threshold = settings.getThreshold();
        List<Match> matches = nearest.stream().filter(c -> c.distance() < threshold)
                .map(c -> new Match(c.subjectId(), rounded(c.distance()), true)).toList();
        Map<String, String> details = new TreeMap<>();
        details.put("k", Integer.toString(k));
        details.put("faces", Integer.toString(faces.size()));
        details.put("matches", Integer.toString(matches.size()));
        details.put("threshold", Float.toString(threshold));
        if (matches.isEmpty()) {
            audit.record(caller, AuditActions.SEARCH, null, AuditOutcome.SUCCESS, details);
        }
        for (int rank = 0; rank < matches.size(); rank++) { // every subject disclosed, by name
            Map<String, String> disclosed = new TreeMap<>(details);
            disclosed.put("rank", Integer.toString(rank + 1));
            audit.record(caller, AuditActions.SEARCH, matches.get(rank).subjectId(), AuditOutcome.SUCCESS, disclosed);
        }
        LOG.info("search by key {}: faces={} k={} gallery={} decode+analyse={}ms match={}ms total={}ms", caller.id(),
                faces.size(), k, identity.gallery().size(), ms(start, analysed), ms(analysed, matched),
                ms(start, matched));
        ctx.json(new SearchResult(matches, threshold, faces.size(), identity.gallery().size()));
    }

    /** POST /api/v1/verify (multipart parts a and b) */
    void verify(Context ctx) {
        ApiKey caller = AccessControl.caller(ctx);
        MatchSettings settings = identity.commands().ledger().settings();
        long start = System.nanoTime();
        List<ImageUploads.Upload> photos = uploads.readOneEach(ctx, List.of("a", "b"));
        float[] descriptorA = describedLargest(identity.vision().analyze(photos.get(0)).faces(), settings, "photo a");
        float[] descriptorB = describedLargest(identity.vision().analyze(photos.get(1)).faces(), settings, "photo b");
        double distance = GalleryMatcher.distance(descriptorA, descriptorB);
        float threshold = settings.getThreshold();
        boolean same = distance < threshold;
        long done = System.nanoTime();
        audit.record(caller, AuditActions.VERIFY, null, AuditOutcome.SUCCESS, Map.of(
                "same", Boolean.toString(same), "threshold", Float.toString(threshold)));
        LOG.info("verify by key {}: same={} total={}ms", caller.id(), same, ms(start, done));
        ctx.json(new Verification(same, same ? rounded(distance) : null, threshold));
    }

    /** The descriptor of the photo's largest face, or 422 saying why there is none. */
    static float[] describedLargest(List<FacePipeline.Face> faces, MatchSettings settings, String which) {
        FacePipeline.Face face = VisionService.largest(faces).orElseThrow(() -> new ApiError(422, "no_face",
                "no face was found in " + which));
        FaceStatus status = VisionService.status(face, settings.getMinFaceSize(), settings.getMinQuality());
        return switch (status) {
            case DESCRIBED -> face.descriptor();
            case TOO_SMALL -> throw new ApiError(422, "face_too_small", String.format(Locale.ROOT,
                    "the largest face in %s is %.0f px across, below the minimum of %d px", which,
                    Math.min(face.detection().width(), face.detection().height()), settings.getMinFaceSize()));
            case LOW_QUALITY -> throw new ApiError(422, "face_low_quality", String.format(Locale.ROOT,
                    "the largest face in %s has quality %.3f, below the minimum of %.3f", which, face.quality().score(),
                    settings.getMinQuality()));
            default -> throw new ApiError(422, "face_not_described",
                    "the largest face in " + which + " could not be described (too close to the edge)");
        };
    }

    static double rounded(double distance) {
        return java.math.BigDecimal.valueOf(distance).setScale(DISTANCE_DECIMALS, java.math.RoundingMode.HALF_UP).doubleValue();
    }

    private static long ms(long from, long to) {
        return (to - from) / 1_000_000;
    }
}
