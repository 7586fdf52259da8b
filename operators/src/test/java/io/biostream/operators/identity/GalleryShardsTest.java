package io.biostream.operators.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Subject-hash shards whose merged answers equal one gallery's, erasures included. */
class GalleryShardsTest {

    @Test
    void mergedShardAnswersEqualOneGallerysAnswers() {
        RandomDescriptors random = new RandomDescriptors(21);
        int shards = 4;
        List<Gallery> parts = new ArrayList<>();
        try (Gallery whole = new Gallery()) {
            for (int s = 0; s < shards; s++) {
                parts.add(new Gallery());
            }
            List<float[]> enrolled = new ArrayList<>();
            for (int i = 0; i < 6000; i++) {
                String subject = "subject-" + i / 3;
                float[] descriptor = random.next();
                enrolled.add(descriptor);
                whole.add(subject, "t" + i, descriptor);
                parts.get(GalleryShards.shardOf(subject, shards)).add(subject, "t" + i, descriptor);
            }
            for (int s = 0; s < 2000; s += 7) {
                String subject = "subject-" + s;
                assertThat(parts.get(GalleryShards.shardOf(subject, shards)).removeSubject(subject)).isEqualTo(3);
                whole.removeSubject(subject);
            }
            for (Gallery part : parts) {
                // Each shard holds a fair share (6,000 templates less the erased, over 4).
                assertThat(part.size()).isBetween(1100, 1700);
            }
            float[][] probes = new float[12][];
            for (int i = 0; i < probes.length; i++) {
                probes[i] = i % 2 == 0 ? random.next() : random.near(enrolled.get(i * 401), 0.03);
            }
            List<List<List<Candidate>>> answers = new ArrayList<>();
            for (Gallery part : parts) {
                answers.add(new GalleryMatcher(part).topK(probes, 5));
            }
            List<List<Candidate>> expected = new GalleryMatcher(whole).topK(probes, 5);
            for (int p = 0; p < probes.length; p++) {
                List<List<Candidate>> perShard = new ArrayList<>();
                for (List<List<Candidate>> answer : answers) {
                    perShard.add(answer.get(p));
                }
                assertThat(GalleryShards.merge(perShard, 5)).as("probe %d", p).containsExactlyElementsOf(expected.get(p));
            }
        } finally {
            parts.forEach(Gallery::close);
        }
    }

    @Test
    void shardsAreAFixedFunctionOfTheSubject() {
        assertThat(GalleryShards.shardOf("alice", 8)).isEqualTo(GalleryShards.shardOf(new String("alice"), 8));
        int[] counts = new int[8];
        for (int i = 0; i < 8000; i++) {
            counts[GalleryShards.shardOf("s" + i, 8)]++;
        }
        assertThat(java.util.Arrays.stream(counts).boxed().toList()).allSatisfy(n -> assertThat(n).isBetween(800, 1200));
        assertThat(GalleryShards.shardOf("anyone", 1)).isZero();
        assertThatThrownBy(() -> GalleryShards.shardOf("x", 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesASubjectAnsweredByTwoShards() {
        Candidate a = new Candidate("ada", "ada/0", 0.3);
        assertThatThrownBy(() -> GalleryShards.merge(List.of(List.of(a), List.of(new Candidate("ada", "ada/1", 0.4))), 3))
                .hasMessageContaining("ada");
        assertThat(GalleryShards.merge(List.of(List.of(a), List.of()), 3)).containsExactly(a);
    }
}
