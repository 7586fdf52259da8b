package io.biostream.api.auth;

import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.jwt.JwkSetConverter;
import com.google.crypto.tink.jwt.JwtEcdsaParameters;
import com.google.crypto.tink.jwt.JwtPublicKeySign;
import com.google.crypto.tink.jwt.JwtSignatureConfig;
import com.google.crypto.tink.jwt.RawJwt;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.stream.Collectors;

/** A real ES256 token issuer for tests: a Tink keypair, its public half as a JWK set file. */
public final class TestTokenIssuer {
    public static final String ISSUER = "https://issuer.biostream.test";
    public static final String AUDIENCE = "biostream-api";

    private final JwtPublicKeySign signer;
    private final KeysetHandle keys;

    public TestTokenIssuer() throws Exception {
        JwtSignatureConfig.register();
        keys = KeysetHandle.generateNew(JwtEcdsaParameters.builder()
                .setAlgorithm(JwtEcdsaParameters.Algorithm.ES256)
                .setKidStrategy(JwtEcdsaParameters.KidStrategy.BASE64_ENCODED_KEY_ID)
                .build());
        signer = keys.getPrimitive(RegistryConfiguration.get(), JwtPublicKeySign.class);
    }

    /** Writes the public keys as a JWK set and returns the JWT settings that trust them. */
    public JwtConfig writeJwks(Path file) throws Exception {
        Files.writeString(file, JwkSetConverter.fromPublicKeysetHandle(keys.getPublicKeysetHandle()));
        return new JwtConfig(file, ISSUER, AUDIENCE);
    }

    /** A token for {@code subject} with {@code roles}, valid for five minutes. */
    public String token(String subject, String... roles) throws Exception {
        return sign(claims(subject, roles));
    }

    /** Claims with this issuer and audience, issued now, expiring in five minutes. */
    public RawJwt.Builder claims(String subject, String... roles) throws Exception {
        return claimsFor(AUDIENCE, subject, roles);
    }

    /** The same for another audience. */
    public RawJwt.Builder claimsFor(String audience, String subject, String... roles) throws Exception {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        RawJwt.Builder jwt = RawJwt.newBuilder()
                .setIssuer(ISSUER)
                .setAudience(audience)
                .setIssuedAt(now)
                .setExpiration(now.plus(Duration.ofMinutes(5)));
        if (subject != null) {
            jwt.setSubject(subject);
        }
        if (roles.length > 0) {
            jwt.addJsonArrayClaim("roles", List.of(roles).stream().map(r -> "\"" + r + "\"")
                    .collect(Collectors.joining(",", "[", "]")));
        }
        return jwt;
    }

    public String sign(RawJwt.Builder claims) throws Exception {
        return signer.signAndEncode(claims.build());
    }
}
