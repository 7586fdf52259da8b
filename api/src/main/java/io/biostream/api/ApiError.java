package io.biostream.api;

import java.util.Map;

/**
 * A failure the client is told about: HTTP status, a stable machine-readable code and a message
 * safe to show (never a secret, a descriptor or a stack trace).
 */
public final class ApiError extends RuntimeException {
    private final int status;
    private final String code;
    private final Map<String, String> headers;

    public ApiError(int status, String code, String message) {
        this(status, code, message, Map.of());
    }

    public ApiError(int status, String code, String message, Map<String, String> headers) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.headers = Map.copyOf(headers);
    }

    public static ApiError badRequest(String code, String message) {
        return new ApiError(400, code, message);
    }

    public static ApiError notFound(String code, String message) {
        return new ApiError(404, code, message);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public Map<String, String> headers() {
        return headers;
    }

    /** The JSON body of every error response. */
    public record Body(String error, String message) {}

    public Body body() {
        return new Body(code, getMessage());
    }
}
