package io.biostream.operators.crypto;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.Optional;

/**
 * The job's check that a frame comes from the camera it names: the record key is the frame's
 * cameraId, and the {@value CameraKey#HEADER} header is that camera's MAC of the exact value under
 * a key version the {@link CameraMaster} holds. Kafka ACLs keep producers other than cameras off
 * the frames topic; this keeps one camera (or a stolen camera credential) from speaking for another.
 */
public final class FrameAuthenticator {
    private static final int MAC_BYTES = 32;
    /** A version (10 digits), a colon and 43 base64url characters; anything longer is not a MAC. */
    private static final int MAX_HEADER_BYTES = 64;

    private final CameraMaster master;

    public FrameAuthenticator(CameraMaster master) {
        this.master = master;
    }

    /** Why the frame is not authenticated, or empty when it is. */
    public Optional<String> problem(String recordKey, String cameraId, byte[] value, byte[] header) {
        if (recordKey == null || !recordKey.equals(cameraId)) {
            return Optional.of("the record key " + quoted(recordKey) + " is not the frame's cameraId " + quoted(cameraId));
        }
        if (header == null) {
            return Optional.of("the frame has no " + CameraKey.HEADER + " header (unsigned: not from a camera)");
        }
        if (header.length > MAX_HEADER_BYTES) {
            return Optional.of("the " + CameraKey.HEADER + " header has " + header.length + " bytes, not a MAC");
        }
        String text = new String(header, StandardCharsets.US_ASCII);
        int colon = text.indexOf(':');
        int version;
        byte[] mac;
        try {
            version = Integer.parseUnsignedInt(text.substring(0, Math.max(colon, 0)));
            mac = Base64.getUrlDecoder().decode(text.substring(colon + 1));
        } catch (IllegalArgumentException e) {
            return Optional.of("the " + CameraKey.HEADER + " header is not <key version>:<base64url MAC>");
        }
        if (mac.length != MAC_BYTES) {
            return Optional.of("the " + CameraKey.HEADER + " header holds " + mac.length + " MAC bytes, not " + MAC_BYTES);
        }
        CameraKey key;
        try {
            key = master.derive(cameraId, version);
        } catch (GeneralSecurityException e) {
            return Optional.of("camera " + cameraId + ": " + e.getMessage() + " (retired, or never issued)");
        }
        if (!key.verifies(value, mac)) {
            return Optional.of("the MAC does not verify as camera " + cameraId
                    + " (signed by another camera's key, an altered value, or forged)");
        }
        return Optional.empty();
    }

    private static String quoted(String s) {
        return s == null ? "(none)" : "'" + (s.length() > 140 ? s.substring(0, 140) + "..." : s) + "'";
    }
}
