package io.biostream.operators.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.operators.vision.DetectedFace;
import io.biostream.operators.vision.FacePipeline;
import io.biostream.schemas.Candidate;
import io.biostream.schemas.FaceStatus;
import io.biostream.schemas.Identification;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What each privacy mode keeps of a frame with a matched, an unmatched and an undescribed face. */
class PrivacyFilterTest {
    private static final float THRESHOLD = 0.6f;
    private final Identification matched = Identifications.of(List.of(new Candidate("raj", 0.31f), new Candidate("amy", 0.7f)), THRESHOLD, 2);
    private final Identification unmatched = Identifications.of(List.of(new Candidate("raj", 0.82f)), THRESHOLD, 2);
    private final List<FacePipeline.Face> frame = List.of(
            face(0, FaceStatus.DESCRIBED), face(1, FaceStatus.DESCRIBED), face(2, FaceStatus.TOO_SMALL));
    private final Identification[] identifications = {matched, unmatched, null};

    @Test
    void fullKeepsEveryFace() {
        assertThat(PrivacyFilter.kept(PrivacyMode.FULL, frame, identifications)).isEqualTo(frame);
    }

    @Test
    void watchlistOnlyKeepsOnlyFacesMatchedToAnEnrolledSubject() {
        assertThat(matched.getMatched()).isTrue();
        assertThat(unmatched.getMatched()).isFalse();
        assertThat(PrivacyFilter.kept(PrivacyMode.WATCHLIST_ONLY, frame, identifications))
                .extracting(FacePipeline.Face::index).containsExactly(0);
        assertThat(PrivacyFilter.keeps(PrivacyMode.WATCHLIST_ONLY, null)).as("not described, so not matched").isFalse();
        assertThat(PrivacyFilter.keeps(PrivacyMode.WATCHLIST_ONLY, Identifications.of(List.of(), THRESHOLD, 0)))
                .as("empty gallery").isFalse();
    }

    @Test
    void countOnlyKeepsNoFace() {
        assertThat(PrivacyFilter.kept(PrivacyMode.COUNT_ONLY, frame, identifications)).isEmpty();
        assertThat(PrivacyFilter.keeps(PrivacyMode.COUNT_ONLY, matched)).isFalse();
    }

    @Test
    void keptFacesKeepTheirIndexInTheFrame() {
        Identification[] lastMatched = {unmatched, null, matched};
        assertThat(PrivacyFilter.kept(PrivacyMode.WATCHLIST_ONLY, frame, lastMatched))
                .singleElement().satisfies(f -> assertThat(f.index()).isEqualTo(2));
    }

    private static FacePipeline.Face face(int index, FaceStatus status) {
        float[] descriptor = status == FaceStatus.DESCRIBED ? new float[128] : null;
        return new FacePipeline.Face(index, new DetectedFace(10 * index, 0, 50, 50, 0.9f), null, null, descriptor, status);
    }
}
