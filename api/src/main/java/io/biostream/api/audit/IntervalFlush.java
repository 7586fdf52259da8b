package io.biostream.api.audit;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Runs a flush every interval on a daemon thread of its own, and once more, last, on close. */
final class IntervalFlush implements AutoCloseable {
    private final Runnable flush;
    private final ScheduledExecutorService timer;
    private boolean closed;

    /** @param interval null: no timer, the flush runs on close only (and whenever its owner calls it) */
    IntervalFlush(String threadName, Duration interval, Runnable flush) {
        this.flush = Objects.requireNonNull(flush, "flush");
        if (interval == null) {
            this.timer = null;
        } else {
            this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, threadName);
                t.setDaemon(true);
                return t;
            });
            timer.scheduleAtFixedRate(flush, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        if (timer != null) {
            timer.shutdownNow();
        }
        flush.run();
    }
}
