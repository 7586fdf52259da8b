package io.biostream.operators.crypto;

import java.security.GeneralSecurityException;
import java.time.Duration;

/**
 * A data key could not be looked up because its store is unavailable: unlike
 * {@link TemplateErasedException}, the template may open later.
 */
public final class DataKeyUnavailableException extends GeneralSecurityException {
    private final String keyId;
    private final Duration retryAfter;

    public DataKeyUnavailableException(String keyId, KeyStoreUnavailableException cause) {
        super("data key " + keyId + " cannot be looked up now: " + cause.getMessage(), cause);
        this.keyId = keyId;
        this.retryAfter = cause.retryAfter();
    }

    public String keyId() {
        return keyId;
    }

    public Duration retryAfter() {
        return retryAfter;
    }
}
