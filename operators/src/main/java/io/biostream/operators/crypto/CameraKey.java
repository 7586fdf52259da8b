package io.biostream.operators.crypto;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Properties;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * One camera's frame-authentication key, derived from the {@link CameraMaster} under one version.
 * The camera sends {@value #HEADER}: {@code <version>:<base64url HMAC-SHA256>} over
 * {@value #DOMAIN}{@code \0 cameraId \0} and the exact record value bytes, so the MAC binds the
 * camera id and every byte of the frame, and cannot be replayed as a MAC of anything else.
 */
public final class CameraKey implements FrameSigner {
    public static final String HEADER = "biostream-camera-mac";
    static final String DOMAIN = "biostream.frame.v1";
    private static final String ALGORITHM = "HmacSHA256";

    private final String cameraId;
    private final int version;
    private final byte[] key;

    CameraKey(String cameraId, int version, byte[] key) {
        this.cameraId = cameraId;
        this.version = version;
        this.key = key.clone();
    }

    public String cameraId() {
        return cameraId;
    }

    public int version() {
        return version;
    }

    /** The MAC of a value as this camera; signing for another camera id is refused (the key is only this camera's). */
    @Override
    public byte[] header(String claimedCameraId, byte[] value) {
        if (!cameraId.equals(claimedCameraId)) {
            throw new IllegalArgumentException("the key of camera " + cameraId + " cannot sign a frame of camera " + claimedCameraId);
        }
        String text = Integer.toUnsignedString(version) + ":" + Base64.getUrlEncoder().withoutPadding().encodeToString(mac(value));
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** Whether {@code mac} is this key's MAC of {@code value} (constant time). */
    boolean verifies(byte[] value, byte[] mac) {
        return MessageDigest.isEqual(mac(value), mac);
    }

    private byte[] mac(byte[] value) {
        try {
            Mac hmac = Mac.getInstance(ALGORITHM);
            hmac.init(new SecretKeySpec(key, ALGORITHM));
            hmac.update((DOMAIN + "\0" + cameraId + "\0").getBytes(StandardCharsets.UTF_8));
            return hmac.doFinal(value);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }

    /** Writes the key for the camera (mode 600): the camera id, the version and the key. */
    public void write(Path file) throws IOException {
        SecretFiles.writeOwnerOnly(file, "camera-id=" + cameraId + "\nkey-version=" + Integer.toUnsignedString(version)
                + "\nkey=" + Base64.getEncoder().encodeToString(key) + "\n");
    }

    /** Reads a key file written by {@link #write}; refuses one readable by others or incomplete. */
    public static CameraKey read(Path file) throws IOException, GeneralSecurityException {
        Properties p = new Properties();
        p.load(new StringReader(SecretFiles.readOwnerOnly(file, "camera key")));
        String id = p.getProperty("camera-id");
        String version = p.getProperty("key-version");
        String key = p.getProperty("key");
        if (id == null || version == null || key == null) {
            throw new IOException("camera key " + file + " needs camera-id, key-version and key");
        }
        try {
            byte[] bytes = Base64.getDecoder().decode(key.trim());
            if (bytes.length != CameraMaster.KEY_BYTES) {
                throw new GeneralSecurityException("camera key " + file + " has " + bytes.length + " key bytes, not " + CameraMaster.KEY_BYTES);
            }
            return new CameraKey(id.trim(), Integer.parseUnsignedInt(version.trim()), bytes);
        } catch (IllegalArgumentException e) {
            throw new IOException("camera key " + file + " is malformed: " + e.getMessage());
        }
    }
}
