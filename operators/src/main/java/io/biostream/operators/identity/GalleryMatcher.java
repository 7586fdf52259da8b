package io.biostream.operators.identity;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * STAND-IN (branch idjob): brute-force 1:N search with the public API of the ND4J matcher on
 * branch {@code gallery}, which replaces this file when both are merged.
 */
public final class GalleryMatcher {
    private final Gallery gallery;

    public GalleryMatcher(Gallery gallery) {
        this.gallery = gallery;
    }

    /** For each probe, up to k distinct subjects, nearest first, each with its nearest template. */
    public List<List<Candidate>> topK(float[][] probes, int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, not " + k);
        }
        List<List<Candidate>> results = new ArrayList<>(probes.length);
        for (float[] probe : probes) {
            Gallery.checkDescriptor(probe);
            Map<String, Candidate> bestOfSubject = new HashMap<>();
            gallery.entries().forEach((templateId, entry) -> {
                double d = VerificationPairs.euclidean(probe, entry.descriptor());
                Candidate best = bestOfSubject.get(entry.subjectId());
                if (best == null || d < best.distance()) {
                    bestOfSubject.put(entry.subjectId(), new Candidate(entry.subjectId(), templateId, d));
                }
            });
            results.add(bestOfSubject.values().stream()
                    .sorted(Comparator.comparingDouble(Candidate::distance).thenComparing(Candidate::subjectId))
                    .limit(k).toList());
        }
        return results;
    }
}
