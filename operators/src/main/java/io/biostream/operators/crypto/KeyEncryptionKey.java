package io.biostream.operators.crypto;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KmsClient;
import com.google.crypto.tink.KmsClients;
import java.security.GeneralSecurityException;
import java.util.Objects;

/**
 * The key-encryption key (KEK): wraps and unwraps data keys, never templates. Resolved from a URI
 * through Tink's {@link KmsClient} interface: {@code biostream-local://} is {@link LocalKeysetKms},
 * anything else goes to the KMS clients the deployment registered with {@link KmsClients#add}
 * (Tink's AWS or GCP KMS extensions). When an unwrap fails the KEK is resolved again once, so a
 * process picks up a rotation another process made.
 */
public final class KeyEncryptionKey {
    private final String uri;
    private final KmsClient client;
    private volatile Aead aead;
    private volatile long stamp;

    public KeyEncryptionKey(String uri, KmsClient client) throws GeneralSecurityException {
        this.uri = Objects.requireNonNull(uri, "uri");
        this.client = Objects.requireNonNull(client, "client");
        if (!client.doesSupport(uri)) {
            throw new GeneralSecurityException("the KMS client does not support " + uri);
        }
        this.stamp = stamp();
        this.aead = client.getAead(uri);
    }

    private long stamp() {
        return client instanceof LocalKeysetKms local ? local.stamp(uri) : 0L;
    }

    /** Resolves {@code uri}: the local keyset KMS when given and supporting it, else a registered KMS client. */
    public static KeyEncryptionKey resolve(String uri, KmsClient local) throws GeneralSecurityException {
        if (local != null && local.doesSupport(uri)) {
            return new KeyEncryptionKey(uri, local);
        }
        KmsClient registered;
        try {
            registered = KmsClients.get(uri);
        } catch (GeneralSecurityException e) {
            throw new GeneralSecurityException("no KMS client for key-encryption key URI '" + uri + "': use "
                    + LocalKeysetKms.PREFIX + "<path> or register the KMS's Tink client (e.g. aws-kms://, gcp-kms://)", e);
        }
        return new KeyEncryptionKey(uri, registered);
    }

    public String uri() {
        return uri;
    }

    /** Which key wraps from now on: the URI, plus the primary key id for a local keyset. */
    public String reference() {
        if (client instanceof LocalKeysetKms local) {
            try {
                return uri + "#" + Integer.toUnsignedString(local.primaryKeyId(uri));
            } catch (GeneralSecurityException e) {
                return uri;
            }
        }
        return uri;
    }

    public KmsClient client() {
        return client;
    }

    public byte[] wrap(byte[] plaintext, byte[] associatedData) throws GeneralSecurityException {
        if (stamp() != stamp) { // another process rotated the local keyset: wrap under its new primary
            reload();
        }
        return aead.encrypt(plaintext, associatedData);
    }

    public byte[] unwrap(byte[] wrapped, byte[] associatedData) throws GeneralSecurityException {
        try {
            return aead.decrypt(wrapped, associatedData);
        } catch (GeneralSecurityException first) {
            reload();
            return aead.decrypt(wrapped, associatedData);
        }
    }

    /** Resolves the URI again now (after this process rotated the local keyset). */
    public void reload() throws GeneralSecurityException {
        stamp = stamp();
        aead = client.getAead(uri);
    }
}
