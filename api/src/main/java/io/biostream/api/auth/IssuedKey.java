package io.biostream.api.auth;

/**
 * A freshly generated key. {@code plaintext} is the bearer token; it is shown once and never
 * stored (the store keeps a salted hash), so {@link #toString()} leaves it out.
 */
public record IssuedKey(ApiKey key, String plaintext) {
    @Override
    public String toString() {
        return "IssuedKey[" + key + "]";
    }
}
