package io.biostream.api.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.javalin.security.RouteRole;
import java.time.Instant;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AccessControlTest {

    @Test
    void readsTheBearerTokenWithAnyCaseOfTheScheme() {
        assertThat(AccessControl.bearerToken("Bearer abc")).hasValue("abc");
        assertThat(AccessControl.bearerToken("bearer  abc ")).hasValue("abc");
    }

    @Test
    void ignoresOtherSchemesAndEmptyOrOversizedHeaders() {
        assertThat(AccessControl.bearerToken(null)).isEmpty();
        assertThat(AccessControl.bearerToken("Bearer")).isEmpty();
        assertThat(AccessControl.bearerToken("Bearer   ")).isEmpty();
        assertThat(AccessControl.bearerToken("Basic YTpi")).isEmpty();
        assertThat(AccessControl.bearerToken("Bearer " + "a".repeat(5000))).isEmpty();
    }

    @Test
    void aKeyNeedsOneOfTheRouteRolesAndARouteWithoutRolesAdmitsNoKey() {
        ApiKey analyst = new ApiKey("0123456789abcdef", "a", Set.of(Role.ANALYST), Set.of(), Instant.EPOCH);
        ApiKey admin = new ApiKey("0123456789abcdee", "b", Set.of(Role.ADMIN), Set.of(Permission.DESCRIPTORS), Instant.EPOCH);
        Set<RouteRole> analystsOrAuditors = Set.of(Role.ANALYST, Role.AUDITOR);
        assertThat(AccessControl.allowed(analystsOrAuditors, analyst)).isTrue();
        assertThat(AccessControl.allowed(analystsOrAuditors, admin)).isFalse();
        assertThat(AccessControl.allowed(Set.of(), analyst)).isFalse();
        assertThat(AccessControl.allowed(Set.of(Access.PUBLIC), admin)).isFalse();
    }
}
