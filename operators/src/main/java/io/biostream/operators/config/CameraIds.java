package io.biostream.operators.config;

import java.util.regex.Pattern;

/**
 * The one rule for camera ids, shared by the job (frames with another id are dead letters) and the
 * API (path parameters): safe in URLs, file names and log lines.
 */
public final class CameraIds {
    public static final String RULE = "1-128 characters of A-Z a-z 0-9 . _ : -";
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    private CameraIds() {}

    public static boolean isValid(String cameraId) {
        return cameraId != null && VALID.matcher(cameraId).matches();
    }
}
