package io.biostream.launcher.eval;

import io.biostream.launcher.eval.DescribedSet.Image;
import io.biostream.operators.identity.Candidate;
import io.biostream.operators.identity.Gallery;
import io.biostream.operators.identity.GalleryMatcher;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * 1:N search over a described set through the product's gallery ({@link Gallery},
 * {@link GalleryMatcher}: the job's search), one photo enrolled per identity and every other photo
 * of the set a mated probe; the photos of a stranger set (people not enrolled) are the non-mated
 * probes.
 *
 * <p>Enrolment rule: per identity (in name order), the first photo in name order on which a face
 * was described, or with a seed, one of its described photos drawn by {@code new Random(seed)}
 * (one draw per identity, in name order): deterministic either way. An identity with no described
 * photo is not enrolled and its photos are no probes. A mated probe without a described face counts
 * as not identified; a stranger without one is left out of the stranger probes (it cannot match
 * anyone) and counted apart.
 */
public final class IdentificationSearch {
    /** Candidates asked of the matcher per probe: rank-5 needs five. */
    public static final int RANKS = 5;

    /**
     * A mated probe's outcome. {@code rank}: 1-based place of its own identity among the nearest
     * {@value #RANKS} subjects, 0 when not among them or not described; {@code nearest} and
     * {@code distance}: the nearest subject (null and NaN when not described).
     */
    public record MatedProbe(String name, String identity, String nearest, double distance, int rank) {
        public boolean described() {
            return nearest != null;
        }

        /** Identified as the right person at {@code threshold}: own identity nearest and strictly under it. */
        public boolean identifiedAt(double threshold) {
            return rank == 1 && distance < threshold;
        }
    }

    /** A stranger probe's nearest enrolled subject and distance. */
    public record StrangerProbe(String name, String nearest, double distance) {}

    /** The search's outcome: the enrolled photo per identity, each probe's result. */
    public record Result(Map<String, String> enrolled, List<String> identitiesNotEnrolled,
                         List<MatedProbe> matedProbes, List<StrangerProbe> strangerProbes,
                         List<String> strangersNotDescribed) {}

    private IdentificationSearch() {}

    /** Enrols {@code set} by the rule above and searches its other photos and every described stranger. */
    public static Result search(DescribedSet set, DescribedSet strangers, Long seed) {
        Map<String, List<Image>> byIdentity = new LinkedHashMap<>();
        set.identities().forEach(identity -> byIdentity.put(identity, new ArrayList<>()));
        set.images().forEach(image -> byIdentity.get(image.file().identity()).add(image));
        Random random = seed == null ? null : new Random(seed);
        Map<String, Image> enrolled = new LinkedHashMap<>();
        List<String> notEnrolled = new ArrayList<>();
        byIdentity.forEach((identity, images) -> {
            List<Image> described = images.stream().filter(Image::described).toList();
            if (described.isEmpty()) {
                notEnrolled.add(identity);
            } else {
                enrolled.put(identity, described.get(random == null ? 0 : random.nextInt(described.size())));
            }
        });
        List<Image> mated = new ArrayList<>();
        for (Map.Entry<String, Image> entry : enrolled.entrySet()) {
            byIdentity.get(entry.getKey()).stream().filter(image -> image != entry.getValue()).forEach(mated::add);
        }
        List<Image> strangerImages = strangers == null ? List.of() : strangers.described();
        List<String> strangersNotDescribed = strangers == null ? List.of() : strangers.notDescribed();

        List<MatedProbe> matedProbes = new ArrayList<>();
        List<StrangerProbe> strangerProbes = new ArrayList<>();
        Map<String, String> enrolledNames = new LinkedHashMap<>();
        enrolled.forEach((identity, image) -> enrolledNames.put(identity, image.file().name()));
        if (enrolled.isEmpty()) {
            mated.forEach(image -> matedProbes.add(notDescribed(image)));
            return new Result(enrolledNames, notEnrolled, matedProbes, strangerProbes, strangersNotDescribed);
        }
        try (Gallery gallery = new Gallery()) {
            List<Gallery.Template> templates = new ArrayList<>();
            enrolled.forEach((identity, image) -> templates.add(new Gallery.Template(identity, image.file().name(), image.descriptor())));
            gallery.addAll(templates);
            GalleryMatcher matcher = new GalleryMatcher(gallery);
            List<Image> describedMated = mated.stream().filter(Image::described).toList();
            List<List<Candidate>> matedCandidates = describedMated.isEmpty() ? List.of()
                    : matcher.topK(descriptors(describedMated), RANKS);
            int next = 0;
            for (Image image : mated) {
                if (!image.described()) {
                    matedProbes.add(notDescribed(image));
                    continue;
                }
                List<Candidate> candidates = matedCandidates.get(next++);
                int rank = 0;
                for (int i = 0; i < candidates.size() && rank == 0; i++) {
                    if (candidates.get(i).subjectId().equals(image.file().identity())) {
                        rank = i + 1;
                    }
                }
                Candidate nearest = candidates.get(0);
                matedProbes.add(new MatedProbe(image.file().name(), image.file().identity(), nearest.subjectId(),
                        nearest.distance(), rank));
            }
            List<List<Candidate>> strangerCandidates = strangerImages.isEmpty() ? List.of()
                    : matcher.topK(descriptors(strangerImages), 1);
            for (int i = 0; i < strangerImages.size(); i++) {
                Candidate nearest = strangerCandidates.get(i).get(0);
                strangerProbes.add(new StrangerProbe(strangerImages.get(i).file().name(), nearest.subjectId(), nearest.distance()));
            }
        }
        return new Result(enrolledNames, notEnrolled, matedProbes, strangerProbes, strangersNotDescribed);
    }

    private static MatedProbe notDescribed(Image image) {
        return new MatedProbe(image.file().name(), image.file().identity(), null, Double.NaN, 0);
    }

    private static float[][] descriptors(List<Image> images) {
        float[][] descriptors = new float[images.size()][];
        for (int i = 0; i < descriptors.length; i++) {
            descriptors[i] = images.get(i).descriptor();
        }
        return descriptors;
    }
}
