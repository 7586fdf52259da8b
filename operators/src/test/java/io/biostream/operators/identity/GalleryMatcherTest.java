package io.biostream.operators.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GalleryMatcherTest {
    private static final double TOLERANCE = 1e-4;

    @ParameterizedTest(name = "{0} templates, {1} per subject, k={2}, {3} probes per product")
    @CsvSource({
        "1, 1, 5, 128",
        "1000, 1, 5, 128",
        "1500, 3, 10, 4",
        "65536, 2, 5, 128",
        "70001, 4, 7, 16",
    })
    void findsTheNearestSubjectsLikeABruteForceSearch(int templates, int perSubject, int k, int probesPerProduct) {
        RandomDescriptors random = new RandomDescriptors(templates);
        try (Gallery gallery = new Gallery()) {
            Enrolment enrolment = enrol(gallery, random, templates, perSubject);
            float[][] probes = probes(random, enrolment.descriptors(), 24);

            List<List<Candidate>> found = new GalleryMatcher(gallery, probesPerProduct).topK(probes, k);

            assertMatchesReference(found, probes, enrolment, k);
        }
    }

    @Test
    void returnsEverySubjectOnceWhenKExceedsTheSubjects() {
        RandomDescriptors random = new RandomDescriptors(3);
        try (Gallery gallery = new Gallery()) {
            Enrolment enrolment = enrol(gallery, random, 12, 4);
            float[][] probes = probes(random, enrolment.descriptors(), 5);

            List<List<Candidate>> found = new GalleryMatcher(gallery).topK(probes, 50);

            assertThat(found).allSatisfy(list -> assertThat(list).extracting(Candidate::subjectId)
                    .containsExactlyInAnyOrder("s0", "s1", "s2"));
            assertMatchesReference(found, probes, enrolment, 50);
        }
    }

    @Test
    void anEnrolledDescriptorFindsItsOwnSubjectAtDistanceZero() {
        RandomDescriptors random = new RandomDescriptors(5);
        try (Gallery gallery = new Gallery()) {
            Enrolment enrolment = enrol(gallery, random, 3000, 2);
            float[] probe = enrolment.descriptors().get(1234);

            Candidate best = new GalleryMatcher(gallery).topK(new float[][] {probe}, 3).get(0).get(0);

            assertThat(best.templateId()).isEqualTo(enrolment.templateIds().get(1234));
            assertThat(best.subjectId()).isEqualTo(enrolment.subjectIds().get(1234));
            assertThat(best.distance()).isZero();
        }
    }

    @Test
    void removedTemplatesAndErasedSubjectsAreNoLongerFound() {
        RandomDescriptors random = new RandomDescriptors(7);
        try (Gallery gallery = new Gallery()) {
            Enrolment enrolment = enrol(gallery, random, 5000, 3);
            float[][] probes = probes(random, enrolment.descriptors(), 30);
            // Erase subjects and single templates all over, including ones the probes were made from.
            for (int i = 0; i < 5000; i += 9) {
                String templateId = enrolment.templateIds().get(i);
                if (gallery.remove(templateId)) {
                    enrolment.removeTemplate(templateId);
                }
            }
            for (int s = 0; s < 1667; s += 5) {
                assertThat(gallery.removeSubject("s" + s)).isPositive();
                enrolment.removeSubject("s" + s);
            }
            assertThat(gallery.size()).isEqualTo(enrolment.size());

            List<List<Candidate>> found = new GalleryMatcher(gallery, 8).topK(probes, 5);

            assertMatchesReference(found, probes, enrolment, 5);
            assertThat(found).allSatisfy(list -> assertThat(list).allSatisfy(c ->
                    assertThat(Integer.parseInt(c.subjectId().substring(1)) % 5).isNotZero()));
        }
    }

    @Test
    void anEmptyGalleryFindsNobody() {
        try (Gallery gallery = new Gallery()) {
            List<List<Candidate>> found = new GalleryMatcher(gallery).topK(new float[][] {new RandomDescriptors(1).next()}, 5);
            assertThat(found).containsExactly(List.of());
        }
    }

    @Test
    void refusesMalformedQueries() {
        try (Gallery gallery = new Gallery()) {
            GalleryMatcher matcher = new GalleryMatcher(gallery);
            assertThatThrownBy(() -> matcher.topK(new float[][] {new float[128]}, 0)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> matcher.topK(new float[][] {new float[64]}, 1)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> GalleryMatcher.distance(new float[128], new float[3])).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void distanceIsTheExactEuclideanDistance() {
        float[] a = new float[128];
        float[] b = new float[128];
        a[0] = 3;
        b[1] = 4;
        assertThat(GalleryMatcher.distance(a, b)).isEqualTo(5.0);
        float[] c = new RandomDescriptors(2).next();
        assertThat(GalleryMatcher.distance(c, c)).isZero();
    }

    @Test
    void matchesSeeAConsistentGalleryWhileOneWriterEnrolsAndErases() throws Exception {
        RandomDescriptors random = new RandomDescriptors(13);
        try (Gallery gallery = new Gallery()) {
            Enrolment enrolment = enrol(gallery, random, 2000, 2);
            float[] churn = random.next();
            float[][] probes = {churn, enrolment.descriptors().get(10)};
            GalleryMatcher matcher = new GalleryMatcher(gallery);
            ExecutorService readers = Executors.newFixedThreadPool(2);
            try {
                List<Future<?>> checks = new ArrayList<>();
                for (int r = 0; r < 2; r++) {
                    checks.add(readers.submit(() -> {
                        for (int i = 0; i < 200; i++) {
                            for (List<Candidate> list : matcher.topK(probes, 3)) {
                                for (Candidate c : list) {
                                    // A torn read would pair a template with another subject's id.
                                    assertThat(c.templateId()).startsWith(c.subjectId() + "/");
                                }
                                if (list.get(0).subjectId().equals("churn")) {
                                    assertThat(list.get(0).distance()).isZero();
                                }
                            }
                        }
                    }));
                }
                for (int i = 0; i < 300; i++) {
                    gallery.add("churn", "churn/" + i, churn);
                    gallery.removeSubject("churn");
                }
                for (Future<?> check : checks) {
                    check.get(60, TimeUnit.SECONDS);
                }
            } finally {
                readers.shutdownNow();
            }
            assertThat(gallery.size()).isEqualTo(2000);
        }
    }

    /** Templates "sN/i" of subjects "sN", {@code perSubject} each, in order. */
    private static Enrolment enrol(Gallery gallery, RandomDescriptors random, int templates, int perSubject) {
        Enrolment enrolment = new Enrolment();
        List<Gallery.Template> batch = new ArrayList<>();
        for (int i = 0; i < templates; i++) {
            String subject = "s" + (i / perSubject);
            Gallery.Template t = new Gallery.Template(subject, subject + "/" + i, random.next());
            batch.add(t);
            enrolment.add(t);
        }
        // Two calls, so that the tail block is grown in place as well as opened fresh.
        gallery.addAll(batch.subList(0, templates / 2));
        gallery.addAll(batch.subList(templates / 2, templates));
        return enrolment;
    }

    /** Strangers, near copies of enrolled descriptors (genuine attempts) and exact copies. */
    private static float[][] probes(RandomDescriptors random, List<float[]> enrolled, int count) {
        float[][] probes = new float[count][];
        for (int i = 0; i < count; i++) {
            float[] base = enrolled.get(random.nextInt(enrolled.size()));
            probes[i] = switch (i % 3) {
                case 0 -> random.next();
                case 1 -> random.near(base, 0.03);
                default -> base.clone();
            };
        }
        return probes;
    }

    /**
     * Each probe's list must hold the reference's k nearest distances, in order, and each
     * candidate must be a distinct enrolled subject at exactly its nearest template's distance.
     * (Subjects may swap places only where their distances tie within float32 precision.)
     */
    private static void assertMatchesReference(List<List<Candidate>> found, float[][] probes, Enrolment enrolment, int k) {
        assertThat(found).hasSize(probes.length);
        for (int p = 0; p < probes.length; p++) {
            Map<String, Double> nearest = enrolment.nearestBySubject(probes[p]);
            List<Double> expected = nearest.values().stream().sorted().limit(k).toList();
            List<Candidate> candidates = found.get(p);
            assertThat(candidates).as("probe %d", p).hasSize(expected.size());
            Set<String> subjects = new HashSet<>();
            for (int i = 0; i < candidates.size(); i++) {
                Candidate c = candidates.get(i);
                assertThat(subjects.add(c.subjectId())).as("subject %s listed twice", c.subjectId()).isTrue();
                assertThat(c.distance()).as("probe %d rank %d", p, i).isCloseTo(expected.get(i), within(TOLERANCE));
                assertThat(nearest.get(c.subjectId())).as("probe %d rank %d: subject's nearest", p, i)
                        .isCloseTo(c.distance(), within(TOLERANCE));
                assertThat(enrolment.subjectOf(c.templateId())).isEqualTo(c.subjectId());
                assertThat(c.distance()).isEqualTo(VerificationPairs.euclidean(probes[p], enrolment.descriptorOf(c.templateId())));
            }
        }
    }

    /** What the test enrolled, for the brute-force double-precision reference. */
    private static final class Enrolment {
        private final Map<String, Gallery.Template> byTemplate = new HashMap<>();
        private final List<float[]> descriptors = new ArrayList<>();
        private final List<String> templateIds = new ArrayList<>();
        private final List<String> subjectIds = new ArrayList<>();

        void add(Gallery.Template t) {
            byTemplate.put(t.templateId(), t);
            descriptors.add(t.descriptor());
            templateIds.add(t.templateId());
            subjectIds.add(t.subjectId());
        }

        void removeTemplate(String templateId) {
            byTemplate.remove(templateId);
        }

        void removeSubject(String subjectId) {
            byTemplate.values().removeIf(t -> t.subjectId().equals(subjectId));
        }

        int size() {
            return byTemplate.size();
        }

        String subjectOf(String templateId) {
            return byTemplate.get(templateId).subjectId();
        }

        float[] descriptorOf(String templateId) {
            return byTemplate.get(templateId).descriptor();
        }

        Map<String, Double> nearestBySubject(float[] probe) {
            Map<String, Double> nearest = new HashMap<>();
            for (Gallery.Template t : byTemplate.values()) {
                nearest.merge(t.subjectId(), VerificationPairs.euclidean(probe, t.descriptor()), Math::min);
            }
            return nearest;
        }

        /** Enrolment order, including removed ones (probes are made from them). */
        List<float[]> descriptors() {
            return descriptors;
        }

        List<String> templateIds() {
            return templateIds;
        }

        List<String> subjectIds() {
            return subjectIds;
        }
    }
}
