package io.biostream.api.auth;

import java.nio.file.Path;

/**
 * Bearer JWTs besides API keys: on when {@code jwksFile} is set. Tokens must be signed by a key
 * of that JWK set and carry this issuer and audience; both are then required, so a token minted
 * for another service is never accepted here.
 *
 * @param jwksFile the issuer's public keys as a JWK set (JSON), or null to accept API keys only
 */
public record JwtConfig(Path jwksFile, String issuer, String audience) {
    public static final String JWKS_FILE = "api.jwt.jwks-file";
    public static final String ISSUER = "api.jwt.issuer";
    public static final String AUDIENCE = "api.jwt.audience";

    public JwtConfig {
        if (jwksFile != null && (blank(issuer) || blank(audience))) {
            throw new IllegalArgumentException("invalid API configuration: " + JWKS_FILE + " is set, so "
                    + ISSUER + " and " + AUDIENCE + " are required");
        }
        if (jwksFile == null && (!blank(issuer) || !blank(audience))) {
            throw new IllegalArgumentException("invalid API configuration: " + ISSUER + " and " + AUDIENCE
                    + " need " + JWKS_FILE);
        }
    }

    public static JwtConfig off() {
        return new JwtConfig(null, null, null);
    }

    public boolean enabled() {
        return jwksFile != null;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
