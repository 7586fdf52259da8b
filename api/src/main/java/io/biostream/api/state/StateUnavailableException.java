package io.biostream.api.state;

/** The state could not be read now; the API answers 503. The message is safe to show to clients. */
public final class StateUnavailableException extends Exception {
    public enum Reason {
        /** The job runs but has not registered the state yet (still starting): retry soon. */
        NOT_READY,
        /** No job to read from: none configured, or the configured one is not running. */
        JOB_NOT_RUNNING,
        /** The state store (queryable-state proxy) did not accept a connection. */
        UNREACHABLE,
        /** The state store did not answer in time. */
        TIMEOUT,
        /** The state store answered with an error this client does not recognise. */
        FAILED
    }

    private final Reason reason;

    public StateUnavailableException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public StateUnavailableException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
