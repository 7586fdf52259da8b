package io.biostream.api.auth;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A token bucket per caller id. Each bucket starts full ({@code burst} tokens), refills at the
 * configured rate and pays one token per request; an empty bucket answers how long to wait.
 * The clock is injected (nanoseconds, monotonic) so the arithmetic is tested without sleeping.
 */
public final class RateLimiter {
    /** Above this many callers, full (idle) buckets are dropped: a full bucket is what a new one is. */
    static final int MAX_BUCKETS = 100_000;

    private final RateLimit limit;
    private final LongSupplier nanoTime;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    public RateLimiter(RateLimit limit, LongSupplier nanoTime) {
        this.limit = Objects.requireNonNull(limit, "limit");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    }

    public RateLimiter(RateLimit limit) {
        this(limit, System::nanoTime);
    }

    /**
     * Takes one request from {@code callerId}'s bucket.
     *
     * @return 0 when the request may go ahead, else the whole seconds (at least 1) after which
     *         the next one will (the Retry-After value)
     */
    public long acquire(String callerId) {
        if (!limit.enabled()) {
            return 0;
        }
        long now = nanoTime.getAsLong();
        if (buckets.size() >= MAX_BUCKETS) {
            buckets.values().removeIf(b -> b.isFull(now));
        }
        Bucket bucket = buckets.computeIfAbsent(callerId, id -> new Bucket(limit.burst(), now));
        return bucket.take(now);
    }

    int bucketCount() {
        return buckets.size();
    }

    private final class Bucket {
        private double tokens;
        private long refilledAt;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.refilledAt = now;
        }

        synchronized long take(long now) {
            refill(now);
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            double seconds = (1 - tokens) / limit.requestsPerSecond();
            return Math.max(1, (long) Math.ceil(seconds));
        }

        synchronized boolean isFull(long now) {
            refill(now);
            return tokens >= limit.burst();
        }

        private void refill(long now) {
            long elapsed = now - refilledAt;
            if (elapsed > 0) {
                tokens = Math.min(limit.burst(), tokens + elapsed / 1e9 * limit.requestsPerSecond());
                refilledAt = now;
            }
        }
    }
}
