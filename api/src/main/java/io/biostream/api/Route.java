package io.biostream.api;

import io.biostream.api.auth.Access;
import io.biostream.api.auth.Role;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import io.javalin.security.RouteRole;
import java.util.Objects;
import java.util.Set;

/**
 * One endpoint of the API and who may call it: {@link Access#PUBLIC} (no key) or one or more
 * {@link Role}s. Every endpoint the server answers is one of these (see {@link RouteTable}).
 */
public record Route(HandlerType method, String path, Handler handler, Set<RouteRole> access) {
    public Route {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(handler, "handler");
        access = Set.copyOf(access);
        if (access.isEmpty()) {
            throw new IllegalArgumentException(method + " " + path + " needs a role or Access.PUBLIC");
        }
        if (access.contains(Access.PUBLIC) && access.size() > 1) {
            throw new IllegalArgumentException(method + " " + path + " is public or role-bound, not both");
        }
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
