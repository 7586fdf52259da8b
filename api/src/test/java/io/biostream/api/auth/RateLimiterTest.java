package io.biostream.api.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The token bucket on an injected clock: no sleeping, no timing. */
class RateLimiterTest {
    private static final long SECOND = 1_000_000_000L;
    private final AtomicLong now = new AtomicLong(42 * SECOND);

    @Test
    void aFullBucketAdmitsTheBurstThenAsksToWait() {
        RateLimiter limiter = new RateLimiter(new RateLimit(2, 5), now::get);
        for (int i = 0; i < 5; i++) {
            assertThat(limiter.acquire("k1")).as("request %d", i).isZero();
        }
        assertThat(limiter.acquire("k1")).isEqualTo(1); // half a second at 2/s, rounded up to whole seconds
        assertThat(limiter.acquire("k2")).as("another key has its own bucket").isZero();
    }

    @Test
    void tokensComeBackAtTheRateUpToTheBurst() {
        RateLimiter limiter = new RateLimiter(new RateLimit(2, 3), now::get);
        for (int i = 0; i < 3; i++) {
            limiter.acquire("k");
        }
        assertThat(limiter.acquire("k")).isPositive();
        now.addAndGet(SECOND / 2);
        assertThat(limiter.acquire("k")).as("one token after half a second").isZero();
        assertThat(limiter.acquire("k")).isPositive();
        now.addAndGet(3600 * SECOND);
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.acquire("k")).as("refilled to the burst, not beyond").isZero();
        }
        assertThat(limiter.acquire("k")).isPositive();
    }

    @Test
    void retryAfterIsTheTimeUntilTheNextToken() {
        RateLimiter limiter = new RateLimiter(new RateLimit(0.1, 1), now::get);
        assertThat(limiter.acquire("slow")).isZero();
        assertThat(limiter.acquire("slow")).isEqualTo(10);
        now.addAndGet(4 * SECOND);
        assertThat(limiter.acquire("slow")).isEqualTo(6);
    }

    @Test
    void aRateOfZeroIsNoLimit() {
        RateLimiter limiter = new RateLimiter(RateLimit.unlimited(), now::get);
        for (int i = 0; i < 10_000; i++) {
            assertThat(limiter.acquire("k")).isZero();
        }
        assertThat(limiter.bucketCount()).isZero();
    }

    @Test
    void idleBucketsAreDroppedWhenThereAreTooMany() {
        RateLimiter limiter = new RateLimiter(new RateLimit(1, 1), now::get);
        for (int i = 0; i < RateLimiter.MAX_BUCKETS; i++) {
            limiter.acquire("caller-" + i);
        }
        now.addAndGet(SECOND);
        limiter.acquire("one more");
        assertThat(limiter.bucketCount()).isEqualTo(1);
    }

    @Test
    void limitsAreValidated() {
        assertThatThrownBy(() -> new RateLimit(-1, 5)).hasMessageContaining(RateLimit.RATE);
        assertThatThrownBy(() -> new RateLimit(Double.NaN, 5)).hasMessageContaining(RateLimit.RATE);
        assertThatThrownBy(() -> new RateLimit(10, 0)).hasMessageContaining(RateLimit.BURST);
        assertThat(new RateLimit(0, 0).enabled()).isFalse();
        assertThat(RateLimit.defaults().enabled()).isTrue();
    }
}
