package io.biostream.operators.crypto;

/** The data key store did not confirm a write in time: the caller must not go on as if it had. */
public final class KeyStoreUnavailableException extends RuntimeException {
    public KeyStoreUnavailableException(String message) {
        super(message);
    }

    public KeyStoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
