package io.biostream.api;

import io.biostream.api.state.StateUnavailableException;
import io.biostream.operators.audit.AuditUnavailableException;
import io.biostream.operators.crypto.KeyStoreUnavailableException;
import io.biostream.operators.identity.ControlUnavailableException;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Turns every failure into a JSON error body {@code {"error": code, "message": ...}} with its status. */
final class ErrorHandlers {
    private static final Logger LOG = LoggerFactory.getLogger(ErrorHandlers.class);

    private ErrorHandlers() {}

    static void register(RoutesConfig routes) {
        routes.exception(ApiError.class, ErrorHandlers::apiError);
        routes.exception(StateUnavailableException.class, ErrorHandlers::stateUnavailable);
        routes.exception(AuditUnavailableException.class, ErrorHandlers::auditUnavailable);
        routes.exception(ControlUnavailableException.class, ErrorHandlers::controlUnavailable);
        routes.exception(KeyStoreUnavailableException.class, ErrorHandlers::keysUnavailable);
        routes.exception(HttpResponseException.class, ErrorHandlers::javalinResponse);
        routes.exception(Exception.class, ErrorHandlers::unexpected);
    }

    static void apiError(ApiError e, Context ctx) {
        e.headers().forEach(ctx::header);
        ctx.status(e.status()).json(e.body());
    }

    static void stateUnavailable(StateUnavailableException e, Context ctx) {
        String code = switch (e.reason()) {
            case NOT_READY -> "state_not_ready";
            case JOB_NOT_RUNNING -> "job_not_running";
            case UNREACHABLE -> "state_unreachable";
            case TIMEOUT -> "state_timeout";
            case FAILED -> "state_failed";
        };
        ctx.header("Retry-After", "1");
        ctx.status(503).json(new ApiError.Body(code, e.getMessage()));
    }

    /** The audit trail cannot be written or read: audited data is not served meanwhile. */
    static void auditUnavailable(AuditUnavailableException e, Context ctx) {
        LOG.error("audit trail unavailable on {} {}: {}", ctx.method(), ctx.path(), e.getMessage());
        ctx.header("Retry-After", "1");
        ctx.status(503).json(new ApiError.Body("audit_unavailable",
                "the audit trail is unavailable; audited data is not served until it is back"));
    }

    /** A change could not be published to the control topic, or was not read back in time. */
    static void controlUnavailable(ControlUnavailableException e, Context ctx) {
        LOG.error("control topic unavailable on {} {}: {}", ctx.method(), ctx.path(), e.getMessage());
        ctx.header("Retry-After", "1");
        ctx.status(503).json(new ApiError.Body("control_unavailable",
                "the change could not be confirmed by the control topic; check its state before retrying"));
    }

    /** The data key store cannot answer now (keys topic down): the request is refused at once, not held. */
    static void keysUnavailable(KeyStoreUnavailableException e, Context ctx) {
        LOG.error("data key store unavailable on {} {}: {}", ctx.method(), ctx.path(), e.getMessage());
        ctx.header("Retry-After", Long.toString(e.retryAfter().toSeconds()));
        ctx.status(503).json(new ApiError.Body("keys_unavailable",
                "the data key store is unavailable; templates are not served until it is back"));
    }

    /** Javalin's own responses: no route (404), wrong method (405), body too large (413), ... */
    static void javalinResponse(HttpResponseException e, Context ctx) {
        int status = e.getStatus();
        String code = switch (status) {
            case 400 -> "bad_request";
            case 404 -> "not_found";
            case 405 -> "method_not_allowed";
            case 413 -> "body_too_large";
            default -> status >= 500 ? "internal_error" : "http_" + status;
        };
        String message = switch (status) {
            case 404 -> "no such route";
            case 413 -> "the request body is too large";
            default -> e.getMessage() == null ? code : e.getMessage();
        };
        ctx.status(status).json(new ApiError.Body(code, message));
    }

    /** A bug or an unexpected state: logged here with its trace, told to the client without one. */
    static void unexpected(Exception e, Context ctx) {
        LOG.error("unhandled error on {} {}", ctx.method(), ctx.path(), e);
        ctx.status(500).json(new ApiError.Body("internal_error", "internal error"));
    }
}
