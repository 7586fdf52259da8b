package io.biostream.operators.crypto;

/** What a camera puts in the {@value CameraKey#HEADER} header of a frames-topic record. */
@FunctionalInterface
public interface FrameSigner {
    /** The header value for a record of {@code cameraId} whose value is exactly {@code value}. */
    byte[] header(String cameraId, byte[] value);
}
