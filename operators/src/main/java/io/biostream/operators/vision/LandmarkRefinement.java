package io.biostream.operators.vision;

import io.biostream.operators.image.RgbImage;
import java.util.ArrayList;
import java.util.List;

/**
 * Two ways to place the 68 landmarks better than one pass of the landmark net on the detection
 * box, both off by default ({@link VisionConfig#landmarkPasses}, {@link VisionConfig#landmarkMirror}):
 * <ul>
 *   <li><b>refinement</b>: the net was trained on boxes an SSD gives around faces; a box from
 *       the cascade or a fallback crop region is framed otherwise, and the points drift with it.
 *       Each further pass runs the net again on the box the SSD would give for the points of the
 *       pass before ({@link DetectionCascade#boxOfLandmarks}), up to {@code passes} times, and
 *       stops early once the points move less than {@value #CONVERGED} eye distances on average;</li>
 *   <li><b>mirror average</b>: the net also looks at the mirrored crop; its points, mirrored back
 *       and renumbered left for right ({@link #MIRROR}), are averaged with the direct ones
 *       (test-time augmentation: the net's errors on a face and its mirror partly cancel).</li>
 * </ul>
 * The returned landmarks keep the first pass's {@code raw} outputs and crop only where nothing
 * changed; otherwise {@code raw} and {@code crop} are those of the last pass's direct run.
 */
public final class LandmarkRefinement {
    /** Mean movement of the points, in eye distances, under which refinement stops. */
    static final double CONVERGED = 0.01;
    /** The most passes a configuration may ask for (each is one more landmark net run). */
    public static final int MAX_PASSES = 5;

    /**
     * The iBUG 68-point numbering under a left-right mirror: point {@code i} of a mirrored face is
     * point {@code MIRROR[i]} of the face (jaw reversed, brows, eyes, nostrils and mouth corners
     * swapped, the midline points 27-30, 33, 51, 57, 62 and 66 unchanged). An involution.
     */
    static final int[] MIRROR = mirrorPermutation();

    private final FaceLandmarkNet net;
    private final int passes;
    private final boolean mirror;
    private final boolean regionsOnly;
    private final boolean mirrorRegionsOnly;
    private final double[] framings;

    /** {@code passes}: further passes after the first (0 = none); {@code mirror}: average with the mirrored crop's points. */
    public LandmarkRefinement(FaceLandmarkNet net, int passes, boolean mirror) {
        this(net, passes, mirror, false);
    }

    /**
     * With {@code regionsOnly}, the further passes are for regions no detector gave (a fallback
     * crop, an analyst's region: {@link FacePipeline#describeRegion}); a detector's boxes get the
     * first pass only ({@link #forDetectorBoxes}): on bbt, refinement helps the former and hurts
     * the SSD's own boxes (docs/accuracy.md).
     */
    public LandmarkRefinement(FaceLandmarkNet net, int passes, boolean mirror, boolean regionsOnly) {
        this(net, passes, mirror, regionsOnly, false);
    }

    /**
     * With {@code mirrorRegionsOnly}, the mirror average too is only for regions no detector gave
     * (a detector's boxes get one plain pass unless they get further passes).
     */
    public LandmarkRefinement(FaceLandmarkNet net, int passes, boolean mirror, boolean regionsOnly, boolean mirrorRegionsOnly) {
        this(net, passes, mirror, regionsOnly, mirrorRegionsOnly, 1);
    }

    /** The scales of a region's box the first pass averages over, by their count ({@code 1}: the box alone). */
    public static final List<Integer> FRAMING_COUNTS = List.of(1, 3, 5);

    /**
     * With {@code framings} 3 or 5, the first pass on a region no detector gave runs on the box
     * and on copies scaled about its centre (90 and 110 %; with 5 also 80 and 120 %) and averages
     * the points: a region is not framed as the detector boxes the net was trained on, and how it
     * is framed is not known, so no one framing is trusted. A detector's box keeps its own.
     */
    public LandmarkRefinement(FaceLandmarkNet net, int passes, boolean mirror, boolean regionsOnly, boolean mirrorRegionsOnly,
                              int framings) {
        if (!FRAMING_COUNTS.contains(framings)) {
            throw new IllegalArgumentException("region framings must be one of " + FRAMING_COUNTS + ", got " + framings);
        }
        this.framings = switch (framings) {
            case 1 -> new double[] {1};
            case 3 -> new double[] {1, 0.9, 1.1};
            default -> new double[] {1, 0.9, 1.1, 0.8, 1.2};
        };
        if (passes < 0 || passes > MAX_PASSES) {
            throw new IllegalArgumentException("landmark passes must be between 0 and " + MAX_PASSES + ", got " + passes);
        }
        this.net = net;
        this.passes = passes;
        this.mirror = mirror;
        this.regionsOnly = regionsOnly;
        this.mirrorRegionsOnly = mirrorRegionsOnly;
    }

    /**
     * The refinement for boxes a detector found: without further passes, or without the mirror
     * average, where they are for regions only.
     */
    public LandmarkRefinement forDetectorBoxes() {
        boolean dropPasses = regionsOnly && passes > 0;
        boolean dropMirror = mirrorRegionsOnly && mirror;
        return dropPasses || dropMirror || framings.length > 1
                ? new LandmarkRefinement(net, dropPasses ? 0 : passes, !dropMirror && mirror, false, false, 1) : this;
    }

    public boolean isOff() {
        return passes == 0 && !mirror && framings.length == 1;
    }

    /** The landmarks of {@code faces} (face {@code i} in {@code images.get(i)}), refined as configured. */
    public List<FaceLandmarks> detectEach(List<RgbImage> images, List<DetectedFace> faces) {
        List<FaceLandmarks> current = framings.length == 1 ? once(images, faces) : overFramings(images, faces);
        for (int pass = 0; pass < passes; pass++) {
            List<Integer> moving = new ArrayList<>();
            List<RgbImage> movingImages = new ArrayList<>();
            List<DetectedFace> boxes = new ArrayList<>();
            for (int i = 0; i < faces.size(); i++) {
                DetectedFace box = DetectionCascade.boxOfLandmarks(current.get(i), faces.get(i).score());
                RgbImage image = images.get(i);
                if (Float.isFinite(box.width()) && box.width() >= 1 && box.height() >= 1
                        && !ImageOps.clipAtImageBorders(box.x(), box.y(), box.width(), box.height(), image.width(), image.height()).isEmpty()) {
                    moving.add(i);
                    movingImages.add(image);
                    boxes.add(box);
                }
            }
            if (moving.isEmpty()) {
                break;
            }
            List<FaceLandmarks> next = once(movingImages, boxes);
            boolean anyMoved = false;
            List<FaceLandmarks> updated = new ArrayList<>(current);
            for (int m = 0; m < moving.size(); m++) {
                int i = moving.get(m);
                if (meanMovement(current.get(i), next.get(m)) >= CONVERGED) {
                    anyMoved = true;
                }
                updated.set(i, next.get(m));
            }
            current = updated;
            if (!anyMoved) {
                break;
            }
        }
        return current;
    }

    /** {@link #once} on each box and on its scaled copies ({@link #framings}), the points averaged; raw and crop of the box itself. */
    private List<FaceLandmarks> overFramings(List<RgbImage> images, List<DetectedFace> faces) {
        List<FaceLandmarks> first = once(images, faces);
        double[][] sums = new double[faces.size()][];
        for (int i = 0; i < faces.size(); i++) {
            sums[i] = first.get(i).points().clone();
        }
        for (int k = 1; k < framings.length; k++) {
            List<DetectedFace> scaled = new ArrayList<>(faces.size());
            for (DetectedFace f : faces) {
                float w = (float) (f.width() * framings[k]);
                float h = (float) (f.height() * framings[k]);
                scaled.add(new DetectedFace(f.x() + (f.width() - w) / 2, f.y() + (f.height() - h) / 2, w, h, f.score()));
            }
            List<FaceLandmarks> found = once(images, scaled);
            for (int i = 0; i < faces.size(); i++) {
                double[] p = found.get(i).points();
                for (int j = 0; j < p.length; j++) {
                    sums[i][j] += p[j];
                }
            }
        }
        List<FaceLandmarks> out = new ArrayList<>(faces.size());
        for (int i = 0; i < faces.size(); i++) {
            for (int j = 0; j < sums[i].length; j++) {
                sums[i][j] /= framings.length;
            }
            out.add(new FaceLandmarks(sums[i], first.get(i).raw(), first.get(i).crop()));
        }
        return out;
    }

    /** One run of the net on each box, averaged with its mirrored crop's when so configured. */
    private List<FaceLandmarks> once(List<RgbImage> images, List<DetectedFace> faces) {
        List<FaceLandmarks> direct = net.detectEach(images, faces);
        if (!mirror) {
            return direct;
        }
        List<RgbImage> mirrored = new ArrayList<>(faces.size());
        List<DetectedFace> whole = new ArrayList<>(faces.size());
        for (int i = 0; i < faces.size(); i++) {
            RgbImage crop = ImageOps.mirror(ImageOps.crop(images.get(i), direct.get(i).crop()));
            mirrored.add(crop);
            whole.add(new DetectedFace(0, 0, crop.width(), crop.height(), 0f));
        }
        List<FaceLandmarks> flipped = net.detectEach(mirrored, whole);
        List<FaceLandmarks> out = new ArrayList<>(faces.size());
        for (int i = 0; i < faces.size(); i++) {
            out.add(averageWithMirrored(direct.get(i), flipped.get(i)));
        }
        return out;
    }

    /**
     * {@code direct}'s points averaged with those of its crop mirrored ({@code flipped}, found on
     * the mirrored crop with the crop as the box): mirrored back ({@code x -> width - x}), placed at
     * the crop, and renumbered by {@link #MIRROR}.
     */
    static FaceLandmarks averageWithMirrored(FaceLandmarks direct, FaceLandmarks flipped) {
        PixelRect crop = direct.crop();
        double[] points = new double[2 * FaceLandmarks.COUNT];
        for (int k = 0; k < FaceLandmarks.COUNT; k++) {
            int i = MIRROR[k];
            double x = crop.x() + crop.width() - flipped.x(k);
            double y = crop.y() + flipped.y(k);
            points[2 * i] = (direct.x(i) + x) / 2;
            points[2 * i + 1] = (direct.y(i) + y) / 2;
        }
        return new FaceLandmarks(points, direct.raw(), crop);
    }

    /** Mean distance the points moved, in eye distances (centre of one eye to the other's). */
    static double meanMovement(FaceLandmarks before, FaceLandmarks after) {
        double[] left = before.centre(FaceLandmarks.Region.LEFT_EYE);
        double[] right = before.centre(FaceLandmarks.Region.RIGHT_EYE);
        double eyes = Math.max(1e-6, Math.hypot(right[0] - left[0], right[1] - left[1]));
        double sum = 0;
        for (int i = 0; i < FaceLandmarks.COUNT; i++) {
            sum += Math.hypot(after.x(i) - before.x(i), after.y(i) - before.y(i));
        }
        return sum / FaceLandmarks.COUNT / eyes;
    }

    private static int[] mirrorPermutation() {
        int[] p = new int[FaceLandmarks.COUNT];
        for (int i = 0; i < p.length; i++) {
            p[i] = i;
        }
        for (int i = 0; i <= 16; i++) {
            p[i] = 16 - i; // jaw
        }
        int[][] pairs = {
            {17, 26}, {18, 25}, {19, 24}, {20, 23}, {21, 22}, // brows
            {31, 35}, {32, 34}, // nostrils
            {36, 45}, {37, 44}, {38, 43}, {39, 42}, {40, 47}, {41, 46}, // eyes
            {48, 54}, {49, 53}, {50, 52}, {55, 59}, {56, 58}, // outer lip
            {60, 64}, {61, 63}, {65, 67}, // inner lip
        };
        for (int[] pair : pairs) {
            p[pair[0]] = pair[1];
            p[pair[1]] = pair[0];
        }
        return p;
    }
}
