package io.biostream.operators.identity;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The pieces of a gallery sharded by subject across parallel matchers (docs/identity.md,
 * "Scaling past one instance"): which shard holds a subject, and the merge of the shards' answers
 * for one probe. Every template of a subject lives in the subject's shard, so each shard's top k
 * is already per subject and the shards' subjects are disjoint; merging their exact top-k lists
 * by (distance, subject id), the order {@link GalleryMatcher} sorts by, gives exactly the top k of
 * one gallery holding everything.
 */
public final class GalleryShards {
    private static final Comparator<Candidate> NEAREST_FIRST =
            Comparator.comparingDouble(Candidate::distance).thenComparing(Candidate::subjectId);

    private GalleryShards() {}

    /**
     * The shard of a subject, in [0, shards): a fixed function of the id (String.hashCode is
     * specified by the language, so every process routes enrolments, erasures and restarts alike),
     * mixed so that ids differing in their last character spread over the shards.
     */
    public static int shardOf(String subjectId, int shards) {
        if (shards < 1) {
            throw new IllegalArgumentException("shards must be at least 1, not " + shards);
        }
        int h = subjectId.hashCode() * 0x9E3779B9;
        return Math.floorMod(h ^ (h >>> 16), shards);
    }

    /**
     * The global top k of one probe from each shard's top k (each nearest first). Refuses a
     * subject listed by two shards: that would mean enrolments were routed inconsistently.
     */
    public static List<Candidate> merge(List<List<Candidate>> perShard, int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k must be at least 1, not " + k);
        }
        List<Candidate> all = new ArrayList<>();
        java.util.Set<String> subjects = new java.util.HashSet<>();
        for (List<Candidate> shard : perShard) {
            for (Candidate c : shard) {
                if (!subjects.add(c.subjectId())) {
                    throw new IllegalArgumentException("subject " + c.subjectId() + " answered by two shards");
                }
                all.add(c);
            }
        }
        all.sort(NEAREST_FIRST);
        return all.size() > k ? List.copyOf(all.subList(0, k)) : List.copyOf(all);
    }
}
