package io.biostream.operators.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.biostream.operators.identity.VerificationMetrics.BestAccuracy;
import io.biostream.operators.identity.VerificationMetrics.TarAtFar;
import java.util.Random;
import org.junit.jupiter.api.Test;

class VerificationMetricsTest {
    private static final double EPS = 1e-12;

    /**
     * Overlapping example worked by hand. Sorted: same 0.1 0.35 0.55; different 0.3 0.5 0.6 0.8.
     * (FAR, FRR) at each distance: 0.1 (0, 1), 0.3 (0, 2/3), 0.35 (1/4, 2/3), 0.5 (1/4, 1/3),
     * 0.55 (2/4, 1/3): they cross between 0.5 and 0.55.
     */
    private static final VerificationMetrics SMALL = VerificationMetrics.of(
            new double[] {0.35, 0.1, 0.55}, new double[] {0.8, 0.3, 0.6, 0.5});

    @Test
    void accuracyAtAThresholdCountsDistancesStrictlyBelowItAsSame() {
        // 0.6: all 3 same accepted, different 0.6 and 0.8 refused -> 5 of 7
        assertThat(SMALL.accuracyAt(0.6)).isCloseTo(5.0 / 7, within(EPS));
        // 0.4: same 0.1 0.35 accepted, different 0.5 0.6 0.8 refused -> 5 of 7
        assertThat(SMALL.accuracyAt(0.4)).isCloseTo(5.0 / 7, within(EPS));
        // 0.0: nothing accepted, only the 4 different pairs right
        assertThat(SMALL.accuracyAt(0.0)).isCloseTo(4.0 / 7, within(EPS));
        VerificationMetrics onTheThreshold = VerificationMetrics.of(new double[] {0.6}, new double[] {0.9});
        assertThat(onTheThreshold.accuracyAt(0.6)).isEqualTo(0.5);
        assertThat(onTheThreshold.falseRejectRate(0.6)).isEqualTo(1.0);
    }

    @Test
    void bestAccuracyIsTheFirstMaximumWithTheMiddleOfItsThresholdInterval() {
        // accuracies at 0.1 0.3 0.35 0.5 0.55 0.6 0.8 above: 4 5 4 5 4 5 4 3 (of 7); first 5/7 for t in (0.1, 0.3]
        BestAccuracy best = SMALL.bestAccuracy();
        assertThat(best.accuracy()).isCloseTo(5.0 / 7, within(EPS));
        assertThat(best.threshold()).isCloseTo(0.2, within(EPS));
        assertThat(SMALL.accuracyAt(best.threshold())).isEqualTo(best.accuracy());
    }

    @Test
    void aucIsTheShareOfSameDifferentCombinationsOrderedRight() {
        // different farther than same: 0.1 -> 4, 0.35 -> 3, 0.55 -> 2; 9 of 12
        assertThat(SMALL.auc()).isCloseTo(0.75, within(EPS));
        // a tie counts half: (0.5 vs 0.5) = 1/2, (0.5 vs 0.7) = 1
        assertThat(VerificationMetrics.of(new double[] {0.5}, new double[] {0.5, 0.7}).auc()).isCloseTo(0.75, within(EPS));
    }

    @Test
    void eerIsInterpolatedWhereTheRatesCross() {
        // from (1/4, 1/3) to (1/2, 1/3): FAR - FRR goes -1/12 -> 1/6, equal a third of the way: 1/4 + 1/3 * 1/4 = 1/3
        assertThat(SMALL.eer()).isCloseTo(1.0 / 3, within(EPS));
        // from (0, 1) at 0.4 (nothing accepted) to (1, 0) above 0.4 (everything): they meet halfway
        assertThat(VerificationMetrics.of(new double[] {0.4, 0.4}, new double[] {0.4}).eer()).isCloseTo(0.5, within(EPS));
    }

    @Test
    void tarAtFarAllowsFloorOfFarTimesDifferentPairsFalseAccepts() {
        TarAtFar quarter = SMALL.tarAtFar(0.25); // 1 false accept allowed: threshold 0.5 accepts 0.3 and same 0.1, 0.35
        assertThat(quarter.available()).isTrue();
        assertThat(quarter.allowedFalseAccepts()).isEqualTo(1);
        assertThat(quarter.threshold()).isEqualTo(0.5);
        assertThat(quarter.tar()).isCloseTo(2.0 / 3, within(EPS));
        assertThat(SMALL.falseAcceptRate(quarter.threshold())).isLessThanOrEqualTo(0.25);
        TarAtFar half = SMALL.tarAtFar(0.5); // 2 allowed: threshold 0.6 accepts all three same pairs
        assertThat(half.tar()).isEqualTo(1.0);
        assertThat(half.threshold()).isEqualTo(0.6);
    }

    @Test
    void tarAtFarIsNotAvailableWithFewerThanOneOverFarDifferentPairs() {
        assertThat(SMALL.tarAtFar(0.2).available()).as("4 different pairs < 1/0.2").isFalse();
        assertThat(SMALL.tarAtFar(0.2).tar()).isNaN();

        double[] different = new double[100];
        for (int i = 0; i < different.length; i++) {
            different[i] = 0.5 + i * 0.01;
        }
        VerificationMetrics hundred = VerificationMetrics.of(new double[] {0.2, 0.505, 0.52, 0.9}, different);
        TarAtFar one = hundred.tarAtFar(1e-2); // one false accept allowed: below different[1] = 0.51
        assertThat(one.available()).isTrue();
        assertThat(one.threshold()).isEqualTo(different[1]);
        assertThat(one.tar()).isEqualTo(0.5);
        assertThat(hundred.tarAtFar(1e-3).available()).as("100 different pairs < 1000").isFalse();
    }

    @Test
    void perfectSeparationGivesAucOneEerZeroAndFullAccuracy() {
        VerificationMetrics perfect = VerificationMetrics.of(new double[] {0.1, 0.2, 0.3}, new double[] {0.7, 0.8});
        assertThat(perfect.auc()).isEqualTo(1.0);
        assertThat(perfect.eer()).isEqualTo(0.0);
        assertThat(perfect.bestAccuracy()).isEqualTo(new BestAccuracy(1.0, 0.5));
        assertThat(perfect.tarAtFar(0.5).tar()).isEqualTo(1.0);

        VerificationMetrics reversed = VerificationMetrics.of(new double[] {0.7, 0.8}, new double[] {0.1, 0.2, 0.3});
        assertThat(reversed.auc()).isEqualTo(0.0);
        assertThat(reversed.eer()).isCloseTo(1.0, within(EPS));
    }

    @Test
    void identicalDistributionsGiveAucOneHalfAndEerOneHalf() {
        double[] values = {0.4, 0.1, 0.3, 0.2};
        VerificationMetrics same = VerificationMetrics.of(values, values);
        assertThat(same.auc()).isEqualTo(0.5);
        assertThat(same.eer()).isCloseTo(0.5, within(EPS));

        Random random = new Random(7);
        double[] a = new double[2000];
        double[] b = new double[3000];
        for (int i = 0; i < a.length; i++) {
            a[i] = random.nextInt(50) / 50.0; // many ties
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = random.nextInt(50) / 50.0;
        }
        VerificationMetrics drawn = VerificationMetrics.of(a, b);
        assertThat(drawn.auc()).isCloseTo(0.5, within(0.03));
        assertThat(drawn.eer()).isCloseTo(0.5, within(0.03));
        assertThat(drawn.auc()).isCloseTo(bruteForceAuc(a, b), within(EPS));
    }

    @Test
    void refusesMissingPairKindsAndNonFiniteDistances() {
        assertThatThrownBy(() -> VerificationMetrics.of(new double[0], new double[] {1})).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> VerificationMetrics.of(new double[] {Double.NaN}, new double[] {1}))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SMALL.tarAtFar(0)).isInstanceOf(IllegalArgumentException.class);
    }

    private static double bruteForceAuc(double[] same, double[] different) {
        double score = 0;
        for (double s : same) {
            for (double d : different) {
                score += d > s ? 1 : d == s ? 0.5 : 0;
            }
        }
        return score / ((double) same.length * different.length);
    }
}
