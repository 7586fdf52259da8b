package io.biostream.operators.vision;

import io.biostream.operators.image.RgbImage;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Face detection in stages, for the faces face-api's SSD misses (tight crops, tilted heads,
 * faces filling the frame). Stage 1 is the SSD exactly as without the cascade: its faces are
 * returned unchanged, in its order. Later stages run, one after the other, only while no face
 * has been found in the frame (a frame where the SSD finds faces costs nothing more; the stages
 * target frames of one subject that the SSD misses, not small faces among found ones). Each
 * later stage proposes candidate boxes; the best-scored of overlapping candidates is moved onto
 * the face by the landmark net ({@link #refine}: the box an SSD detection of the same 68 points
 * would have) and kept only when {@link LandmarkFaceCheck} finds a face in it and the SSD agrees
 * ({@link #confirm}), so non-faces stay rejected.
 *
 * <p>Later stages, in the configured order ({@link Stage}):
 * <ul>
 *   <li>{@code refine}: the SSD's own candidates of stage 1 that scored between 0.2 and the
 *       configured threshold (no extra detector pass);</li>
 *   <li>{@code ssd-padded}: the SSD on a copy of the image in a mid-grey margin of
 *       {@link #PAD_FRACTION} of its longer side on every side, so a face that fills the frame
 *       becomes one of the size the SSD was trained on; candidates from score 0.3;</li>
 *   <li>{@code tiny}: face-api's tiny detector, candidates from score 0.3.</li>
 * </ul>
 * On the bbt crops SSD misses, faces score 0.3-1.0 in the padded SSD and 0.25-0.9 in the tiny
 * detector; on random regions of the face-api demo photos away from every face, at most 0.22 and
 * 0.28 (the stage-1 SSD's own sub-threshold candidates reach 0.47 there, which the face check
 * rejects).
 * A per-frame time budget bounds the cost: a later stage starts only while the time since the
 * frame's detection began is under it (0 runs stage 1 alone). Every face says which stage found
 * it ({@link #stageOf}, {@link Result}). Not thread-safe (one per Flink subtask).
 */
public final class DetectionCascade implements FaceDetector {
    /** The first stage: the SSD as configured. */
    public static final String PRIMARY = "ssd";
    /** Margin of the padded copy, per side, as a fraction of the image's longer side. */
    static final double PAD_FRACTION = 0.5;
    static final float PAD_GREY = 128f;
    /** The re-detection's view: this many times the candidate box's longer side, centred on it. */
    static final double REDETECT_CONTEXT = 3.0;
    /** The SSD's score a re-detected face must pass (its own default threshold). */
    static final double REDETECT_SCORE = 0.5;
    /** Candidates smaller than this (shorter side, px) are not looked at. */
    static final double MIN_CANDIDATE_SIDE = 20;
    /** A candidate overlapping a found face this much (IoU), or holding its centre, is the same face. */
    static final double SAME_FACE_IOU = 0.3;

    /** The later stages, by configuration name. */
    public enum Stage {
        REFINE("refine", 0.2), SSD_PADDED("ssd-padded", 0.3), TINY("tiny", 0.3);

        private final String label;
        private final double minScore;

        Stage(String label, double minScore) {
            this.label = label;
            this.minScore = minScore;
        }

        /** The lowest detector score of a candidate this stage looks at. */
        public double minScore() {
            return minScore;
        }

        public String label() {
            return label;
        }

        public static List<String> labels() {
            return Arrays.stream(values()).map(Stage::label).toList();
        }

        public static Stage of(String label) {
            for (Stage s : values()) {
                if (s.label.equals(label)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("unknown cascade stage '" + label + "', expected one of " + labels());
        }
    }

    /** The stages {@code on} stands for, in order of cost. */
    public static final List<Stage> DEFAULT_STAGES = List.of(Stage.REFINE, Stage.SSD_PADDED, Stage.TINY);

    /** A face and the stage that found it ({@value #PRIMARY} or a {@link Stage#label()}). */
    public record Found(DetectedFace face, String stage) {}

    /** A candidate's refined box, the landmark check's verdict on it, and whether the SSD agrees it is a face. */
    record Judgement(DetectedFace refined, LandmarkFaceCheck.Verdict verdict, boolean ssdAgrees) {
        boolean face() {
            return verdict.face() && ssdAgrees;
        }
    }

    /** One frame's faces, and the stages that ran on it (stage 1 first), in order. */
    public record Result(List<Found> faces, List<String> stagesRun) {
        public List<DetectedFace> detections() {
            return faces.stream().map(Found::face).toList();
        }
    }

    private final SsdMobilenetV1Detector ssd;
    private final TinyFaceDetector tiny;
    private final FaceLandmarkNet landmarkNet;
    private final LandmarkFaceCheck check;
    private final List<Stage> stages;
    private final long budgetNanos;
    private final LongSupplier clock;
    private Result last = new Result(List.of(), List.of());

    /**
     * @param ssd stage 1 and the padded stage (owned: closed with the cascade)
     * @param tiny the tiny stage's detector, null when that stage is not configured (owned)
     * @param landmarkNet for refinement and the face check (shared: not closed here)
     */
    public DetectionCascade(SsdMobilenetV1Detector ssd, TinyFaceDetector tiny, FaceLandmarkNet landmarkNet,
                            List<Stage> stages, long budgetMillis) {
        this(ssd, tiny, landmarkNet, stages, budgetMillis, System::nanoTime);
    }

    DetectionCascade(SsdMobilenetV1Detector ssd, TinyFaceDetector tiny, FaceLandmarkNet landmarkNet,
                     List<Stage> stages, long budgetMillis, LongSupplier nanoClock) {
        if (stages.contains(Stage.TINY) && tiny == null) {
            throw new IllegalArgumentException("the tiny stage needs a tiny detector");
        }
        if (budgetMillis < 0) {
            throw new IllegalArgumentException("budget must not be negative: " + budgetMillis);
        }
        this.ssd = ssd;
        this.tiny = tiny;
        this.landmarkNet = landmarkNet;
        this.check = new LandmarkFaceCheck(landmarkNet);
        this.stages = List.copyOf(stages);
        this.budgetNanos = budgetMillis * 1_000_000L;
        this.clock = nanoClock;
    }

    /**
     * The later stages named by a setting: {@code on} (the {@link #DEFAULT_STAGES}) or a comma
     * list of stage names; {@code off} or blank is none.
     */
    public static List<Stage> parseStages(String setting) {
        String text = setting == null ? "" : setting.trim().toLowerCase(Locale.ROOT);
        if (text.isEmpty() || text.equals("off")) {
            return List.of();
        }
        if (text.equals("on")) {
            return DEFAULT_STAGES;
        }
        List<Stage> parsed = new ArrayList<>();
        for (String part : text.split(",")) {
            Stage stage = Stage.of(part.trim());
            if (parsed.contains(stage)) {
                throw new IllegalArgumentException("cascade stage '" + part.trim() + "' named twice");
            }
            parsed.add(stage);
        }
        return List.copyOf(parsed);
    }

    public List<Stage> stages() {
        return stages;
    }

    @Override
    public String name() {
        return "ssd+cascade";
    }

    @Override
    public List<DetectedFace> detect(RgbImage image) {
        return detectStaged(image).detections();
    }

    /** The faces with the stage that found each; also kept for {@link #stageOf} until the next call. */
    public Result detectStaged(RgbImage image) {
        long start = clock.getAsLong();
        List<Found> found = new ArrayList<>();
        List<String> ran = new ArrayList<>();
        if (image.width() <= 0 || image.height() <= 0) {
            return remember(new Result(List.of(), List.of()));
        }
        SsdMobilenetV1Detector.Prediction prediction = ssd.predict(image);
        for (DetectedFace face : ssd.facesOf(prediction, ssd.minConfidence())) {
            found.add(new Found(face, PRIMARY));
        }
        ran.add(PRIMARY);
        for (Stage stage : stages) {
            if (!found.isEmpty() || clock.getAsLong() - start >= budgetNanos) {
                break;
            }
            ran.add(stage.label());
            List<DetectedFace> candidates = switch (stage) {
                case REFINE -> ssd.facesOf(prediction, Stage.REFINE.minScore());
                case SSD_PADDED -> paddedSsd(image);
                case TINY -> tinyCandidates(image);
            };
            found.addAll(accept(image, candidates, stage, found));
        }
        return remember(new Result(List.copyOf(found), List.copyOf(ran)));
    }

    /** The result of the last {@link #detect}/{@link #detectStaged} call. */
    public Result lastResult() {
        return last;
    }

    /** The stage that found this face in the last call; null when it was not among its faces. */
    public String stageOf(DetectedFace face) {
        for (Found f : last.faces()) {
            if (f.face().equals(face)) {
                return f.stage();
            }
        }
        return null;
    }

    private Result remember(Result result) {
        last = result;
        return result;
    }

    /**
     * The faces among a stage's candidates: those scoring at least the stage's minimum, not
     * overlapping a face in {@code found} (nor a better-scored candidate), refined onto the
     * landmarks and confirmed ({@link #confirm}).
     */
    List<Found> accept(RgbImage image, List<DetectedFace> candidates, Stage stage, List<Found> found) {
        List<DetectedFace> fresh = new ArrayList<>();
        for (DetectedFace c : sortedByScore(candidates)) {
            if (c.score() >= stage.minScore() && Math.min(c.width(), c.height()) >= MIN_CANDIDATE_SIDE
                    && !overlapsAny(c, found, fresh)) {
                fresh.add(c);
            }
        }
        List<Found> accepted = new ArrayList<>();
        List<DetectedFace> acceptedBoxes = new ArrayList<>();
        for (Judgement judgement : confirm(image, fresh, stage == Stage.SSD_PADDED)) {
            DetectedFace box = judgement.refined();
            if (judgement.face() && !overlapsAny(box, found, acceptedBoxes)) {
                acceptedBoxes.add(box);
                accepted.add(new Found(box, stage.label()));
            }
        }
        return accepted;
    }

    /**
     * Each candidate judged on its own: refined onto its landmarks, and a face only when the
     * landmark face check passes and the SSD agrees: the candidate is an SSD detection scoring at
     * least {@link #REDETECT_SCORE} ({@code ssdScores}: the candidates' scores are the SSD's), or
     * the SSD, shown the refined box in a mid-grey margin ({@link #redetected}), finds a face there.
     * The SSD pass runs only for candidates the landmark check passed.
     */
    List<Judgement> confirm(RgbImage image, List<DetectedFace> candidates, boolean ssdScores) {
        if (candidates.isEmpty()) {
            return List.of();
        }
        List<DetectedFace> refined = refine(image, candidates);
        List<LandmarkFaceCheck.Verdict> verdicts = check.check(image, refined);
        List<Judgement> judgements = new ArrayList<>(candidates.size());
        for (int i = 0; i < refined.size(); i++) {
            DetectedFace box = refined.get(i);
            LandmarkFaceCheck.Verdict verdict = verdicts.get(i);
            boolean ssdAgrees = verdict.face()
                    && (ssdScores && candidates.get(i).score() >= REDETECT_SCORE || redetected(image, box));
            judgements.add(new Judgement(box, verdict, ssdAgrees));
        }
        return judgements;
    }

    /**
     * Whether the SSD finds a face (score above {@link #REDETECT_SCORE}) overlapping {@code box}
     * (IoU above {@link #SAME_FACE_IOU}) in a square of {@link #REDETECT_CONTEXT} times the box's
     * longer side centred on it, mid-grey where it leaves the image: the view of a face the SSD
     * was trained on, whatever the frame around it.
     */
    boolean redetected(RgbImage image, DetectedFace box) {
        int side = (int) Math.ceil(REDETECT_CONTEXT * Math.max(box.width(), box.height()));
        int left = (int) Math.floor(box.x() + box.width() / 2.0 - side / 2.0);
        int top = (int) Math.floor(box.y() + box.height() / 2.0 - side / 2.0);
        RgbImage view = window(image, left, top, side, PAD_GREY);
        for (DetectedFace f : ssd.facesOf(ssd.predict(view), REDETECT_SCORE)) {
            DetectedFace inImage = new DetectedFace(f.x() + left, f.y() + top, f.width(), f.height(), f.score());
            if (iou(inImage, box) > SAME_FACE_IOU) {
                return true;
            }
        }
        return false;
    }

    /** The {@code side x side} square of the image at (left, top), {@code grey} where it lies outside. */
    static RgbImage window(RgbImage image, int left, int top, int side, float grey) {
        float[] out = new float[side * side * 3];
        Arrays.fill(out, grey);
        int fromX = Math.max(0, left);
        int toX = Math.min(image.width(), left + side);
        if (toX > fromX) {
            for (int y = Math.max(0, top); y < Math.min(image.height(), top + side); y++) {
                image.copyTo((y * image.width() + fromX) * 3, out, ((y - top) * side + fromX - left) * 3,
                        (toX - fromX) * 3);
            }
        }
        return new RgbImage(side, side, out);
    }

    /**
     * Moves candidate boxes onto the face the landmark net sees in them: the box the SSD gives
     * for faces with those landmarks (on the face-api demo faces an SSD box is 0.96 times the
     * points' width and 1.38 times their height, centred 0.15 of their height above their centre).
     * Boxes without a whole pixel inside the image are returned as they are.
     */
    List<DetectedFace> refine(RgbImage image, List<DetectedFace> boxes) {
        List<DetectedFace> measurable = new ArrayList<>();
        for (DetectedFace b : boxes) {
            if (!ImageOps.clipAtImageBorders(b.x(), b.y(), b.width(), b.height(), image.width(), image.height()).isEmpty()) {
                measurable.add(b);
            }
        }
        List<FaceLandmarks> landmarks = measurable.isEmpty() ? List.of() : landmarkNet.detect(image, measurable);
        List<DetectedFace> refined = new ArrayList<>(boxes.size());
        for (int i = 0, m = 0; i < boxes.size(); i++) {
            DetectedFace b = boxes.get(i);
            if (m < measurable.size() && measurable.get(m) == b) {
                refined.add(boxOfLandmarks(landmarks.get(m++), b.score()));
            } else {
                refined.add(b);
            }
        }
        return refined;
    }

    static DetectedFace boxOfLandmarks(FaceLandmarks lm, float score) {
        double minX = Double.POSITIVE_INFINITY;
        double minY = Double.POSITIVE_INFINITY;
        double maxX = Double.NEGATIVE_INFINITY;
        double maxY = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < FaceLandmarks.COUNT; i++) {
            minX = Math.min(minX, lm.x(i));
            maxX = Math.max(maxX, lm.x(i));
            minY = Math.min(minY, lm.y(i));
            maxY = Math.max(maxY, lm.y(i));
        }
        double width = (maxX - minX) * 0.96;
        double height = (maxY - minY) * 1.38;
        double cx = (minX + maxX) / 2;
        double cy = (minY + maxY) / 2 - 0.15 * (maxY - minY);
        return new DetectedFace((float) (cx - width / 2), (float) (cy - height / 2), (float) width, (float) height, score);
    }

    private List<DetectedFace> paddedSsd(RgbImage image) {
        int pad = (int) Math.round(PAD_FRACTION * Math.max(image.width(), image.height()));
        RgbImage padded = padded(image, pad, PAD_GREY);
        List<DetectedFace> faces = new ArrayList<>();
        SsdMobilenetV1Detector.Prediction prediction = ssd.predict(padded);
        for (DetectedFace f : ssd.facesOf(prediction, Stage.SSD_PADDED.minScore())) {
            faces.add(new DetectedFace(f.x() - pad, f.y() - pad, f.width(), f.height(), f.score()));
        }
        return faces;
    }

    private List<DetectedFace> tinyCandidates(RgbImage image) {
        return tiny.detect(image);
    }

    /** The image centred in a margin of {@code pad} pixels of one grey level on every side. */
    static RgbImage padded(RgbImage image, int pad, float grey) {
        int width = image.width() + 2 * pad;
        int height = image.height() + 2 * pad;
        float[] out = new float[width * height * 3];
        Arrays.fill(out, grey);
        for (int y = 0; y < image.height(); y++) {
            image.copyTo(y * image.width() * 3, out, ((y + pad) * width + pad) * 3, image.width() * 3);
        }
        return new RgbImage(width, height, out);
    }

    private static List<DetectedFace> sortedByScore(List<DetectedFace> faces) {
        List<DetectedFace> sorted = new ArrayList<>(faces);
        sorted.sort(Comparator.comparingDouble(DetectedFace::score).reversed());
        return sorted;
    }

    private static boolean overlapsAny(DetectedFace box, List<Found> found, List<DetectedFace> more) {
        for (Found f : found) {
            if (sameFace(box, f.face())) {
                return true;
            }
        }
        for (DetectedFace m : more) {
            if (sameFace(box, m)) {
                return true;
            }
        }
        return false;
    }

    static boolean sameFace(DetectedFace a, DetectedFace b) {
        return iou(a, b) > SAME_FACE_IOU || contains(a, centreX(b), centreY(b)) || contains(b, centreX(a), centreY(a));
    }

    private static double centreX(DetectedFace d) {
        return d.x() + d.width() / 2.0;
    }

    private static double centreY(DetectedFace d) {
        return d.y() + d.height() / 2.0;
    }

    private static boolean contains(DetectedFace d, double x, double y) {
        return x >= d.x() && x <= d.x() + d.width() && y >= d.y() && y <= d.y() + d.height();
    }

    static double iou(DetectedFace a, DetectedFace b) {
        double left = Math.max(a.x(), b.x());
        double top = Math.max(a.y(), b.y());
        double right = Math.min(a.x() + a.width(), b.x() + b.width());
        double bottom = Math.min(a.y() + a.height(), b.y() + b.height());
        double overlap = Math.max(0, right - left) * Math.max(0, bottom - top);
        double union = (double) a.width() * a.height() + (double) b.width() * b.height() - overlap;
        return union > 0 ? overlap / union : 0;
    }

    /** Closes the detectors (the landmark net belongs to the caller). */
    @Override
    public void close() {
        ssd.close();
        if (tiny != null) {
            tiny.close();
        }
    }

    /** Stage names in the order a report lists them: stage 1, then the later stages. */
    public static List<String> stageLabels(List<Stage> stages) {
        List<String> labels = new ArrayList<>();
        labels.add(PRIMARY);
        stages.forEach(s -> labels.add(s.label()));
        return Collections.unmodifiableList(labels);
    }

    /** Counts of faces per stage in a result, every stage of {@code labels} present (0 when none). */
    public static Map<String, Integer> countByStage(List<Found> faces, List<String> labels) {
        Map<String, Integer> counts = new HashMap<>();
        labels.forEach(l -> counts.put(l, 0));
        faces.forEach(f -> counts.merge(f.stage(), 1, Integer::sum));
        return counts;
    }
}
