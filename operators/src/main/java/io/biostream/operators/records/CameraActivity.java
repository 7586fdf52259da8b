package io.biostream.operators.records;

/**
 * What one frame of a camera adds to the camera's analytics (Flink POJO): an analysed frame with
 * its face counts, or a frame that became a dead letter. {@code subjectIds} holds the enrolled
 * subjects matched in the frame, only on cameras whose privacy mode matches (never on count-only).
 */
public class CameraActivity {
    public String cameraId;
    public long captureTimeMillis;
    public boolean deadLetter;
    public int faces;
    public int described;
    public int unknown;
    public String[] subjectIds = new String[0];

    public CameraActivity() {}

    public static CameraActivity analysed(String cameraId, long captureTimeMillis, int faces, int described, int unknown,
                                          String[] subjectIds) {
        CameraActivity a = new CameraActivity();
        a.cameraId = cameraId;
        a.captureTimeMillis = captureTimeMillis;
        a.faces = faces;
        a.described = described;
        a.unknown = unknown;
        a.subjectIds = subjectIds;
        return a;
    }

    public static CameraActivity deadLetter(String cameraId, long captureTimeMillis) {
        CameraActivity a = new CameraActivity();
        a.cameraId = cameraId;
        a.captureTimeMillis = captureTimeMillis;
        a.deadLetter = true;
        return a;
    }
}
