package io.biostream.api;

import java.nio.file.Path;

/**
 * HTTPS for the API: on when {@code keystore} (PKCS12) is set; the API then serves HTTPS only.
 * The keystore password is read from {@code passwordFile} (readable by its owner only) or, when
 * no file is given, from {@code password} (the environment variable
 * {@code BIOSTREAM_API_TLS_KEYSTORE_PASSWORD}). {@link #toString()} never shows the password.
 */
public record TlsConfig(Path keystore, Path passwordFile, String password) {
    public static final String KEYSTORE = "api.tls.keystore";
    public static final String PASSWORD_FILE = "api.tls.keystore-password-file";
    public static final String PASSWORD = "api.tls.keystore-password";

    public TlsConfig {
        if (keystore != null && passwordFile == null && (password == null || password.isEmpty())) {
            throw new IllegalArgumentException("invalid API configuration: " + KEYSTORE + " is set, so "
                    + PASSWORD_FILE + " or the environment variable BIOSTREAM_API_TLS_KEYSTORE_PASSWORD is required");
        }
        if (keystore == null && (passwordFile != null || password != null && !password.isEmpty())) {
            throw new IllegalArgumentException("invalid API configuration: a keystore password is set without " + KEYSTORE);
        }
    }

    public static TlsConfig off() {
        return new TlsConfig(null, null, null);
    }

    public boolean enabled() {
        return keystore != null;
    }

    @Override
    public String toString() {
        return "TlsConfig[keystore=" + keystore + ", passwordFile=" + passwordFile
                + ", password=" + (password == null ? "none" : "(set)") + "]";
    }
}
