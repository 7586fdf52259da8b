package io.biostream.operators.identity;

import io.biostream.schemas.AssociatedData;

/**
 * How an enrollment template is named and bound: template (face) id
 * {@code enrollment/<subjectId>/<n>}, sealed under associated data
 * (cameraId {@code enrollment/<subjectId>}, sequence n, faceIndex 0), so a template copied onto
 * another subject or number does not open.
 */
public final class Enrollments {
    private static final String PREFIX = "enrollment/";

    private Enrollments() {}

    public static String templateId(String subjectId, long n) {
        return source(subjectId) + "/" + n;
    }

    /** The pseudo camera id of a subject's enrollment photos. */
    public static String source(String subjectId) {
        return PREFIX + subjectId;
    }

    public static AssociatedData associatedData(String subjectId, long n) {
        return AssociatedData.newBuilder()
                .setCameraId(source(subjectId))
                .setSequence(n)
                .setFaceIndex(0)
                .build();
    }

    /** Whether the template's associated data is the one an enrollment of this subject carries. */
    public static boolean boundTo(AssociatedData ad, String subjectId) {
        return ad != null && source(subjectId).equals(ad.getCameraId()) && ad.getFaceIndex() == 0 && ad.getSequence() >= 0;
    }
}
