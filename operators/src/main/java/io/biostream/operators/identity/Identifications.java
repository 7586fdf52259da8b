package io.biostream.operators.identity;

import io.biostream.schemas.Candidate;
import io.biostream.schemas.Identification;
import java.util.List;

/** Builds a face's Identification from its candidates, and takes an erased subject out of one. */
public final class Identifications {
    private Identifications() {}

    /** Candidates nearest first; matched when the nearest is strictly under the threshold. */
    public static Identification of(List<Candidate> candidates, float threshold, int gallerySize) {
        Candidate nearest = candidates.isEmpty() ? null : candidates.get(0);
        boolean matched = nearest != null && nearest.getDistance() < threshold;
        return Identification.newBuilder()
                .setMatched(matched)
                .setSubjectId(matched ? nearest.getSubjectId() : null)
                .setDistance(nearest == null ? null : nearest.getDistance())
                .setThreshold(threshold)
                .setCandidates(candidates)
                .setGallerySize(gallerySize)
                .build();
    }

    /** The identification as if the subject had never been enrolled (its candidates gone), or the same one when it does not name the subject. */
    public static Identification without(Identification identification, String subjectId) {
        if (identification == null || identification.getCandidates().stream().noneMatch(c -> c.getSubjectId().equals(subjectId))
                && !subjectId.equals(identification.getSubjectId())) {
            return identification;
        }
        List<Candidate> rest = identification.getCandidates().stream().filter(c -> !c.getSubjectId().equals(subjectId)).toList();
        return of(new java.util.ArrayList<>(rest), identification.getThreshold(), identification.getGallerySize());
    }
}
