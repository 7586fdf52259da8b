package io.biostream.launcher.eval;

import io.biostream.launcher.eval.FaceImageReader.UnreadableImageException;
import io.biostream.launcher.eval.IdentityFolders.LabelledFile;
import io.biostream.launcher.eval.VerificationReport.Skipped;
import io.biostream.operators.decode.DecodeLimits;
import io.biostream.operators.image.RgbImage;
import io.biostream.operators.vision.FacePipeline;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every file of a labelled set run through the vision path with the tight-crop protocol: what both
 * evaluations ({@code eval verify}, {@code eval identify}) start from. {@code images} are the files
 * read as images, in the set's order, each with its descriptor (null where no face was described);
 * files that are not images are {@code skipped}. {@code facesByStage} counts the described images
 * by the detection stage that found their face, for the stages asked for (empty: cascade off).
 */
public record DescribedSet(
        List<Image> images,
        Set<String> identities,
        List<String> withoutDetection,
        List<String> fallbacks,
        List<String> notDescribed,
        List<Skipped> skipped,
        Map<String, Integer> facesByStage,
        double seconds) {

    /** One image of the set; descriptor null when no face was described; outcome: how it was described (null if not kept). */
    public record Image(LabelledFile file, float[] descriptor, TightCropProtocol.Outcome outcome) {
        public Image(LabelledFile file, float[] descriptor) {
            this(file, descriptor, null);
        }

        public boolean described() {
            return descriptor != null;
        }
    }

    public DescribedSet {
        images = List.copyOf(images);
        identities = Collections.unmodifiableSet(new LinkedHashSet<>(identities));
        facesByStage = Collections.unmodifiableMap(new LinkedHashMap<>(facesByStage));
    }

    /** The described images only, in the set's order. */
    public List<Image> described() {
        return images.stream().filter(Image::described).toList();
    }

    /** Images read per second of the run. */
    public double imagesPerSecond() {
        return seconds > 0 ? images.size() / seconds : 0;
    }

    /**
     * Describes every file; a file that is not a readable image is skipped with a note on
     * {@code err} (above the progress bar labelled {@code label}).
     */
    public static DescribedSet describe(List<LabelledFile> files, TightCropProtocol protocol, FacePipeline pipeline,
                                        List<String> stageLabels, String label, PrintStream err) {
        FaceImageReader reader = new FaceImageReader(DecodeLimits.DEFAULTS);
        List<Image> images = new ArrayList<>();
        Set<String> identities = new LinkedHashSet<>();
        List<String> withoutDetection = new ArrayList<>();
        List<String> fallbacks = new ArrayList<>();
        List<String> notDescribed = new ArrayList<>();
        List<Skipped> skipped = new ArrayList<>();
        Map<String, Integer> facesByStage = new LinkedHashMap<>();
        stageLabels.forEach(stage -> facesByStage.put(stage, 0));
        ProgressBar progress = ProgressBar.onTerminal(err, label, files.size());
        long start = System.nanoTime();
        for (LabelledFile file : files) {
            try {
                RgbImage image = reader.read(file.path());
                identities.add(file.identity());
                TightCropProtocol.Outcome outcome = protocol.describe(image, pipeline);
                if (!outcome.detected()) {
                    withoutDetection.add(file.name());
                }
                if (outcome.fallback()) {
                    fallbacks.add(file.name());
                }
                if (!stageLabels.isEmpty() && outcome.stage() != null) {
                    facesByStage.merge(outcome.stage(), 1, Integer::sum);
                }
                if (outcome.descriptor() == null) {
                    notDescribed.add(file.name());
                }
                images.add(new Image(file, outcome.descriptor(), outcome));
            } catch (UnreadableImageException e) {
                skipped.add(new Skipped(file.name(), e.getMessage()));
                progress.note("eval: skipped " + file.path() + ": " + e.getMessage());
            }
            progress.step();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        progress.finish();
        return new DescribedSet(images, identities, withoutDetection, fallbacks, notDescribed, skipped, facesByStage, seconds);
    }
}
