package io.biostream.operators.decode;

import io.biostream.schemas.DeadLetterReason;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The decode memory a process may spend at once, in bytes: every decode takes a permit for its
 * estimated peak ({@link #peakBytes}) before OpenCV allocates anything, and keeps it while the
 * decoded image is in use. A decode that needs more than the whole budget is refused at once; one
 * that cannot get its share within the wait is refused as busy. So concurrent large frames (many
 * cameras, API uploads) queue or are refused instead of exhausting the heap.
 */
public final class DecodeBudget {
    /**
     * Estimated peak bytes per decoded pixel: while decoding, OpenCV's 8-bit BGR matrix (3,
     * native) plus the decoder's working memory (a progressive JPEG's coefficients, up to 6);
     * after it, the BGR matrix and the 8-bit RGB image the nets read (3, heap), the converted
     * strip aside. The larger of the two, with a byte to spare.
     */
    public static final long BYTES_PER_PIXEL = 10;
    private static final Map<Sizing, DecodeBudget> SHARED = new ConcurrentHashMap<>();

    private record Sizing(long capacityBytes, Duration maxWait) {}

    private final long capacityBytes;
    private final Duration maxWait;
    private final ReentrantLock lock = new ReentrantLock(true);
    private final Condition released = lock.newCondition();
    private long inUse;

    public DecodeBudget(long capacityBytes, Duration maxWait) {
        if (capacityBytes <= 0 || maxWait.isNegative()) {
            throw new IllegalArgumentException("decode budget " + capacityBytes + " bytes, wait " + maxWait);
        }
        this.capacityBytes = capacityBytes;
        this.maxWait = maxWait;
    }

    /** The process-wide budget of these limits: the job's subtasks and the API in one JVM share it. */
    public static DecodeBudget shared(DecodeLimits limits) {
        Sizing sizing = new Sizing(limits.effectiveBudgetBytes(), limits.budgetWait());
        return SHARED.computeIfAbsent(sizing, s -> new DecodeBudget(s.capacityBytes(), s.maxWait()));
    }

    /** Estimated peak memory of decoding a {@code width} x {@code height} image (long math: no overflow). */
    public static long peakBytes(int width, int height) {
        return (long) width * height * BYTES_PER_PIXEL;
    }

    public long capacityBytes() {
        return capacityBytes;
    }

    /** Bytes held by permits now. */
    public long inUse() {
        lock.lock();
        try {
            return inUse;
        } finally {
            lock.unlock();
        }
    }

    /**
     * A permit for {@code bytes}, waiting up to the budget's wait for other decodes to finish.
     *
     * @throws DecodeBudgetException over budget (never fits), or busy (did not fit in time)
     */
    public Permit acquire(long bytes, String what) throws DecodeBudgetException {
        if (bytes > capacityBytes) {
            throw new DecodeBudgetException(false, what + " needs about " + mib(bytes) + " MiB to decode, more than the whole decode budget of "
                    + mib(capacityBytes) + " MiB (biostream.decode.budget-bytes)");
        }
        long deadline = System.nanoTime() + maxWait.toNanos();
        lock.lock();
        try {
            while (inUse + bytes > capacityBytes) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new DecodeBudgetException(true, what + " needs about " + mib(bytes) + " MiB to decode; the decode budget ("
                            + mib(capacityBytes) + " MiB) stayed busy with other images for " + maxWait.toMillis() + " ms");
                }
                released.awaitNanos(left);
            }
            inUse += bytes;
            return new Permit(bytes);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DecodeBudgetException(true, what + ": interrupted while waiting for the decode budget");
        } finally {
            lock.unlock();
        }
    }

    private void release(long bytes) {
        lock.lock();
        try {
            inUse -= bytes;
            released.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private static long mib(long bytes) {
        return (bytes + (1 << 20) - 1) >> 20;
    }

    /** A share of the budget; closing it (once) gives it back. */
    public final class Permit implements AutoCloseable {
        private final long bytes;
        private boolean closed;

        private Permit(long bytes) {
            this.bytes = bytes;
        }

        public long bytes() {
            return bytes;
        }

        @Override
        public synchronized void close() {
            if (!closed) {
                closed = true;
                release(bytes);
            }
        }
    }

    /**
     * A decode refused for its memory: over the whole budget (DIMENSIONS_TOO_LARGE: it never fits),
     * or busy (PROCESSING_ERROR: the budget did not free up within the wait).
     */
    public static final class DecodeBudgetException extends FrameRejectedException {
        private final boolean busy;

        DecodeBudgetException(boolean busy, String message) {
            super(busy ? DeadLetterReason.PROCESSING_ERROR : DeadLetterReason.DIMENSIONS_TOO_LARGE, message);
            this.busy = busy;
        }

        /** True when the image fits the budget but other decodes held it: worth a retry. */
        public boolean busy() {
            return busy;
        }
    }
}
