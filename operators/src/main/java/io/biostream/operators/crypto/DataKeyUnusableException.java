package io.biostream.operators.crypto;

import java.security.GeneralSecurityException;

/**
 * A stored data key record that does not authenticate under the KEK (an edited field, garbage
 * wrapped bytes, another KEK) or was wrapped before its metadata were bound: never used.
 */
public final class DataKeyUnusableException extends GeneralSecurityException {
    private final String keyId;

    public DataKeyUnusableException(String keyId, String reason) {
        super("data key " + keyId + " is unusable: " + reason);
        this.keyId = keyId;
    }

    public String keyId() {
        return keyId;
    }
}
