package io.biostream.operators.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class VerificationPairsTest {

    @Test
    void splitsEveryPairBySameIdentityWithEuclideanDistances() {
        // a: (0,0) (3,4); b: (0,1); c: (6,8)
        VerificationPairs pairs = VerificationPairs.of(List.of("a", "b", "a", "c"),
                List.of(new float[] {0, 0}, new float[] {0, 1}, new float[] {3, 4}, new float[] {6, 8}));
        assertThat(pairs.sameDistances()).containsExactly(5.0);
        // (a0,b) 1, (a0,c) 10, (b,a2) sqrt(18), (b,c) sqrt(85), (a2,c) 5
        assertThat(pairs.differentDistances()).containsExactly(1.0, 10.0, Math.sqrt(18), Math.sqrt(85), 5.0);
    }

    @Test
    void refusesMismatchedInputs() {
        assertThatThrownBy(() -> VerificationPairs.of(List.of("a"), List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> VerificationPairs.euclidean(new float[2], new float[3])).isInstanceOf(IllegalArgumentException.class);
    }
}
