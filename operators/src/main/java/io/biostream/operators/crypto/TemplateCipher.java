package io.biostream.operators.crypto;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.aead.AeadConfig;
import io.biostream.schemas.AssociatedData;
import io.biostream.schemas.EncryptedTemplate;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.Arrays;

/**
 * Seals and opens biometric templates (face descriptors) with Tink AEAD (AES-256-GCM) under the
 * data keys of a {@link TemplateKeyRing}: the caller picks the key (a subject's own, or a camera's
 * period key), the template names it. The associated data binds each ciphertext to its camera,
 * frame sequence and face index, so a template copied onto another frame's record does not decrypt.
 */
public final class TemplateCipher {
    public static final String ALGORITHM = "AES256_GCM";
    private static final byte[] AD_DOMAIN = "biostream-template-v1".getBytes(StandardCharsets.US_ASCII);

    static {
        try {
            AeadConfig.register();
        } catch (GeneralSecurityException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final TemplateKeyRing keys;

    public TemplateCipher(TemplateKeyRing keys) {
        this.keys = keys;
    }

    public TemplateKeyRing keys() {
        return keys;
    }

    /** Seals under {@code key} (from {@link #keys()}); the descriptor bytes are wiped after use. */
    public EncryptedTemplate seal(String faceId, float[] descriptor, AssociatedData ad, String model, TemplateKeyRing.DataKey key) {
        byte[] plain = descriptorBytes(descriptor);
        try {
            byte[] ciphertext = key.aead().encrypt(plain, associatedDataBytes(ad));
            return EncryptedTemplate.newBuilder()
                    .setFaceId(faceId)
                    .setKeyId(key.keyId())
                    .setAlgorithm(ALGORITHM)
                    .setCiphertext(ByteBuffer.wrap(ciphertext))
                    .setAssociatedData(ad)
                    .setModel(model)
                    .setDimensions(descriptor.length)
                    .setCreatedTime(Instant.now())
                    .build();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("template encryption failed", e);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    /** Opens a template under its own associated data. */
    public float[] open(EncryptedTemplate template) throws GeneralSecurityException {
        return open(template, template.getAssociatedData());
    }

    /**
     * Opens a template under the given associated data; fails unless it is the data it was sealed
     * with, with {@link TemplateErasedException} when its key is destroyed or expired, with
     * {@link DataKeyUnusableException} when its key's record does not authenticate, and with
     * {@link DataKeyUnavailableException} when the key store cannot tell now.
     */
    public float[] open(EncryptedTemplate template, AssociatedData ad) throws GeneralSecurityException {
        Aead aead = keys.aead(template.getKeyId()).orElseThrow(() -> new TemplateErasedException(template.getKeyId()));
        ByteBuffer buf = template.getCiphertext().duplicate();
        byte[] ciphertext = new byte[buf.remaining()];
        buf.get(ciphertext);
        byte[] plain = aead.decrypt(ciphertext, associatedDataBytes(ad));
        try {
            return descriptorFrom(plain);
        } finally {
            Arrays.fill(plain, (byte) 0);
        }
    }

    /**
     * Whether the template's key is live: false once its subject is erased or its retention is over
     * (or its record does not authenticate); {@link KeyStoreUnavailableException} when the store cannot tell.
     */
    public boolean readable(EncryptedTemplate template) {
        return keys.isLive(template.getKeyId());
    }

    static byte[] descriptorBytes(float[] descriptor) {
        ByteBuffer out = ByteBuffer.allocate(descriptor.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : descriptor) {
            out.putFloat(v);
        }
        return out.array();
    }

    static float[] descriptorFrom(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        float[] descriptor = new float[bytes.length / Float.BYTES];
        for (int i = 0; i < descriptor.length; i++) {
            descriptor[i] = in.getFloat();
        }
        return descriptor;
    }

    /** Unambiguous encoding (length-prefixed) so distinct id tuples never collide. */
    static byte[] associatedDataBytes(AssociatedData ad) {
        try (ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(AD_DOMAIN);
            byte[] camera = ad.getCameraId().getBytes(StandardCharsets.UTF_8);
            out.writeInt(camera.length);
            out.write(camera);
            out.writeLong(ad.getSequence());
            out.writeInt(ad.getFaceIndex());
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
