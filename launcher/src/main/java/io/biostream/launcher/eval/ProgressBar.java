package io.biostream.launcher.eval;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A one-line progress bar on a terminal stream, redrawn in place with a carriage return, at most
 * once per {@code minRedrawNanos} (and always for the last step) so a fast loop does not flood
 * the terminal. Notes print on their own line without breaking the bar.
 */
public final class ProgressBar {
    private static final int WIDTH = 30;

    private final PrintStream out;
    private final String label;
    private final int total;
    private final LongSupplier nanoClock;
    private final long minRedrawNanos;
    private final long startNanos;
    private int done;
    private long lastDrawNanos;
    private boolean drawn;

    public ProgressBar(PrintStream out, String label, int total, LongSupplier nanoClock, long minRedrawNanos) {
        this.out = out;
        this.label = label;
        this.total = total;
        this.nanoClock = nanoClock;
        this.minRedrawNanos = minRedrawNanos;
        this.startNanos = nanoClock.getAsLong();
    }

    /** Redraws at most five times a second on the system clock. */
    public static ProgressBar onTerminal(PrintStream out, String label, int total) {
        return new ProgressBar(out, label, total, System::nanoTime, 200_000_000L);
    }

    public void step() {
        done++;
        long now = nanoClock.getAsLong();
        if (done >= total || !drawn || now - lastDrawNanos >= minRedrawNanos) {
            draw(now);
        }
    }

    /** A message line (e.g. a skipped file) above the bar. */
    public void note(String message) {
        if (drawn) {
            out.print("\r" + " ".repeat(WIDTH + label.length() + 40) + "\r");
        }
        out.println(message);
        if (drawn) {
            draw(nanoClock.getAsLong());
        }
    }

    /** Ends the bar's line. */
    public void finish() {
        if (drawn) {
            out.println();
        }
    }

    private void draw(long now) {
        double seconds = (now - startNanos) / 1e9;
        out.print("\r" + render(label, done, total, seconds > 0 ? done / seconds : 0));
        out.flush();
        lastDrawNanos = now;
        drawn = true;
    }

    static String render(String label, int done, int total, double perSecond) {
        int filled = total == 0 ? WIDTH : (int) ((long) WIDTH * done / total);
        return String.format(Locale.ROOT, "%s [%s%s] %d/%d  %.1f images/s", label, "#".repeat(filled),
                "-".repeat(WIDTH - filled), done, total, perSecond);
    }
}
