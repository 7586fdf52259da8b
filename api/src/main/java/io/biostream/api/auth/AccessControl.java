package io.biostream.api.auth;

import io.biostream.api.ApiError;
import io.biostream.api.audit.DeniedRequestAudit;
import io.biostream.operators.audit.AuditActions;
import io.javalin.http.Context;
import io.javalin.security.RouteRole;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Authenticates the bearer key and checks the matched route's roles, before the route's handler
 * runs. A route marked {@link Access#PUBLIC} needs no key; any other route needs a key holding
 * one of its roles, and a route with no role at all is refused (fails closed). The bearer is an
 * API key ({@code bsk_...}) or, when configured, a JWT ({@link JwtVerifier}). An authenticated
 * caller over its rate limit is refused with 429. Every refusal is audited ({@link DeniedRequestAudit}).
 */
public final class AccessControl {
    private static final String CALLER = "biostream.caller";
    private static final String REALM = "Bearer realm=\"biostream\"";
    /** Room for a JWT with a few claims; longer headers are refused unread. */
    private static final int MAX_AUTHORIZATION = 4096;

    private final ApiKeyStore keys;
    private final JwtVerifier jwt;
    private final RateLimiter limiter;
    private final DeniedRequestAudit denials;

    /**
     * @param jwt verifies bearer tokens that are not API keys, or null to accept API keys only
     */
    public AccessControl(ApiKeyStore keys, JwtVerifier jwt, RateLimiter limiter, DeniedRequestAudit denials) {
        this.keys = keys;
        this.jwt = jwt;
        this.limiter = limiter;
        this.denials = denials;
    }

    /** API keys only, no rate limit. */
    public AccessControl(ApiKeyStore keys, DeniedRequestAudit denials) {
        this(keys, null, new RateLimiter(RateLimit.unlimited()), denials);
    }

    /** Javalin beforeMatched handler. */
    public void check(Context ctx) {
        Set<RouteRole> required = ctx.routeRoles();
        if (required.contains(Access.PUBLIC)) {
            return;
        }
        ApiKey caller;
        try {
            caller = authenticate(ctx.header("Authorization"));
        } catch (ApiError refused) {
            denials.denied(AuditActions.ACTOR_ANONYMOUS, ctx.method().name(), ctx.path(), refused.status(), refused.code());
            throw refused;
        }
        if (!allowed(required, caller)) {
            ApiError refused = new ApiError(403, "forbidden", "this API key may not use this route");
            denials.denied(caller.id(), ctx.method().name(), ctx.path(), refused.status(), refused.code());
            throw refused;
        }
        long retryAfter = limiter.acquire(caller.id());
        if (retryAfter > 0) {
            ApiError refused = new ApiError(429, "rate_limited", "too many requests for this API key; retry after "
                    + retryAfter + " s", Map.of("Retry-After", Long.toString(retryAfter)));
            denials.denied(caller.id(), ctx.method().name(), ctx.path(), refused.status(), refused.code());
            throw refused;
        }
        ctx.attribute(CALLER, caller);
    }

    /** Whether the key holds one of the route's roles; a route without roles allows no key. */
    static boolean allowed(Set<RouteRole> required, ApiKey caller) {
        return required.stream().anyMatch(r -> r instanceof Role role && caller.has(role));
    }

    /** The authenticated key of the current request (set by {@link #check}). */
    public static ApiKey caller(Context ctx) {
        ApiKey caller = ctx.attribute(CALLER);
        if (caller == null) {
            throw new IllegalStateException("no authenticated caller on a protected route");
        }
        return caller;
    }

    /** The authenticated key's id for access logs, if the request got that far. */
    public static Optional<String> callerId(Context ctx) {
        ApiKey caller = ctx.attribute(CALLER);
        return Optional.ofNullable(caller).map(ApiKey::id);
    }

    ApiKey authenticate(String authorization) {
        Optional<String> token = bearerToken(authorization);
        if (token.isEmpty()) {
            throw new ApiError(401, "unauthorized", "an API key is required: Authorization: Bearer <key>",
                    Map.of("WWW-Authenticate", REALM));
        }
        String bearer = token.get();
        Optional<ApiKey> caller = bearer.startsWith(ApiKeyStore.PREFIX) || jwt == null
                ? keys.authenticate(bearer)
                : jwt.verify(bearer);
        return caller.orElseThrow(() -> new ApiError(401, "unauthorized",
                "the API key or token is not valid", Map.of("WWW-Authenticate", REALM + ", error=\"invalid_token\"")));
    }

    /** The token of an {@code Authorization: Bearer <token>} header (scheme case-insensitive). */
    static Optional<String> bearerToken(String authorization) {
        if (authorization == null || authorization.length() > MAX_AUTHORIZATION) {
            return Optional.empty();
        }
        String trimmed = authorization.trim();
        int space = trimmed.indexOf(' ');
        if (space < 0 || !trimmed.substring(0, space).equalsIgnoreCase("Bearer")) {
            return Optional.empty();
        }
        String token = trimmed.substring(space + 1).trim();
        return token.isEmpty() ? Optional.empty() : Optional.of(token);
    }
}
