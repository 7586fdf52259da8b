package io.biostream.launcher.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.biostream.launcher.eval.ScoreNormalisation.CohortStats;
import io.biostream.launcher.eval.ScoreNormalisation.Method;
import io.biostream.operators.identity.VerificationPairs;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Cohort score normalisation on one-dimensional "descriptors" (the Euclidean distance of [x] and [y]
 * is |x - y|), every figure worked out by hand in the comments.
 */
class ScoreNormalisationTest {
    private static final double EXACT = 1e-12;
    private static final Method S_NORM = new Method("s-norm", 0);

    private static float[] at(float x) {
        return new float[] {x};
    }

    @Test
    void statsAreTheMeanAndPopulationDeviationOfAllOrTheTopClosest() {
        // 1, 2, 3, 4: mean 2.5, variance (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25
        CohortStats all = ScoreNormalisation.stats(new double[] {4, 1, 3, 2}, 0);
        assertThat(all.mean()).isCloseTo(2.5, within(EXACT));
        assertThat(all.sd()).isCloseTo(Math.sqrt(1.25), within(EXACT));
        // the two smallest, 1 and 2: mean 1.5, deviation 0.5
        CohortStats top = ScoreNormalisation.stats(new double[] {4, 1, 3, 2}, 2);
        assertThat(top.mean()).isCloseTo(1.5, within(EXACT));
        assertThat(top.sd()).isCloseTo(0.5, within(EXACT));
        // a K beyond the cohort takes it all
        assertThat(ScoreNormalisation.stats(new double[] {4, 1, 3, 2}, 9)).isEqualTo(all);
        // 0.5 * ((1 - 2) / 0.5 + (1 - 3) / 1) = 0.5 * (-2 - 2)
        assertThat(ScoreNormalisation.normalise(1, new CohortStats(2, 0.5), new CohortStats(3, 1))).isCloseTo(-2, within(EXACT));
    }

    @Test
    void sNormWithACohortNormalisesEveryPairInThePairsOrder() {
        // set a1 = 0, a2 = 1, b1 = 4; cohort 2, 8
        // a1: 2, 8 -> mean 5, sd 3; a2: 1, 7 -> mean 4, sd 3; b1: 2, 4 -> mean 3, sd 1
        // (a1, a2) d 1: 0.5 * ((1 - 5) / 3 + (1 - 4) / 3) = -7/6
        // (a1, b1) d 4: 0.5 * ((4 - 5) / 3 + (4 - 3) / 1) = 1/3
        // (a2, b1) d 3: 0.5 * ((3 - 4) / 3 + (3 - 3) / 1) = -1/6
        VerificationPairs pairs = ScoreNormalisation.withCohort(List.of("a", "a", "b"), List.of(at(0), at(1), at(4)),
                List.of(at(2), at(8)), S_NORM);
        assertThat(pairs.sameDistances()).containsExactly(new double[] {-7.0 / 6}, within(EXACT));
        assertThat(pairs.differentDistances()).containsExactly(new double[] {1.0 / 3, -1.0 / 6}, within(EXACT));
    }

    @Test
    void asNormTakesEachFacesClosestCohortTemplatesOnly() {
        // cohort 2, 8, 20; K 2 keeps a1: 2, 8; a2: 1, 7; b1: 2, 4: the statistics of the test above
        VerificationPairs adaptive = ScoreNormalisation.withCohort(List.of("a", "a", "b"), List.of(at(0), at(1), at(4)),
                List.of(at(2), at(8), at(20)), new Method("as-norm", 2));
        assertThat(adaptive.sameDistances()).containsExactly(new double[] {-7.0 / 6}, within(EXACT));
        assertThat(adaptive.differentDistances()).containsExactly(new double[] {1.0 / 3, -1.0 / 6}, within(EXACT));
        // s-norm over all three: a1: 2, 8, 20 -> mean 10, sd sqrt(56); a2: 1, 7, 19 -> mean 9, sd sqrt(56)
        // (a1, a2) d 1: 0.5 * (-9 - 8) / sqrt(56)
        VerificationPairs whole = ScoreNormalisation.withCohort(List.of("a", "a", "b"), List.of(at(0), at(1), at(4)),
                List.of(at(2), at(8), at(20)), S_NORM);
        assertThat(whole.sameDistances()[0]).isCloseTo(-8.5 / Math.sqrt(56), within(EXACT));
    }

    @Test
    void leaveIdentitiesOutJudgesEachPairAgainstTheOtherIdentitiesOnly() {
        // a1 = 0, a2 = 2, b1 = 4, c1 = 8, c2 = 10, d1 = 15; as-norm K 2
        List<String> identities = List.of("a", "a", "b", "c", "c", "d");
        List<float[]> set = List.of(at(0), at(2), at(4), at(8), at(10), at(15));
        VerificationPairs pairs = ScoreNormalisation.leaveIdentitiesOut(identities, set, new Method("as-norm", 2));
        // (a1, a2) d 2, cohort b1 c1 c2 d1: a1 4, 8 -> mean 6, sd 2; a2 2, 6 -> mean 4, sd 2: 0.5 * (-2 - 1)
        // (c1, c2) d 2, cohort a1 a2 b1 d1: c1 4, 6 -> mean 5, sd 1; c2 5, 6 -> mean 5.5, sd 0.5: 0.5 * (-3 - 7)
        assertThat(pairs.sameDistances()).containsExactly(new double[] {-1.5, -5}, within(EXACT));
        // different pairs in order (a1 b1) (a1 c1) (a1 c2) (a1 d1) (a2 b1) (a2 c1) (a2 c2) (a2 d1) (b1 c1) ...
        // (a1, b1) d 4, cohort c1 c2 d1: a1 8, 10 -> mean 9, sd 1; b1 4, 6 -> mean 5, sd 1: 0.5 * (-5 - 1)
        // (b1, c1) d 4, cohort a1 a2 d1: b1 2, 4 -> mean 3, sd 1; c1 6, 7 -> mean 6.5, sd 0.5: 0.5 * (1 - 5)
        assertThat(pairs.differentDistances()).hasSize(13);
        assertThat(pairs.differentDistances()[0]).isCloseTo(-3, within(EXACT));
        assertThat(pairs.differentDistances()[8]).isCloseTo(-2, within(EXACT));
        // the pairs' cohorts: (a c) keeps b1 d1, (b d) and the same pairs keep 4 templates
        assertThat(ScoreNormalisation.leaveIdentitiesOutCohorts(identities)).containsExactly(2, 4);
    }

    @Test
    void aCohortWithoutSpreadAndBadMethodsAreRefused() {
        assertThatThrownBy(() -> ScoreNormalisation.stats(new double[] {0.4}, 0)).hasMessageContaining("need at least 2");
        assertThatThrownBy(() -> ScoreNormalisation.stats(new double[] {0.4, 0.4, 0.4}, 0)).hasMessageContaining("no spread");
        // b1 = 4 against cohort 2, 6: distances 2 and 2
        assertThatThrownBy(() -> ScoreNormalisation.withCohort(List.of("a", "b"), List.of(at(0), at(4)), List.of(at(2), at(6)), S_NORM))
                .hasMessageContaining("no spread");
        assertThatThrownBy(() -> new Method("z-norm", 0)).hasMessageContaining("must be one of [none, s-norm, as-norm]");
        assertThatThrownBy(() -> new Method("as-norm", 1)).hasMessageContaining("at least 2");
        assertThatThrownBy(() -> new Method("s-norm", 50)).hasMessageContaining("takes no top K");
        assertThatThrownBy(() -> ScoreNormalisation.withCohort(List.of("a"), List.of(at(0)), List.of(at(1), at(2)), Method.NONE))
                .hasMessageContaining("normalises nothing");
    }
}
