package io.biostream.operators.identity;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * 1:N search: the k nearest enrolled subjects of each probe descriptor, by Euclidean distance,
 * each subject with its nearest template.
 *
 * <p>Brute-force stand-in with the API of the ND4J matcher (branch gallery), which replaces it on
 * merge. Thread-safe: it reads the gallery under its read lock.
 */
public final class GalleryMatcher {
    private final Gallery gallery;

    public GalleryMatcher(Gallery gallery) {
        this.gallery = gallery;
    }

    /** For each probe, up to k distinct subjects, nearest first (fewer when fewer are enrolled). */
    public List<List<Candidate>> topK(float[][] probes, int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, not " + k);
        }
        for (float[] probe : probes) {
            Gallery.checkDescriptor(probe);
        }
        return gallery.read(templates -> {
            List<List<Candidate>> results = new ArrayList<>(probes.length);
            for (float[] probe : probes) {
                results.add(nearestSubjects(templates, probe, k));
            }
            return results;
        });
    }

    /** The exact Euclidean distance of two descriptors (1:1 verification). */
    public static double distance(float[] a, float[] b) {
        Gallery.checkDescriptor(a);
        Gallery.checkDescriptor(b);
        return VerificationPairs.euclidean(a, b);
    }

    private static List<Candidate> nearestSubjects(Iterable<Gallery.Template> templates, float[] probe, int k) {
        Map<String, Candidate> best = new HashMap<>();
        for (Gallery.Template t : templates) {
            double d = VerificationPairs.euclidean(probe, t.descriptor());
            Candidate current = best.get(t.subjectId());
            if (current == null || d < current.distance()) {
                best.put(t.subjectId(), new Candidate(t.subjectId(), t.templateId(), d));
            }
        }
        return best.values().stream()
                .sorted(Comparator.comparingDouble(Candidate::distance).thenComparing(Candidate::subjectId))
                .limit(k)
                .toList();
    }
}
