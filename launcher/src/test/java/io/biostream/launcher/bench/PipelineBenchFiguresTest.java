package io.biostream.launcher.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The cold-start rate's arithmetic: results in a window after a moment, per second of the window. */
class PipelineBenchFiguresTest {
    private static final long S = 1_000_000_000L;

    @Test
    void resultsAreCountedInTheHalfOpenWindowAfterTheMoment() {
        long[] seen = {10 * S, 11 * S, 40 * S, 70 * S, 71 * S};
        // (10 s, 70 s]: 11, 40 and 70, not 10 itself, not 71.
        assertThat(PipelineBench.perSecond(seen, 10 * S, Duration.ofSeconds(60), 100 * S)).isCloseTo(3 / 60.0, within(1e-12));
        // Just before the first: all of the first minute, 10 to 40 (70 is 61 s after).
        assertThat(PipelineBench.perSecond(seen, 10 * S - 1, Duration.ofSeconds(60), 100 * S)).isCloseTo(3 / 60.0, within(1e-9));
    }

    @Test
    void aRunShorterThanTheWindowIsMeasuredOverWhatItHas() {
        long[] seen = {1 * S, 2 * S, 3 * S, 5 * S};
        assertThat(PipelineBench.perSecond(seen, 0, Duration.ofSeconds(60), 5 * S)).isCloseTo(4 / 5.0, within(1e-12));
        assertThat(PipelineBench.perSecond(seen, 5 * S, Duration.ofSeconds(60), 5 * S)).isNaN();
        assertThat(PipelineBench.perSecond(new long[0], 0, Duration.ofSeconds(60), 60 * S)).isZero();
    }
}
