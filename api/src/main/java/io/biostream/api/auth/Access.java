package io.biostream.api.auth;

import io.javalin.security.RouteRole;

/**
 * Route markers besides roles. A route must carry either a {@link Role} or {@link #PUBLIC};
 * a route with neither is refused to everyone, so a forgotten role fails closed.
 */
public enum Access implements RouteRole {
    /** No API key needed (health checks). */
    PUBLIC
}
