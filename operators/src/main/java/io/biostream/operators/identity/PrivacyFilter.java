package io.biostream.operators.identity;

import io.biostream.operators.vision.FacePipeline;
import io.biostream.schemas.Identification;
import java.util.List;

/**
 * Which faces of a frame the job keeps under the camera's privacy mode. A face that is not kept
 * leaves nothing behind (no sealed template, no FaceResult, no sighting); it is only counted in
 * {@code FrameResult.droppedFaces}.
 */
public final class PrivacyFilter {
    private PrivacyFilter() {}

    /**
     * Whether a face with this identification is kept: every face under FULL; under WATCHLIST_ONLY
     * only a face matched to an enrolled subject (faces not described cannot match); none under COUNT_ONLY.
     */
    public static boolean keeps(PrivacyMode mode, Identification identification) {
        return switch (mode) {
            case FULL -> true;
            case WATCHLIST_ONLY -> identification != null && identification.getMatched() && identification.getSubjectId() != null;
            case COUNT_ONLY -> false;
        };
    }

    /**
     * The faces to keep, in frame order (each keeps its index in the frame).
     *
     * @param identifications by face index; null for a face that was not matched
     */
    public static List<FacePipeline.Face> kept(PrivacyMode mode, List<FacePipeline.Face> found, Identification[] identifications) {
        return found.stream().filter(f -> keeps(mode, identifications[f.index()])).toList();
    }
}
