package io.biostream.operators.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The Gallery / GalleryMatcher API the identity code relies on (whichever implementation is in place). */
class GalleryContractTest {

    @Test
    void topKListsEachSubjectOnceByItsNearestTemplateNearestFirst() {
        Gallery gallery = new Gallery();
        gallery.add("ada", "ada/0", unit(0, 1f));
        gallery.add("ada", "ada/1", unit(0, 0.9f));
        gallery.add("bob", "bob/0", unit(1, 1f));
        gallery.add("cid", "cid/0", unit(2, 1f));
        GalleryMatcher matcher = new GalleryMatcher(gallery);

        List<Candidate> nearest = matcher.topK(new float[][] {unit(0, 0.95f)}, 2).get(0);
        assertThat(nearest).hasSize(2);
        assertThat(nearest.get(0).subjectId()).isEqualTo("ada");
        assertThat(nearest.get(0).distance()).isCloseTo(0.05, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(nearest.get(1).distance()).isGreaterThan(nearest.get(0).distance());
        assertThat(matcher.topK(new float[][] {unit(0, 1f)}, 10).get(0)).hasSize(3);
    }

    @Test
    void removingASubjectRemovesAllItsTemplates() {
        Gallery gallery = new Gallery();
        gallery.add("ada", "ada/0", unit(0, 1f));
        gallery.add("ada", "ada/1", unit(1, 1f));
        gallery.add("bob", "bob/0", unit(2, 1f));
        assertThat(gallery.removeSubject("ada")).isEqualTo(2);
        assertThat(gallery.size()).isEqualTo(1);
        assertThat(new GalleryMatcher(gallery).topK(new float[][] {unit(0, 1f)}, 5).get(0))
                .extracting(Candidate::subjectId).containsExactly("bob");
        assertThat(gallery.removeSubject("ada")).isZero();
    }

    @Test
    void refusesDuplicatesAndMalformedDescriptors() {
        Gallery gallery = new Gallery();
        gallery.add("ada", "ada/0", unit(0, 1f));
        assertThatThrownBy(() -> gallery.add("ada", "ada/0", unit(1, 1f))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> gallery.add("ada", "ada/1", new float[3])).isInstanceOf(IllegalArgumentException.class);
        assertThat(GalleryMatcher.distance(unit(0, 1f), unit(1, 1f))).isCloseTo(Math.sqrt(2), org.assertj.core.data.Offset.offset(1e-9));
    }

    private static float[] unit(int axis, float length) {
        float[] v = new float[Gallery.DIMENSIONS];
        v[axis] = length;
        return v;
    }
}
