package io.biostream.api;

import io.biostream.api.auth.Access;
import io.biostream.api.auth.Role;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import io.javalin.security.RouteRole;
import io.javalin.websocket.WsConfig;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One endpoint of the API and who may call it: {@link Access#PUBLIC} (no key) or one or more
 * {@link Role}s. Every endpoint the server answers is one of these (see {@link RouteTable}). A
 * WebSocket endpoint is a {@code GET} route with {@code webSocket} handlers and no HTTP handler.
 */
public record Route(HandlerType method, String path, Handler handler, Set<RouteRole> access, Consumer<WsConfig> webSocket) {
    public Route {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        if ((handler == null) == (webSocket == null)) {
            throw new IllegalArgumentException(method + " " + path + " needs either an HTTP handler or WebSocket handlers");
        }
        if (webSocket != null && method != HandlerType.GET) {
            throw new IllegalArgumentException(method + " " + path + ": a WebSocket is opened with GET");
        }
        access = Set.copyOf(access);
        if (access.isEmpty()) {
            throw new IllegalArgumentException(method + " " + path + " needs a role or Access.PUBLIC");
        }
        if (access.contains(Access.PUBLIC) && access.size() > 1) {
            throw new IllegalArgumentException(method + " " + path + " is public or role-bound, not both");
        }
    }

    public Route(HandlerType method, String path, Handler handler, Set<RouteRole> access) {
        this(method, path, handler, access, null);
    }

    public boolean isWebSocket() {
        return webSocket != null;
    }

    public boolean isPublic() {
        return access.contains(Access.PUBLIC);
    }

    /** Whether a caller holding {@code role} may call this route. */
    public boolean allows(Role role) {
        return access.contains(role);
    }

    /** {@code GET /api/v1/cameras}: how the route is named in messages and docs. */
    public String name() {
        return method.name() + " " + path;
    }
}
