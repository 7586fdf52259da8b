package io.biostream.operators.records;

/**
 * One closed visit of an enrolled subject to a camera (Flink POJO): its first and last match
 * (captureTime), no match within the visit gap after the last; or the subject's erasure, which
 * clears its visits.
 */
public class SubjectVisit {
    public String subjectId;
    public String cameraId;
    public long firstMillis;
    public long lastMillis;
    public boolean erased;

    public SubjectVisit() {}

    public static SubjectVisit closed(String subjectId, String cameraId, long firstMillis, long lastMillis) {
        SubjectVisit v = new SubjectVisit();
        v.subjectId = subjectId;
        v.cameraId = cameraId;
        v.firstMillis = firstMillis;
        v.lastMillis = lastMillis;
        return v;
    }

    public static SubjectVisit erasure(String subjectId) {
        SubjectVisit v = new SubjectVisit();
        v.subjectId = subjectId;
        v.erased = true;
        return v;
    }
}
