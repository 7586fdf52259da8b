package io.biostream.api.auth;

import io.javalin.security.RouteRole;
import java.util.Arrays;
import java.util.Locale;

/**
 * What an API key may do, route by route (see the route table in ApiServer). Roles do not imply
 * each other: an admin key reads results only if it also has the analyst role.
 */
public enum Role implements RouteRole {
    /** Sends frames (ingest). */
    CAMERA,
    /** Reads results and searches. */
    ANALYST,
    /** Manages subjects and configuration. */
    ADMIN,
    /** Reads and verifies the audit trail. */
    AUDITOR,
    /** Reads the API's operational metrics (GET /metrics): no personal data, no results. */
    MONITOR;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Role parse(String text) {
        return Arrays.stream(values())
                .filter(r -> r.wireName().equals(text))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown role '" + text + "'; known: "
                        + Arrays.stream(values()).map(Role::wireName).toList()));
    }
}
