package io.biostream.launcher.camera;

/** Why the camera client cannot go on, in one line for the operator (no stack needed to act on it). */
public final class CameraException extends Exception {
    private static final long serialVersionUID = 1L;

    public CameraException(String message) {
        super(message);
    }

    public CameraException(String message, Throwable cause) {
        super(message, cause);
    }
}
