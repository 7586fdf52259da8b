package io.biostream.operators.identity;

import io.biostream.schemas.Consent;
import java.time.Instant;

/**
 * Whether a subject's recorded consent allows processing their biometric data at a given time
 * (GDPR Art. 9: no enrollment without a legal basis and a purpose in force).
 */
public enum ConsentStatus {
    VALID,
    /** No consent record, or one without a legal basis or purpose. */
    MISSING,
    /** The consent's expiry time has come. */
    EXPIRED;

    public static ConsentStatus of(Consent consent, Instant now) {
        if (consent == null || blank(consent.getLegalBasis()) || blank(consent.getPurpose()) || consent.getRecordedTime() == null) {
            return MISSING;
        }
        if (consent.getExpiresTime() != null && !now.isBefore(consent.getExpiresTime())) {
            return EXPIRED;
        }
        return VALID;
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
