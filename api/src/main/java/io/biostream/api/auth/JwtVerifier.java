package io.biostream.api.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.jwt.JwkSetConverter;
import com.google.crypto.tink.jwt.JwtPublicKeyVerify;
import com.google.crypto.tink.jwt.JwtSignatureConfig;
import com.google.crypto.tink.jwt.JwtValidator;
import com.google.crypto.tink.jwt.VerifiedJwt;
import io.biostream.operators.audit.AuditEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies bearer JWTs with Tink against the issuer's JWK set: signature, expiry (required),
 * issuer and audience. The caller is {@code jwt:<sub>} with the roles of the token's
 * {@code roles} claim (an array of role names; an unknown name refuses the token, so a typo
 * grants nothing) and the permissions of its optional {@code permissions} claim.
 */
public final class JwtVerifier {
    public static final String ACTOR_PREFIX = "jwt:";
    private static final Logger LOG = LoggerFactory.getLogger(JwtVerifier.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CLOCK_SKEW = Duration.ofSeconds(30);
    /**
     * The longest {@code sub} accepted: the caller's id, {@code jwt:<sub>}, is the actor of every
     * change it makes and must fit the audit trail's actor field, or the change could not be audited.
     */
    public static final int MAX_SUBJECT = AuditEntry.MAX_ACTOR - ACTOR_PREFIX.length();
    private static final Pattern SUBJECT = Pattern.compile("[\\x21-\\x7e]{1," + MAX_SUBJECT + "}");

    private final JwtPublicKeyVerify verify;
    private final JwtValidator validator;

    JwtVerifier(KeysetHandle publicKeys, String issuer, String audience, Clock clock) throws GeneralSecurityException {
        JwtSignatureConfig.register();
        this.verify = publicKeys.getPrimitive(RegistryConfiguration.get(), JwtPublicKeyVerify.class);
        this.validator = JwtValidator.newBuilder()
                .expectIssuer(issuer)
                .expectAudience(audience)
                .setClock(clock)
                .setClockSkew(CLOCK_SKEW)
                .build();
    }

    /** A verifier for the JWK set in {@code config.jwksFile()}; fails at start on a missing or bad file. */
    public static JwtVerifier open(JwtConfig config, Clock clock) throws IOException {
        Path file = config.jwksFile();
        if (!Files.isRegularFile(file)) {
            throw new IOException("JWK set not found: " + file + " (" + JwtConfig.JWKS_FILE + ")");
        }
        try {
            JwtSignatureConfig.register();
            KeysetHandle keys = JwkSetConverter.toPublicKeysetHandle(Files.readString(file, StandardCharsets.UTF_8));
            return new JwtVerifier(keys, config.issuer(), config.audience(), clock);
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IOException("JWK set " + file + " is not usable: " + e.getMessage(), e);
        }
    }

    /** The caller the token names, when it verifies and names only known roles; never throws for a bad token. */
    public Optional<ApiKey> verify(String token) {
        try {
            VerifiedJwt jwt = verify.verifyAndDecode(token, validator);
            if (!jwt.hasSubject() || !SUBJECT.matcher(jwt.getSubject()).matches()) {
                return Optional.empty();
            }
            Set<Role> roles = names(jwt, "roles", Role::parse, EnumSet.noneOf(Role.class));
            if (roles.isEmpty()) {
                return Optional.empty();
            }
            Set<Permission> permissions = names(jwt, "permissions", Permission::parse, EnumSet.noneOf(Permission.class));
            Instant issued = jwt.hasIssuedAt() ? jwt.getIssuedAt() : Instant.EPOCH;
            return Optional.of(new ApiKey(ACTOR_PREFIX + jwt.getSubject(), jwt.getSubject(), roles, permissions, issued));
        } catch (GeneralSecurityException | IOException | IllegalArgumentException e) {
            // The reason helps an operator; the token itself is never logged.
            LOG.debug("JWT refused: {}", e.getMessage());
            return Optional.empty();
        }
    }

    /** The claim's array of names parsed; an absent claim is empty; a non-array or unknown name throws. */
    private static <T> Set<T> names(VerifiedJwt jwt, String claim, Function<String, T> parse, Set<T> into)
            throws GeneralSecurityException, IOException {
        if (!jwt.hasJsonArrayClaim(claim)) {
            if (jwt.customClaimNames().contains(claim)) {
                throw new IllegalArgumentException("claim " + claim + " is not an array");
            }
            return into;
        }
        JsonNode array = JSON.readTree(jwt.getJsonArrayClaim(claim));
        for (JsonNode name : array) {
            if (!name.isTextual()) {
                throw new IllegalArgumentException("claim " + claim + " holds a non-string");
            }
            into.add(parse.apply(name.asText()));
        }
        return into;
    }
}
