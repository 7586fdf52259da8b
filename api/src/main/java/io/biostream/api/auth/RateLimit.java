package io.biostream.api.auth;

/**
 * How many requests one caller (API key or JWT subject) may make: a token bucket refilled at
 * {@code requestsPerSecond} holding at most {@code burst} requests. A rate of 0 disables the limit.
 */
public record RateLimit(double requestsPerSecond, int burst) {
    public static final String RATE = "api.rate-limit.requests-per-second";
    public static final String BURST = "api.rate-limit.burst";
    private static final double MAX_RATE = 1_000_000;
    private static final int MAX_BURST = 1_000_000;

    public RateLimit {
        if (!(requestsPerSecond >= 0 && requestsPerSecond <= MAX_RATE)) {
            throw new IllegalArgumentException("invalid API configuration: " + RATE
                    + " must be between 0 (no limit) and " + (long) MAX_RATE + ", got " + requestsPerSecond);
        }
        if (requestsPerSecond > 0 ? burst < 1 || burst > MAX_BURST : burst < 0 || burst > MAX_BURST) {
            throw new IllegalArgumentException("invalid API configuration: " + BURST + " must be between 1 and "
                    + MAX_BURST + " when a rate is set, got " + burst);
        }
    }

    /** 50 requests per second sustained, bursts of 200: far above a dashboard, well below a flood. */
    public static RateLimit defaults() {
        return new RateLimit(50, 200);
    }

    public static RateLimit unlimited() {
        return new RateLimit(0, 0);
    }

    public boolean enabled() {
        return requestsPerSecond > 0;
    }
}
