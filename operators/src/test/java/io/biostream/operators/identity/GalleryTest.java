package io.biostream.operators.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class GalleryTest {
    private final RandomDescriptors random = new RandomDescriptors(11);

    @Test
    void enrolsTemplatesBySubject() {
        try (Gallery gallery = new Gallery()) {
            float[] a1 = random.next();
            gallery.add("alice", "a1", a1);
            gallery.add("bob", "b1", random.next());
            gallery.add("alice", "a2", random.next());

            assertThat(gallery.size()).isEqualTo(3);
            assertThat(gallery.subjects()).containsExactly("alice", "bob");
            assertThat(gallery.templatesOf("alice")).containsExactly("a1", "a2");
            assertThat(gallery.descriptor("a1")).containsExactly(a1);
            assertThat(gallery.descriptor("nobody")).isNull();
        }
    }

    @Test
    void refusesDuplicateTemplateIdsAndMalformedDescriptors() {
        try (Gallery gallery = new Gallery()) {
            gallery.add("alice", "a1", random.next());
            assertThatThrownBy(() -> gallery.add("bob", "a1", random.next()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a1");
            assertThatThrownBy(() -> gallery.addAll(List.of(
                    new Gallery.Template("c", "c1", random.next()), new Gallery.Template("c", "c1", random.next()))))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> gallery.add("bob", "b1", new float[127])).isInstanceOf(IllegalArgumentException.class);
            float[] withNaN = random.next();
            withNaN[5] = Float.NaN;
            assertThatThrownBy(() -> gallery.add("bob", "b1", withNaN)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> gallery.add(" ", "b1", random.next())).isInstanceOf(IllegalArgumentException.class);
            assertThat(gallery.size()).isEqualTo(1);
            assertThat(gallery.subjects()).containsExactly("alice");
        }
    }

    @Test
    void removalMovesTheLastRowIntoTheHoleAndZeroesTheVacatedRow() {
        try (Gallery gallery = new Gallery()) {
            float[] last = random.next();
            gallery.add("s0", "t0", random.next());
            gallery.add("s1", "t1", random.next());
            gallery.add("s2", "t2", last);

            assertThat(gallery.remove("t0")).isTrue();
            assertThat(gallery.remove("t0")).isFalse();

            assertThat(gallery.size()).isEqualTo(2);
            assertThat(gallery.subjects()).containsExactly("s1", "s2");
            assertThat(gallery.descriptor("t2")).containsExactly(last);
            gallery.read(view -> {
                Gallery.Block block = view.blocks().get(0);
                assertThat(block.used).isEqualTo(2);
                assertThat(block.templateIds[0]).isEqualTo("t2");
                assertThat(block.squaredNorms[0]).isEqualTo(Gallery.squaredNorm(last));
                assertThat(row(block, 2)).containsOnly(0f);
                assertThat(block.templateIds[2]).isNull();
                return null;
            });
        }
    }

    @Test
    void erasingASubjectRemovesAllOfItsTemplatesAndNothingElse() {
        try (Gallery gallery = new Gallery()) {
            float[] keep = random.next();
            gallery.add("alice", "a1", random.next());
            gallery.add("bob", "b1", keep);
            gallery.add("alice", "a2", random.next());
            gallery.add("alice", "a3", random.next());

            assertThat(gallery.removeSubject("alice")).isEqualTo(3);
            assertThat(gallery.removeSubject("alice")).isZero();

            assertThat(gallery.size()).isEqualTo(1);
            assertThat(gallery.subjects()).containsExactly("bob");
            assertThat(gallery.templatesOf("alice")).isEmpty();
            assertThat(gallery.descriptor("a2")).isNull();
            assertThat(gallery.descriptor("b1")).containsExactly(keep);
            gallery.read(view -> {
                assertRowsZeroFrom(view.blocks().get(0), 1);
                return null;
            });
        }
    }

    @Test
    void growsPastOneBlockAndDropsTheEmptiedTailBlock() {
        int total = Gallery.BLOCK_ROWS + 100;
        try (Gallery gallery = new Gallery()) {
            List<Gallery.Template> templates = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                templates.add(new Gallery.Template("s" + (i / 3), "t" + i, random.next()));
            }
            // Two calls: the second grows the tail block in place and then opens a new block.
            gallery.addAll(templates.subList(0, 1000));
            gallery.addAll(templates.subList(1000, total));

            assertThat(gallery.size()).isEqualTo(total);
            assertThat(blockCount(gallery)).isEqualTo(2);
            assertThat(gallery.descriptor("t" + (total - 1))).containsExactly(templates.get(total - 1).descriptor());
            long twoBlocks = gallery.matrixBytes();

            for (int i = 0; i < 100; i++) {
                assertThat(gallery.remove("t" + (i * 7))).isTrue();
            }
            assertThat(gallery.size()).isEqualTo(Gallery.BLOCK_ROWS);
            assertThat(blockCount(gallery)).isEqualTo(1);
            assertThat(gallery.matrixBytes()).isLessThan(twoBlocks);
            // Arrays.equals, not AssertJ per template: 65k AssertJ comparisons take seconds.
            List<String> wrong = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                float[] stored = gallery.descriptor("t" + i);
                boolean removed = i % 7 == 0 && i / 7 < 100;
                if (removed ? stored != null : !Arrays.equals(stored, templates.get(i).descriptor())) {
                    wrong.add("t" + i);
                }
            }
            assertThat(wrong).isEmpty();
        }
    }

    @Test
    void aClosedGalleryRefusesUse() {
        Gallery gallery = new Gallery();
        gallery.add("alice", "a1", random.next());
        gallery.close();
        assertThat(gallery.size()).isZero();
        assertThatThrownBy(() -> gallery.add("bob", "b1", random.next())).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> new GalleryMatcher(gallery).topK(new float[][] {random.next()}, 1))
                .isInstanceOf(IllegalStateException.class);
    }

    private static int blockCount(Gallery gallery) {
        return gallery.<Integer>read(view -> view.blocks().size());
    }

    private static void assertRowsZeroFrom(Gallery.Block block, int firstRow) {
        for (int r = firstRow; r < block.capacity(); r++) {
            assertThat(row(block, r)).as("row %d", r).containsOnly(0f);
        }
    }

    private static float[] row(Gallery.Block block, int offset) {
        float[] row = new float[Gallery.DIMENSIONS];
        block.readRow(offset, row);
        return row;
    }
}
