package io.biostream.operators.crypto;

import com.google.crypto.tink.Aead;
import io.biostream.schemas.DataKeyScope;
import io.biostream.schemas.SealedSubject;
import io.biostream.schemas.Subject;
import io.biostream.schemas.WireFormat;
import io.biostream.schemas.WrappedDataKey;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Optional;

/**
 * Seals a subject's personal data (display name, attributes, consent) under the subject's own data
 * key, the key its enrollment templates are sealed under: erasing the subject destroys that key,
 * and the name is unrecoverable from every control record that carries it. The associated data
 * binds the ciphertext to the subject id and the event type it travels in, so a sealed subject
 * copied onto another subject's event does not open.
 */
public final class SubjectSeal {
    private static final byte[] AD_DOMAIN = "biostream-subject-v1".getBytes(StandardCharsets.US_ASCII);

    private SubjectSeal() {}

    /** Seals the whole subject (single-object Avro) under {@code key}, which must be the subject's own. */
    public static SealedSubject seal(Subject subject, String eventType, TemplateKeyRing.DataKey key) {
        byte[] plain = WireFormat.encode(subject);
        try {
            byte[] ciphertext = key.aead().encrypt(plain, associatedData(subject.getSubjectId(), eventType));
            return SealedSubject.newBuilder()
                    .setKeyId(key.keyId())
                    .setAlgorithm(TemplateCipher.ALGORITHM)
                    .setCiphertext(ByteBuffer.wrap(ciphertext))
                    .build();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("sealing subject " + subject.getSubjectId() + " failed", e);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    /**
     * Opens a sealed subject of {@code subjectId}: {@link TemplateErasedException} when its key is
     * destroyed (the subject erased) or unknown, a {@link GeneralSecurityException} when the key is
     * not the subject's own, the ciphertext does not authenticate for this subject and event type,
     * or it holds another subject; {@link DataKeyUnavailableException} when the key store cannot tell now.
     */
    public static Subject open(String subjectId, String eventType, SealedSubject sealed, TemplateKeyRing keys)
            throws GeneralSecurityException {
        Optional<WrappedDataKey> record = keys.describe(sealed.getKeyId());
        Aead aead = keys.aead(sealed.getKeyId()).orElseThrow(() -> new TemplateErasedException(sealed.getKeyId()));
        if (record.isEmpty() || record.get().getScope() != DataKeyScope.SUBJECT || !subjectId.equals(record.get().getOwner())) {
            throw new GeneralSecurityException("subject " + subjectId + " is sealed under data key " + sealed.getKeyId()
                    + ", which is not a key of that subject");
        }
        ByteBuffer view = sealed.getCiphertext().duplicate();
        byte[] ciphertext = new byte[view.remaining()];
        view.get(ciphertext);
        byte[] plain = aead.decrypt(ciphertext, associatedData(subjectId, eventType));
        try {
            Subject subject = WireFormat.decode(Subject.class, plain);
            if (!subjectId.equals(subject.getSubjectId())) {
                throw new GeneralSecurityException("the sealed subject is " + subject.getSubjectId() + ", not " + subjectId);
            }
            return subject;
        } catch (IOException e) {
            throw new GeneralSecurityException("the sealed subject of " + subjectId + " does not decode: " + e.getMessage(), e);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    /** Length-prefixed, so distinct (subject, type) pairs never encode alike. */
    static byte[] associatedData(String subjectId, String eventType) {
        try (ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(AD_DOMAIN);
            for (String part : new String[] {subjectId, eventType}) {
                byte[] utf8 = part.getBytes(StandardCharsets.UTF_8);
                out.writeInt(utf8.length);
                out.write(utf8);
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
