package io.biostream.operators.records;

/** That a frame belonging to a capture session was analysed, with what it found (Flink POJO). */
public class SessionFrame {
    public String sessionId;
    public String cameraId;
    public int faces;
    public int matches;
    public long captureTimeMillis;

    public SessionFrame() {}

    public SessionFrame(String sessionId, String cameraId, int faces, int matches, long captureTimeMillis) {
        this.sessionId = sessionId;
        this.cameraId = cameraId;
        this.faces = faces;
        this.matches = matches;
        this.captureTimeMillis = captureTimeMillis;
    }
}
