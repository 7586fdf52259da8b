package io.biostream.operators.crypto;

import io.biostream.operators.config.CameraIds;
import io.biostream.operators.config.Settings;
import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which frames the job takes as coming from a camera, validated when built. Holds no secret: the
 * camera master is read from its file (sealed under the KEK) when the job's parse function opens.
 *
 * @param required   whether every frame must carry its camera's MAC ({@value #AUTHENTICATION} = required|off)
 * @param masterFile the sealed camera master ({@value #MASTER_FILE}), required when {@code required}
 * @param allowed    the only camera ids taken ({@value #ALLOWED}, comma-separated), empty for any camera
 */
public record CameraAuthConfig(boolean required, String masterFile, Set<String> allowed) implements Serializable {
    public static final String AUTHENTICATION = "biostream.cameras.authentication";
    public static final String MASTER_FILE = "biostream.cameras.master-file";
    public static final String ALLOWED = "biostream.cameras.allowed";

    public CameraAuthConfig {
        if (required && (masterFile == null || masterFile.isBlank())) {
            throw new Settings.ConfigException(MASTER_FILE, "is required when " + AUTHENTICATION + "=required: the camera master "
                    + "(biostream keys camera init)");
        }
        for (String id : allowed) {
            if (!CameraIds.isValid(id)) {
                throw new Settings.ConfigException(ALLOWED, "'" + id + "' is not a camera id (" + CameraIds.RULE + ")");
            }
        }
        allowed = Set.copyOf(new TreeSet<>(allowed));
    }

    public static CameraAuthConfig from(Settings s) {
        String mode = s.get(AUTHENTICATION, "required");
        if (!mode.equals("required") && !mode.equals("off")) {
            throw new Settings.ConfigException(AUTHENTICATION, "must be 'required' or 'off', got '" + mode + "'");
        }
        String list = s.get(ALLOWED, "");
        Set<String> allowed = new TreeSet<>();
        Arrays.stream(list.split(",")).map(String::trim).filter(id -> !id.isEmpty()).forEach(allowed::add);
        return new CameraAuthConfig(mode.equals("required"), s.get(MASTER_FILE, null), allowed);
    }

    /** Whether frames of this camera are taken (an empty allow-list takes every camera). */
    public boolean allows(String cameraId) {
        return allowed.isEmpty() || allowed.contains(cameraId);
    }

    /** The authenticator over the camera master, or null when authentication is off. */
    public FrameAuthenticator authenticator(CryptoConfig crypto) throws IOException, GeneralSecurityException {
        if (!required) {
            return null;
        }
        Path file = Path.of(masterFile);
        if (!Files.isRegularFile(file)) {
            throw new Settings.ConfigException(MASTER_FILE, "names no file: " + file);
        }
        try {
            return new FrameAuthenticator(CameraMaster.read(file, crypto.kek()));
        } catch (IOException | GeneralSecurityException e) {
            throw new Settings.ConfigException(MASTER_FILE, "cannot be opened: " + e.getMessage());
        }
    }
}
