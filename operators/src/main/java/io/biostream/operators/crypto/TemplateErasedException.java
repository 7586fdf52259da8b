package io.biostream.operators.crypto;

import java.security.GeneralSecurityException;

/** A template whose data key is destroyed (its subject erased) or expired (its retention over): it never opens again. */
public final class TemplateErasedException extends GeneralSecurityException {
    private final String keyId;

    public TemplateErasedException(String keyId) {
        super("the template's data key " + keyId + " is destroyed or expired: the template is erased");
        this.keyId = keyId;
    }

    public String keyId() {
        return keyId;
    }
}
