package io.biostream.launcher;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.biostream.launcher.eval.FaceImageReader;
import io.biostream.launcher.eval.FaceImageReader.UnreadableImageException;
import io.biostream.launcher.eval.IdentityFolders;
import io.biostream.launcher.eval.IdentityFolders.LabelledFile;
import io.biostream.launcher.eval.ProgressBar;
import io.biostream.launcher.eval.TightCropProtocol;
import io.biostream.launcher.eval.VerificationReport;
import io.biostream.launcher.eval.VerificationReport.Skipped;
import io.biostream.operators.config.Settings;
import io.biostream.operators.decode.DecodeLimits;
import io.biostream.operators.identity.IdentityConfig;
import io.biostream.operators.identity.VerificationPairs;
import io.biostream.operators.vision.DetectionCascade;
import io.biostream.operators.vision.FacePipeline;
import io.biostream.operators.image.RgbImage;
import io.biostream.operators.vision.VisionConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code biostream eval verify DIR [--json OUT] [--threshold T] [--border F] [--no-fallback]
 * [--crop face-api|aligned] [--mirror|--no-mirror] [--cascade[=STAGES|off]]}: face-verification
 * figures of the configured vision path (by default the product's: aligned crop, mirror average,
 * cascade on; the flags override {@code biostream.vision.crop}, {@code biostream.vision.mirror-average}
 * and {@code biostream.vision.cascade}; {@code --crop face-api --no-mirror --cascade=off} is the
 * JavaScript peer's path) over a set of identity folders (see {@link IdentityFolders}), every pair
 * compared, with the peer's protocol for tight crops ({@link TightCropProtocol}). The cascade
 * ({@link DetectionCascade}), whether configured or asked for by {@code --cascade}, runs with no
 * time budget unless {@code biostream.vision.cascade-budget-ms} is given, so the figures do not
 * depend on the machine's load, and the report counts the faces each stage found.
 * Progress and skipped files go to stderr, the table to stdout.
 */
public final class EvalCommand {
    public static final String THRESHOLD_KEY = "biostream.identity.match-threshold";
    /** The product's match threshold ({@code biostream.identity.match-threshold}'s default). */
    public static final double DEFAULT_THRESHOLD = IdentityConfig.DEFAULT_MATCH_THRESHOLD;
    public static final double DEFAULT_BORDER = 0.25;
    static final String CASCADE_BUDGET_KEY = "biostream.vision.cascade-budget-ms";
    /** The cascade's budget in an evaluation unless one is configured: the setting's maximum. */
    static final int UNBOUNDED_BUDGET_MS = 60_000;
    /** Pairs grow with the square of the images: 5000 images are 12.5 million pairs. */
    static final int MAX_IMAGES = 5000;
    static final String USAGE = "usage: biostream eval verify DIR [--json OUT] [--threshold T] [--border F] [--no-fallback]"
            + " [--crop face-api|aligned] [--mirror|--no-mirror] [--cascade[=STAGES|off]]";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** {@code cascade}: the stages {@code --cascade} asked for ({@code off} for none), null to follow the configuration. */
    record Options(Path set, Path json, double threshold, double border, boolean fallback, VisionConfig vision, String cascade) {}


    private EvalCommand() {}

    public static int run(List<String> args, Settings settings, PrintStream out, PrintStream err) {
        Options options;
        try {
            options = parse(args, settings);
        } catch (UsageException e) {
            err.println(e.getMessage());
            err.println(USAGE);
            return 2;
        }
        List<LabelledFile> files;
        try {
            files = IdentityFolders.list(options.set(), MAX_IMAGES);
        } catch (IOException e) {
            err.println("eval: " + e.getMessage());
            return 1;
        }
        VisionConfig vision = evaluatedPath(options, settings);
        List<DetectionCascade.Stage> stages = DetectionCascade.parseStages(vision.cascade());
        List<String> stageLabels = stages.isEmpty() ? List.of() : DetectionCascade.stageLabels(stages);
        VerificationReport report;
        try (FacePipeline pipeline = vision.openPipeline()) {
            report = evaluate(options, files, pipeline, stageLabels, err);
        }
        if (report == null) {
            return 1;
        }
        out.print(report.table());
        if (options.json() != null) {
            try {
                JSON.writerWithDefaultPrettyPrinter().writeValue(options.json().toFile(), report.toJson());
            } catch (IOException e) {
                err.println("eval: cannot write " + options.json() + ": " + e.getMessage());
                return 1;
            }
        }
        return 0;
    }

    /**
     * The vision path the evaluation runs: the options' ({@code --cascade} over the configured
     * cascade), its cascade, configured or asked for, without a time budget unless
     * {@value #CASCADE_BUDGET_KEY} is given, so figures do not depend on the machine's load.
     */
    static VisionConfig evaluatedPath(Options options, Settings settings) {
        VisionConfig vision = options.vision();
        if (options.cascade() != null) {
            vision = vision.withCascade(options.cascade());
        }
        if (!DetectionCascade.parseStages(vision.cascade()).isEmpty() && settings.get(CASCADE_BUDGET_KEY, null) == null) {
            vision = vision.withCascadeBudgetMs(UNBOUNDED_BUDGET_MS);
        }
        return vision;
    }

    /**
     * Runs the pipeline over every file; null (after saying why on {@code err}) when there are not
     * enough pairs. {@code stageLabels}: the cascade's stages to count faces by, empty when it is off.
     */
    static VerificationReport evaluate(Options options, List<LabelledFile> files, FacePipeline pipeline,
                                       List<String> stageLabels, PrintStream err) {
        FaceImageReader reader = new FaceImageReader(DecodeLimits.DEFAULTS);
        TightCropProtocol protocol = new TightCropProtocol(options.border(), options.fallback());
        List<String> identities = new ArrayList<>();
        List<float[]> descriptors = new ArrayList<>();
        Set<String> identitiesSeen = new LinkedHashSet<>();
        List<String> withoutDetection = new ArrayList<>();
        List<String> fallbacks = new ArrayList<>();
        List<String> notEnrolled = new ArrayList<>();
        List<Skipped> skipped = new ArrayList<>();
        Map<String, Integer> facesByStage = new LinkedHashMap<>();
        stageLabels.forEach(label -> facesByStage.put(label, 0));
        int images = 0;
        ProgressBar progress = ProgressBar.onTerminal(err, "eval verify", files.size());
        long start = System.nanoTime();
        for (LabelledFile file : files) {
            try {
                RgbImage image = reader.read(file.path());
                images++;
                identitiesSeen.add(file.identity());
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
                    notEnrolled.add(file.name());
                } else {
                    identities.add(file.identity());
                    descriptors.add(outcome.descriptor());
                }
            } catch (UnreadableImageException e) {
                skipped.add(new Skipped(file.name(), e.getMessage()));
                progress.note("eval: skipped " + file.path() + ": " + e.getMessage());
            }
            progress.step();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        progress.finish();
        VerificationPairs pairs = VerificationPairs.of(identities, descriptors);
        if (pairs.sameDistances().length == 0 || pairs.differentDistances().length == 0) {
            err.println("eval: " + options.set() + " gives " + pairs.sameDistances().length + " same-person and "
                    + pairs.differentDistances().length + " different-person pairs; need at least one of each"
                    + " (two identities, one of them with two described images)");
            return null;
        }
        return new VerificationReport(options.set().toString(), pipeline.detectorName(), pipeline.modelId(),
                options.border(), options.fallback(), images, identitiesSeen.size(), withoutDetection, fallbacks,
                notEnrolled, skipped, options.threshold(), pairs.metrics(), seconds > 0 ? images / seconds : 0, facesByStage);
    }

    static Options parse(List<String> args, Settings settings) throws UsageException {
        if (args.isEmpty() || !args.get(0).equals("verify")) {
            throw new UsageException("eval: the only evaluation is 'verify'");
        }
        Path set = null;
        Path json = null;
        Double threshold = null;
        double border = DEFAULT_BORDER;
        boolean fallback = true;
        VisionConfig vision = VisionConfig.from(settings);
        String crop = vision.crop();
        boolean mirror = vision.mirrorAverage();
        String cascade = null;
        for (int i = 1; i < args.size(); i++) {
            String arg = args.get(i);
            String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            boolean inline = arg.contains("=");
            switch (name) {
                case "--json", "--threshold", "--border", "--crop" -> {
                    String value;
                    if (inline) {
                        value = arg.substring(arg.indexOf('=') + 1);
                    } else if (i + 1 < args.size()) {
                        value = args.get(++i);
                    } else {
                        throw new UsageException("eval: " + name + " needs a value");
                    }
                    switch (name) {
                        case "--json" -> json = Path.of(value);
                        case "--threshold" -> threshold = positive(name, value);
                        case "--crop" -> crop = cropName(value);
                        default -> border = borderFraction(value);
                    }
                }
                case "--no-fallback" -> fallback = false;
                case "--mirror" -> mirror = true;
                case "--no-mirror" -> mirror = false;
                case "--cascade" -> cascade = cascadeStages(inline ? arg.substring(arg.indexOf('=') + 1) : "on");
                default -> {
                    if (arg.startsWith("--") && inline) {
                        continue; // a configuration flag, already in settings
                    }
                    if (arg.startsWith("-") || set != null) {
                        throw new UsageException("eval: unexpected argument '" + arg + "'");
                    }
                    set = Path.of(arg);
                }
            }
        }
        if (set == null) {
            throw new UsageException("eval: no set folder given");
        }
        if (json != null && json.toAbsolutePath().getParent() != null && !Files.isDirectory(json.toAbsolutePath().getParent())) {
            throw new UsageException("eval: folder of " + json + " does not exist");
        }
        return new Options(set, json, threshold != null ? threshold : thresholdSetting(settings), border, fallback,
                vision.withDescriptorCrop(crop, mirror), cascade);
    }

    /** {@value #THRESHOLD_KEY} from the configuration layers, {@value #DEFAULT_THRESHOLD} when unset. */
    static double thresholdSetting(Settings settings) {
        String text = settings.get(THRESHOLD_KEY, null);
        if (text == null) {
            return DEFAULT_THRESHOLD;
        }
        try {
            return positive(THRESHOLD_KEY, text);
        } catch (UsageException e) {
            throw new Settings.ConfigException(THRESHOLD_KEY, "must be a positive number, got '" + text + "'");
        }
    }

    private static double positive(String name, String text) throws UsageException {
        try {
            double value = Double.parseDouble(text);
            if (Double.isFinite(value) && value > 0) {
                return value;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new UsageException("eval: " + name + " must be a positive number, got '" + text + "'");
    }

    private static String cropName(String text) throws UsageException {
        if (!VisionConfig.CROPS.contains(text)) {
            throw new UsageException("eval: --crop must be one of " + VisionConfig.CROPS + ", got '" + text + "'");
        }
        return text;
    }

    private static String cascadeStages(String text) throws UsageException {
        try {
            if (DetectionCascade.parseStages(text).isEmpty() && !text.equalsIgnoreCase("off")) {
                throw new UsageException("eval: --cascade names no stage ('" + text + "'); --cascade=off runs without");
            }
            return text;
        } catch (IllegalArgumentException e) {
            throw new UsageException("eval: --cascade: " + e.getMessage());
        }
    }

    private static double borderFraction(String text) throws UsageException {
        try {
            double value = Double.parseDouble(text);
            if (value >= 0 && value <= 2) {
                return value;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new UsageException("eval: --border must be a fraction of the crop size between 0 and 2, got '" + text + "'");
    }
}
