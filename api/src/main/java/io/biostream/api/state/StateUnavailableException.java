package io.biostream.api.state;

/** The state could not be read now; the API answers 503. The message is safe to show to clients. */
public final class StateUnavailableException extends Exception {
    public enum Reason {
        /**
         * The state has no known location: the job is starting or restarting, or is not running at
         * all (the queryable-state proxy cannot tell these apart). Retry soon.
         */
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
