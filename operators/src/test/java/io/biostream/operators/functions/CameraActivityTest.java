package io.biostream.operators.functions;

import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.schemas.Candidate;
import io.biostream.operators.identity.Identifications;
import io.biostream.operators.identity.PrivacyFilter;
import io.biostream.operators.identity.PrivacyMode;
import io.biostream.operators.records.CameraActivity;
import io.biostream.operators.records.SightingUpdate;
import io.biostream.operators.vision.DetectedFace;
import io.biostream.operators.vision.FacePipeline;
import io.biostream.schemas.FaceStatus;
import io.biostream.schemas.Identification;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a frame adds to its camera's analytics under each privacy mode: every face counts; unknown
 * faces and subjects only where the mode matches, subjects only as far as it keeps them.
 */
class CameraActivityTest {
    private static final float THRESHOLD = 0.6f;
    private final Identification raj = Identifications.of(List.of(new Candidate("raj", 0.31f)), THRESHOLD, 1);
    private final Identification rajAgain = Identifications.of(List.of(new Candidate("raj", 0.35f)), THRESHOLD, 1);
    private final Identification stranger = Identifications.of(List.of(new Candidate("raj", 0.82f)), THRESHOLD, 1);
    // a matched face, the same subject again, an unmatched face, a face too small to describe
    private final List<FacePipeline.Face> frame = List.of(face(0, FaceStatus.DESCRIBED), face(1, FaceStatus.DESCRIBED),
            face(2, FaceStatus.DESCRIBED), face(3, FaceStatus.TOO_SMALL));

    private CameraActivity activity(PrivacyMode mode) {
        Identification[] identifications = mode.matches() ? new Identification[] {raj, rajAgain, stranger, null}
                : new Identification[frame.size()];
        // the sightings the analysis emits: one per kept, matched face
        List<SightingUpdate> sighted = new ArrayList<>();
        for (FacePipeline.Face face : PrivacyFilter.kept(mode, frame, identifications)) {
            Identification id = identifications[face.index()];
            if (id != null && id.getMatched()) {
                sighted.add(SightingUpdate.match(id.getSubjectId(), "door", 9, "door/9/" + face.index(), 1_000L, id.getDistance()));
            }
        }
        return AnalyzeFrameFunction.activity("door", 1_000L, mode, frame, identifications, sighted);
    }

    @Test
    void fullCountsEveryFaceTheUnknownAndEachSubjectOnce() {
        CameraActivity full = activity(PrivacyMode.FULL);
        assertThat(List.of(full.faces, full.described, full.unknown)).containsExactly(4, 3, 1);
        assertThat(full.subjectIds).containsExactly("raj");
        assertThat(full.captureTimeMillis).isEqualTo(1_000L);
        assertThat(full.deadLetter).isFalse();
    }

    @Test
    void watchlistOnlyStillCountsTheFacesItDrops() {
        CameraActivity watchlist = activity(PrivacyMode.WATCHLIST_ONLY);
        assertThat(List.of(watchlist.faces, watchlist.described, watchlist.unknown)).containsExactly(4, 3, 1);
        assertThat(watchlist.subjectIds).containsExactly("raj");
    }

    @Test
    void countOnlyCountsFacesButNamesNobodyAndKnowsNoStrangers() {
        CameraActivity countOnly = activity(PrivacyMode.COUNT_ONLY);
        assertThat(List.of(countOnly.faces, countOnly.described, countOnly.unknown)).containsExactly(4, 3, 0);
        assertThat(countOnly.subjectIds).isEmpty();
    }

    private static FacePipeline.Face face(int index, FaceStatus status) {
        float[] descriptor = status == FaceStatus.DESCRIBED ? new float[128] : null;
        return new FacePipeline.Face(index, new DetectedFace(10 * index, 0, 50, 50, 0.9f), null, null, descriptor, status);
    }
}
