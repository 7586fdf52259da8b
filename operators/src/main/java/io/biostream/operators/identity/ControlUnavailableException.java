package io.biostream.operators.identity;

/** A control event could not be published, or was not applied in time (broker down, timeout). */
public final class ControlUnavailableException extends RuntimeException {
    public ControlUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    public ControlUnavailableException(String message) {
        super(message);
    }
}
