package io.biostream.api.auth;

import java.time.Instant;
import java.util.Set;

/** What is known about an API key apart from its secret: who it is for and what it may do. */
public record ApiKey(String id, String name, Set<Role> roles, Set<Permission> permissions, Instant created) {
    public ApiKey {
        roles = Set.copyOf(roles);
        permissions = Set.copyOf(permissions);
    }

    public boolean has(Role role) {
        return roles.contains(role);
    }

    public boolean has(Permission permission) {
        return permissions.contains(permission);
    }
}
