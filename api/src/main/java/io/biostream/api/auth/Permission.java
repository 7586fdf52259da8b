package io.biostream.api.auth;

import java.util.Arrays;
import java.util.Locale;

/** Grants on top of roles, for data more sensitive than the role's default view. */
public enum Permission {
    /** May read biometric descriptors decrypted (special-category data). */
    DESCRIPTORS;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Permission parse(String text) {
        return Arrays.stream(values())
                .filter(p -> p.wireName().equals(text))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown permission '" + text + "'; known: "
                        + Arrays.stream(values()).map(Permission::wireName).toList()));
    }
}
