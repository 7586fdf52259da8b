package io.biostream.operators;

import java.lang.management.ManagementFactory;

/**
 * Heap bytes the calling thread has allocated, for fuzz tests that refuse allocation proportional
 * to a forged length (a 4-byte length field must not cost gigabytes before it is refused).
 */
public final class HeapAllocations {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private HeapAllocations() {}

    /** Bytes allocated by the current thread since it started (monotonic). */
    public static long ofCurrentThread() {
        return THREADS.getCurrentThreadAllocatedBytes();
    }
}
