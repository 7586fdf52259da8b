package io.biostream.operators.records;

/**
 * A change to one subject's sightings (Flink POJO): a face matched to the subject, or the subject's
 * erasure, which clears them. Erasures travel the same way as matches (out of the analysis, keyed by
 * subject), so a match found before an analysis subtask dropped the subject cannot overtake the
 * erasure that subtask emits after dropping it.
 */
public class SightingUpdate {
    public String subjectId;
    public boolean erased;
    public String cameraId;
    public long sequence;
    public String faceId;
    public long timeMillis;
    public float distance;

    public SightingUpdate() {}

    public static SightingUpdate match(String subjectId, String cameraId, long sequence, String faceId, long timeMillis, float distance) {
        SightingUpdate u = new SightingUpdate();
        u.subjectId = subjectId;
        u.cameraId = cameraId;
        u.sequence = sequence;
        u.faceId = faceId;
        u.timeMillis = timeMillis;
        u.distance = distance;
        return u;
    }

    public static SightingUpdate erasure(String subjectId) {
        SightingUpdate u = new SightingUpdate();
        u.subjectId = subjectId;
        u.erased = true;
        return u;
    }
}
