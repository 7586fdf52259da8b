package io.biostream.operators.functions;

import io.biostream.operators.vision.FaceLandmarks;
import io.biostream.operators.vision.QualityReport;
import io.biostream.schemas.FaceQuality;
import java.util.ArrayList;
import java.util.List;

/** Converts the vision path's landmarks and quality into their wire form in FaceResult. */
public final class FaceResults {
    private FaceResults() {}

    /** 136 floats x0,y0,...,x67,y67 in image pixels, or null without landmarks. */
    public static List<Float> landmarks(FaceLandmarks landmarks) {
        if (landmarks == null) {
            return null;
        }
        double[] points = landmarks.points();
        List<Float> out = new ArrayList<>(points.length);
        for (double p : points) {
            out.add((float) p);
        }
        return out;
    }

    /** The quality record, angles NaN when unknown; null without a report. */
    public static FaceQuality quality(QualityReport q) {
        if (q == null) {
            return null;
        }
        return new FaceQuality((float) q.sharpness(), (float) q.brightness(), (float) q.contrast(), (float) q.faceSize(),
                (float) q.yaw(), (float) q.pitch(), (float) q.roll(), (float) q.score());
    }
}
