package io.biostream.operators.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.schemas.Consent;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ConsentStatusTest {
    private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");

    @Test
    void consentInForceIsValidUntilItsExpiry() {
        assertThat(ConsentStatus.of(consent("explicit-consent", "access", null), NOW)).isEqualTo(ConsentStatus.VALID);
        assertThat(ConsentStatus.of(consent("explicit-consent", "access", NOW.plusMillis(1)), NOW)).isEqualTo(ConsentStatus.VALID);
        assertThat(ConsentStatus.of(consent("explicit-consent", "access", NOW), NOW)).isEqualTo(ConsentStatus.EXPIRED);
        assertThat(ConsentStatus.of(consent("explicit-consent", "access", NOW.minusSeconds(86_400)), NOW)).isEqualTo(ConsentStatus.EXPIRED);
    }

    @Test
    void aConsentWithoutLegalBasisOrPurposeIsMissing() {
        assertThat(ConsentStatus.of(null, NOW)).isEqualTo(ConsentStatus.MISSING);
        assertThat(ConsentStatus.of(consent(" ", "access", null), NOW)).isEqualTo(ConsentStatus.MISSING);
        assertThat(ConsentStatus.of(consent("explicit-consent", "", null), NOW)).isEqualTo(ConsentStatus.MISSING);
    }

    private static Consent consent(String legalBasis, String purpose, Instant expires) {
        return new Consent(legalBasis, purpose, NOW.minusSeconds(3600), expires);
    }
}
