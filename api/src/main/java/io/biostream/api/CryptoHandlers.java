package io.biostream.api;

import io.biostream.api.auth.AccessControl;
import io.biostream.api.auth.ApiKey;
import io.biostream.operators.audit.AuditActions;
import io.biostream.operators.audit.AuditEntry;
import io.biostream.operators.audit.AuditSink;
import io.biostream.operators.crypto.KeyStoreUnavailableException;
import io.biostream.operators.crypto.TemplateKeyRing;
import io.biostream.schemas.AuditOutcome;
import io.javalin.http.Context;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Routes under /api/v1/crypto: the admin rotates the key-encryption key. */
final class CryptoHandlers {
    private static final Logger LOG = LoggerFactory.getLogger(CryptoHandlers.class);

    private final TemplateKeyRing keys;
    private final AuditSink audit;

    CryptoHandlers(TemplateKeyRing keys, AuditSink audit) {
        this.keys = keys;
        this.audit = audit;
    }

    /**
     * POST /api/v1/crypto/kek/rotate: a new key-encryption key wraps every data key; templates are
     * not touched. Audited whether it succeeds or fails.
     */
    void rotateKek(Context ctx) {
        ApiKey caller = AccessControl.caller(ctx);
        int rewrapped;
        try {
            rewrapped = keys.rotateKek();
        } catch (GeneralSecurityException | IOException | KeyStoreUnavailableException e) {
            LOG.error("key-encryption key rotation failed: {}", e.toString());
            audit.record(AuditEntry.of(caller.id(), AuditActions.KEY_ROTATION, null, AuditOutcome.FAILED,
                    Map.of("error", e.getClass().getSimpleName())));
            Map<String, String> retry = e instanceof KeyStoreUnavailableException unavailable
                    ? Map.of("Retry-After", Long.toString(unavailable.retryAfter().toSeconds())) : Map.of();
            throw new ApiError(503, "rotation_failed", "the key-encryption key could not be rotated; the incident is logged", retry);
        }
        String kek = keys.kek().reference();
        audit.record(AuditEntry.of(caller.id(), AuditActions.KEY_ROTATION, null, AuditOutcome.SUCCESS,
                Map.of("rewrapped", Integer.toString(rewrapped), "kek", kek)));
        ctx.json(Map.of("rewrapped", rewrapped, "kek", kek));
    }
}
