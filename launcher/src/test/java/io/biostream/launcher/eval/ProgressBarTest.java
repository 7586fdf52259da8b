package io.biostream.launcher.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressBarTest {

    @Test
    void rendersTheShareDoneAndTheRate() {
        assertThat(ProgressBar.render("eval", 15, 30, 2.25))
                .isEqualTo("eval [###############---------------] 15/30  2.3 images/s");
        assertThat(ProgressBar.render("eval", 0, 0, 0)).startsWith("eval [" + "#".repeat(30) + "]");
    }

    @Test
    void redrawsAtMostOncePerIntervalAndAlwaysAtTheEnd() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        AtomicLong clock = new AtomicLong();
        ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), "eval", 1000, clock::get, 100);
        for (int i = 0; i < 1000; i++) {
            clock.addAndGet(1); // 1000 steps over 1000 ns: at most one redraw per 100 ns
            bar.step();
        }
        bar.finish();
        String out = bytes.toString(StandardCharsets.UTF_8);
        long draws = out.chars().filter(c -> c == '\r').count();
        assertThat(draws).isBetween(2L, 12L);
        assertThat(out).contains("1000/1000").endsWith("\n");
    }

    @Test
    void notesGoOnTheirOwnLineAndTheBarComesBack() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), "eval", 2, () -> 0L, 100);
        bar.step();
        bar.note("skipped x");
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertThat(out).contains("\rskipped x\n").endsWith("1/2  0.0 images/s");
    }
}
