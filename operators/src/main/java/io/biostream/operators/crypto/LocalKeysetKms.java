package io.biostream.operators.crypto;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.KmsClient;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.TinkJsonProtoKeysetFormat;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;

/**
 * A key-encryption key held in a local file, served through Tink's {@link KmsClient} interface so
 * that the code wrapping data keys is the same for it and for a cloud KMS. The file is a Tink
 * AES-256-GCM keyset, itself encrypted under the {@link MasterSecret}; URIs are
 * {@code biostream-local://<absolute path>}. Meant for local mode and single-host deployments;
 * production points {@code biostream.crypto.kek-uri} at a KMS key instead.
 */
public final class LocalKeysetKms implements KmsClient {
    public static final String PREFIX = "biostream-local://";
    private static final byte[] FILE_AD = "biostream-kek-keyset-v1".getBytes(StandardCharsets.US_ASCII);

    private final Aead master;

    public LocalKeysetKms(Aead master) {
        this.master = master;
    }

    public static String uri(Path file) {
        return PREFIX + file.toAbsolutePath();
    }

    static Path path(String uri) {
        return Path.of(uri.substring(PREFIX.length()));
    }

    @Override
    public boolean doesSupport(String uri) {
        return uri != null && uri.startsWith(PREFIX) && uri.length() > PREFIX.length();
    }

    @Override
    public KmsClient withCredentials(String credentialPath) {
        return this; // the master secret is the credential
    }

    @Override
    public KmsClient withDefaultCredentials() {
        return this;
    }

    @Override
    public Aead getAead(String uri) throws GeneralSecurityException {
        return keyset(uri).getPrimitive(RegistryConfiguration.get(), Aead.class);
    }

    /** The primary key's id: names which key wrapped a data key, without revealing anything. */
    public int primaryKeyId(String uri) throws GeneralSecurityException {
        return keyset(uri).getPrimary().getId();
    }

    /** Changes whenever the keyset file is replaced (a rotation by any process on this host). */
    public long stamp(String uri) {
        try {
            return Files.getLastModifiedTime(path(uri)).toMillis() ^ Files.size(path(uri)) ^ Files.readAttributes(path(uri),
                    java.nio.file.attribute.BasicFileAttributes.class).fileKey().hashCode();
        } catch (IOException | RuntimeException e) {
            return 0L;
        }
    }

    /** Creates the keyset file with one key unless it exists. */
    public void createIfAbsent(String uri) throws GeneralSecurityException, IOException {
        if (!Files.exists(path(uri))) {
            write(uri, KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM));
        }
    }

    /** Adds a new primary key; the older keys still decrypt until {@link #retireAllButPrimary}. */
    public int addPrimary(String uri) throws GeneralSecurityException, IOException {
        KeysetHandle.Builder builder = KeysetHandle.newBuilder(keyset(uri));
        builder.addEntry(KeysetHandle.generateEntryFromParameters(PredefinedAeadParameters.AES256_GCM)
                .withRandomId().makePrimary());
        KeysetHandle rotated = builder.build();
        write(uri, rotated);
        return rotated.getPrimary().getId();
    }

    /** Deletes every key but the primary: data keys wrapped under them no longer unwrap. */
    public void retireAllButPrimary(String uri) throws GeneralSecurityException, IOException {
        KeysetHandle.Builder builder = KeysetHandle.newBuilder(keyset(uri));
        for (int i = builder.size() - 1; i >= 0; i--) {
            if (!builder.getAt(i).isPrimary()) {
                builder.deleteAt(i);
            }
        }
        write(uri, builder.build());
    }

    private KeysetHandle keyset(String uri) throws GeneralSecurityException {
        if (!doesSupport(uri)) {
            throw new GeneralSecurityException("not a " + PREFIX + " URI: " + uri);
        }
        String json;
        try {
            json = SecretFiles.readOwnerOnly(path(uri), "key-encryption keyset");
        } catch (IOException e) {
            throw new GeneralSecurityException(e.getMessage(), e);
        }
        try {
            return TinkJsonProtoKeysetFormat.parseEncryptedKeyset(json, master, FILE_AD);
        } catch (GeneralSecurityException e) {
            throw new GeneralSecurityException("the key-encryption keyset " + path(uri)
                    + " does not open with this master secret", e);
        }
    }

    private void write(String uri, KeysetHandle keyset) throws GeneralSecurityException, IOException {
        String json = TinkJsonProtoKeysetFormat.serializeEncryptedKeyset(keyset, master, FILE_AD);
        SecretFiles.writeOwnerOnly(path(uri), json);
    }
}
