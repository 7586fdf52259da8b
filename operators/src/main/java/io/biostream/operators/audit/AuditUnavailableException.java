package io.biostream.operators.audit;

/** The audit trail cannot be written or read now (broker down, timeout, a corrupt tail). */
public final class AuditUnavailableException extends RuntimeException {
    public AuditUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    public AuditUnavailableException(String message) {
        super(message);
    }
}
