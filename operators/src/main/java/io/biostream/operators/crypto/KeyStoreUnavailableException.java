package io.biostream.operators.crypto;

import java.time.Duration;

/**
 * The data key store could not confirm a write or answer a lookup in time: the caller must not go
 * on as if it had. {@link #retryAfter} is how long the store answers this at once without trying.
 */
public final class KeyStoreUnavailableException extends RuntimeException {
    private static final Duration DEFAULT_RETRY = Duration.ofSeconds(1);
    private final Duration retryAfter;

    public KeyStoreUnavailableException(String message) {
        this(message, null, DEFAULT_RETRY);
    }

    public KeyStoreUnavailableException(String message, Throwable cause) {
        this(message, cause, DEFAULT_RETRY);
    }

    public KeyStoreUnavailableException(String message, Throwable cause, Duration retryAfter) {
        super(message, cause);
        this.retryAfter = retryAfter;
    }

    /** When to try again (at least a second). */
    public Duration retryAfter() {
        return retryAfter.compareTo(DEFAULT_RETRY) < 0 ? DEFAULT_RETRY : retryAfter;
    }
}
