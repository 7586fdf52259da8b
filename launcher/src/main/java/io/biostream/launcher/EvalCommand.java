package io.biostream.launcher;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.biostream.launcher.eval.DescribedSet;
import io.biostream.launcher.eval.ErrorAttribution;
import io.biostream.launcher.eval.IdentificationReport;
import io.biostream.launcher.eval.IdentificationSearch;
import io.biostream.launcher.eval.IdentityFolders;
import io.biostream.launcher.eval.IdentityFolders.LabelledFile;
import io.biostream.launcher.eval.ScoreNormalisation;
import io.biostream.launcher.eval.TightCropProtocol;
import io.biostream.launcher.eval.VerificationReport;
import io.biostream.operators.config.Settings;
import io.biostream.operators.identity.IdentityConfig;
import io.biostream.operators.identity.VerificationPairs;
import io.biostream.operators.vision.DetectionCascade;
import io.biostream.operators.vision.FacePipeline;
import io.biostream.operators.vision.LandmarkRefinement;
import io.biostream.operators.vision.VisionConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code biostream eval verify DIR [--json OUT] [--threshold T] [--border F] [--no-fallback]
 * [--crop face-api|aligned] [--mirror|--no-mirror] [--cascade[=STAGES|off]] [--landmark-passes N]
 * [--landmark-mirror] [--per-image]}: face-verification figures of the configured vision path (by
 * default the product's: aligned crop with the mirror average; the flags override
 * {@code biostream.vision.crop}, {@code biostream.vision.mirror-average} and
 * {@code biostream.vision.cascade}; {@code --crop face-api --no-mirror --cascade=off} is the
 * JavaScript peer's path) over a set of identity folders (see {@link IdentityFolders}), every pair
 * compared, with the peer's protocol for tight crops ({@link TightCropProtocol}). The cascade
 * ({@link DetectionCascade}), whether configured or asked for by {@code --cascade}, runs with no
 * time budget unless {@code biostream.vision.cascade-budget-ms} is given, so the figures do not
 * depend on the machine's load, and the report counts the faces each stage found.
 * {@code --landmark-passes} and {@code --landmark-mirror} override {@code biostream.vision.landmark-passes}
 * and {@code landmark-mirror} ({@code LandmarkRefinement}); {@code --per-image} lists on stderr, and
 * in the JSON as {@code per_image}, the errors each image takes part in at the equal-error
 * threshold, with its detection stage, score, quality and pose ({@link ErrorAttribution}), of the raw distances.
 *
 * <p>{@code --score-norm none|s-norm|as-norm} (a comma list runs several on the same descriptors,
 * one table each; default {@code none}) normalises every pair's distance against an impostor
 * cohort ({@link ScoreNormalisation}): {@code --cohort DIR}, identity folders of people not in the
 * set, read and described exactly as the set; {@code as-norm} takes each template's
 * {@code --cohort-top K} closest cohort templates (a comma list of K runs each).
 * {@code --cohort-from-set} uses instead, per pair, the set's own templates of the other
 * identities (leave-identities-out): a diagnostic, optimistic, labelled so in the report. With
 * several tables the JSON holds them as {@code variants}.
 * Progress and skipped files go to stderr, the table to stdout.
 *
 * <p>{@code biostream eval identify DIR [--strangers DIR2] [--seed S]} and the same pipeline flags:
 * 1:N identification through the product's gallery search ({@link IdentificationSearch}: one photo
 * enrolled per identity, the rest as probes, the strangers' photos as non-mated probes), reported
 * by {@link IdentificationReport}.
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
            + " [--crop face-api|aligned] [--mirror|--no-mirror] [--cascade[=STAGES|off]] [--landmark-passes N] [--landmark-mirror] [--per-image]"
            + " [--score-norm none|s-norm|as-norm[,...]] [--cohort DIR] [--cohort-from-set] [--cohort-top K[,...]]\n"
            + "       biostream eval identify DIR [--strangers DIR2] [--seed S] [--json OUT] [--threshold T] [--border F]"
            + " [--no-fallback] [--crop face-api|aligned] [--mirror|--no-mirror] [--cascade[=STAGES|off]] [--landmark-passes N] [--landmark-mirror]";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * {@code cascade}: the stages {@code --cascade} asked for ({@code off} for none), null to follow the configuration.
     * {@code identify}: {@code eval identify} (else verify); {@code strangers} and {@code seed}, its
     * stranger set and enrolment seed, null when not given. {@code perImage}: verify's per-image error list.
     * {@code scoreNorms}: verify's normalisations, one report each ({@code none} alone by default);
     * {@code cohort}: their cohort folder (null: none); {@code cohortFromSet}: also (or instead)
     * the leave-identities-out diagnostic cohort.
     */
    record Options(Path set, Path json, double threshold, double border, boolean fallback, VisionConfig vision, String cascade,
                   boolean identify, Path strangers, Long seed, boolean perImage, List<ScoreNormalisation.Method> scoreNorms,
                   Path cohort, boolean cohortFromSet) {
        Options {
            scoreNorms = List.copyOf(scoreNorms);
        }
    }


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
        List<LabelledFile> strangerFiles = null;
        List<LabelledFile> cohortFiles = null;
        try {
            files = IdentityFolders.list(options.set(), MAX_IMAGES);
            if (options.strangers() != null) {
                strangerFiles = IdentityFolders.list(options.strangers(), MAX_IMAGES);
            }
            if (options.cohort() != null) {
                cohortFiles = IdentityFolders.list(options.cohort(), MAX_IMAGES);
                String shared = sharedIdentities(files, cohortFiles);
                if (!shared.isEmpty()) {
                    err.println("eval: the cohort " + options.cohort() + " shares identities with the set (" + shared
                            + "); a cohort must be people who are not in the set");
                    return 1;
                }
            }
        } catch (IOException e) {
            err.println("eval: " + e.getMessage());
            return 1;
        }
        VisionConfig vision = evaluatedPath(options, settings);
        List<String> stageLabels = stageLabels(vision);
        String table;
        ObjectNode json;
        List<ErrorAttribution.Image> attributed = new ArrayList<>();
        List<float[]> described = new ArrayList<>();
        try (FacePipeline pipeline = vision.openPipeline()) {
            if (options.identify()) {
                IdentificationReport report = identify(options, files, strangerFiles, pipeline, stageLabels, err);
                if (report == null) {
                    return 1;
                }
                table = report.table();
                json = report.toJson();
            } else {
                List<VerificationReport> reports = evaluate(options, files, cohortFiles, pipeline, stageLabels, err,
                        attributed, described);
                if (reports == null) {
                    return 1;
                }
                table = String.join(System.lineSeparator(), reports.stream().map(VerificationReport::table).toList());
                json = verificationJson(reports);
            }
        }
        out.print(table);
        ErrorAttribution attribution = options.perImage() ? ErrorAttribution.of(attributed, described) : null;
        if (attribution != null) {
            err.printf(java.util.Locale.ROOT, "images with errors at the EER threshold %.3f (false rejects / false accepts):%n",
                    attribution.threshold());
            attribution.counted().stream().filter(c -> c.errors() > 0).forEach(c -> err.printf(java.util.Locale.ROOT,
                    "  %-28s %-10s score %.2f quality %.2f yaw %6.1f  %d / %d%n", c.image().file(), c.image().stage(),
                    c.image().detectionScore(), c.image().quality(), c.image().yaw(), c.falseRejects(), c.falseAccepts()));
        }
        if (options.json() != null) {
            try {
                if (attribution != null) {
                    json.set("per_image", attribution.toJson());
                }
                JSON.writerWithDefaultPrettyPrinter().writeValue(options.json().toFile(), json);
            } catch (IOException e) {
                err.println("eval: cannot write " + options.json() + ": " + e.getMessage());
                return 1;
            }
        }
        return 0;
    }

    /** One report as itself; several (normalisations) as {@code {"variants": [...]}}. */
    private static ObjectNode verificationJson(List<VerificationReport> reports) {
        if (reports.size() == 1) {
            return reports.get(0).toJson();
        }
        var json = JSON.createObjectNode();
        var variants = json.putArray("variants");
        reports.forEach(r -> variants.add(r.toJson()));
        return json;
    }

    /** The identities both lists hold, comma-separated; empty when none. */
    static String sharedIdentities(List<LabelledFile> set, List<LabelledFile> cohort) {
        Set<String> identities = new LinkedHashSet<>();
        set.forEach(f -> identities.add(f.identity()));
        Set<String> shared = new LinkedHashSet<>();
        cohort.stream().map(LabelledFile::identity).filter(identities::contains).forEach(shared::add);
        return String.join(", ", shared);
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

    /** The cascade's stages to count faces by, empty when it is off. */
    static List<String> stageLabels(VisionConfig vision) {
        List<DetectionCascade.Stage> stages = DetectionCascade.parseStages(vision.cascade());
        return stages.isEmpty() ? List.of() : DetectionCascade.stageLabels(stages);
    }

    /**
     * 1:N identification over {@code files} with {@code strangerFiles} (null: none) as non-mated
     * probes; null (after saying why on {@code err}) when the set gives no mated probe.
     */
    static IdentificationReport identify(Options options, List<LabelledFile> files, List<LabelledFile> strangerFiles,
                                         FacePipeline pipeline, List<String> stageLabels, PrintStream err) {
        TightCropProtocol protocol = new TightCropProtocol(options.border(), options.fallback());
        DescribedSet set = DescribedSet.describe(files, protocol, pipeline, stageLabels, "eval identify", err);
        DescribedSet strangers = strangerFiles == null ? null
                : DescribedSet.describe(strangerFiles, protocol, pipeline, stageLabels, "eval identify (strangers)", err);
        IdentificationSearch.Result result = IdentificationSearch.search(set, strangers, options.seed());
        if (result.matedProbes().isEmpty()) {
            err.println("eval: " + options.set() + " gives " + result.enrolled().size() + " enrolled identities and no mated probe;"
                    + " need an identity with a described photo and at least one more photo");
            return null;
        }
        return new IdentificationReport(options.set().toString(), options.strangers() == null ? null : options.strangers().toString(),
                pipeline.detectorName(), pipeline.modelId(), options.border(), options.fallback(), options.seed(),
                options.threshold(), set, strangers, result, BenchCommand.machine());
    }

    /**
     * Runs the pipeline over every file (and the cohort's, {@code cohortFiles}, null when none) and
     * gives one report per normalisation asked for; null (after saying why on {@code err}) when
     * there are not enough pairs or cohort templates. {@code stageLabels}: the cascade's stages to
     * count faces by, empty when it is off. Adds each described image and its descriptor to
     * {@code attributed} and {@code described}.
     */
    static List<VerificationReport> evaluate(Options options, List<LabelledFile> files, List<LabelledFile> cohortFiles,
                                             FacePipeline pipeline, List<String> stageLabels, PrintStream err,
                                             List<ErrorAttribution.Image> attributed, List<float[]> described) {
        TightCropProtocol protocol = new TightCropProtocol(options.border(), options.fallback());
        DescribedSet set = DescribedSet.describe(files, protocol, pipeline, stageLabels, "eval verify", err);
        List<float[]> cohort = new ArrayList<>();
        if (cohortFiles != null) {
            DescribedSet.describe(cohortFiles, protocol, pipeline, List.of(), "eval verify (cohort)", err).described()
                    .forEach(image -> cohort.add(image.descriptor()));
            if (cohort.size() < 2) {
                err.println("eval: the cohort " + options.cohort() + " gives " + cohort.size()
                        + " described templates; score normalisation needs at least 2");
                return null;
            }
        }
        List<String> identities = new ArrayList<>();
        List<float[]> descriptors = new ArrayList<>();
        for (DescribedSet.Image image : set.described()) {
            identities.add(image.file().identity());
            descriptors.add(image.descriptor());
            attributed.add(attributionOf(image.file(), image.outcome()));
            described.add(image.descriptor());
        }
        VerificationPairs pairs = VerificationPairs.of(identities, descriptors);
        if (pairs.sameDistances().length == 0 || pairs.differentDistances().length == 0) {
            err.println("eval: " + options.set() + " gives " + pairs.sameDistances().length + " same-person and "
                    + pairs.differentDistances().length + " different-person pairs; need at least one of each"
                    + " (two identities, one of them with two described images)");
            return null;
        }
        List<VerificationReport> reports = new ArrayList<>();
        for (ScoreNormalisation.Method method : options.scoreNorms()) {
            if (!method.normalises()) {
                reports.add(report(options, pipeline, set, pairs, null));
                continue;
            }
            if (options.cohort() != null) {
                reports.add(report(options, pipeline, set, ScoreNormalisation.withCohort(identities, descriptors, cohort, method),
                        new VerificationReport.ScoreNorm(method, options.cohort().toString(), cohort.size(), cohort.size(), false)));
            }
            if (options.cohortFromSet()) {
                if (set.identities().size() < 3) {
                    err.println("eval: --cohort-from-set needs at least 3 identities (a pair's two and a cohort), got "
                            + set.identities().size());
                    return null;
                }
                int[] sizes = ScoreNormalisation.leaveIdentitiesOutCohorts(identities);
                reports.add(report(options, pipeline, set, ScoreNormalisation.leaveIdentitiesOut(identities, descriptors, method),
                        new VerificationReport.ScoreNorm(method, "the set's other identities (leave-identities-out)",
                                sizes[0], sizes[1], true)));
            }
        }
        return reports;
    }

    private static VerificationReport report(Options options, FacePipeline pipeline, DescribedSet set, VerificationPairs pairs,
                                             VerificationReport.ScoreNorm scoreNorm) {
        return new VerificationReport(options.set().toString(), pipeline.detectorName(), pipeline.modelId(),
                options.border(), options.fallback(), set.images().size(), set.identities().size(), set.withoutDetection(),
                set.fallbacks(), set.notDescribed(), set.skipped(), options.threshold(), pairs.metrics(), set.imagesPerSecond(),
                set.facesByStage(), scoreNorm);
    }

    private static ErrorAttribution.Image attributionOf(LabelledFile file, TightCropProtocol.Outcome outcome) {
        FacePipeline.Face face = outcome.face();
        String stage = outcome.fallback() ? "fallback" : outcome.stage();
        if (face == null || face.quality() == null) {
            return new ErrorAttribution.Image(file.name(), file.identity(), stage, Double.NaN, Double.NaN,
                    Double.NaN, Double.NaN, Double.NaN);
        }
        return new ErrorAttribution.Image(file.name(), file.identity(), stage,
                outcome.fallback() ? Double.NaN : face.detection().score(), face.quality().score(),
                face.quality().yaw(), face.quality().pitch(), face.quality().roll());
    }

    static Options parse(List<String> args, Settings settings) throws UsageException {
        if (args.isEmpty() || !List.of("verify", "identify").contains(args.get(0))) {
            throw new UsageException("eval: the evaluations are 'verify' and 'identify'");
        }
        boolean identify = args.get(0).equals("identify");
        Path strangers = null;
        Long seed = null;
        Path set = null;
        Path json = null;
        Double threshold = null;
        double border = DEFAULT_BORDER;
        boolean fallback = true;
        VisionConfig vision = VisionConfig.from(settings);
        String crop = vision.crop();
        boolean mirror = vision.mirrorAverage();
        String cascade = null;
        int landmarkPasses = vision.landmarkPasses();
        boolean landmarkMirror = vision.landmarkMirror();
        boolean perImage = false;
        List<String> scoreNormNames = List.of("none");
        List<Integer> cohortTops = List.of();
        Path cohort = null;
        boolean cohortFromSet = false;
        for (int i = 1; i < args.size(); i++) {
            String arg = args.get(i);
            String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            boolean inline = arg.contains("=");
            switch (name) {
                case "--json", "--threshold", "--border", "--crop", "--strangers", "--seed", "--landmark-passes",
                     "--score-norm", "--cohort", "--cohort-top" -> {
                    if (!identify && (name.equals("--strangers") || name.equals("--seed"))) {
                        throw new UsageException("eval: " + name + " is for 'eval identify'");
                    }
                    if (identify && (name.equals("--score-norm") || name.startsWith("--cohort"))) {
                        throw new UsageException("eval: " + name + " is for 'eval verify'");
                    }
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
                        case "--strangers" -> strangers = Path.of(value);
                        case "--seed" -> seed = seedValue(value);
                        case "--landmark-passes" -> landmarkPasses = landmarkPasses(value);
                        case "--score-norm" -> scoreNormNames = scoreNormNames(value);
                        case "--cohort" -> cohort = Path.of(value);
                        case "--cohort-top" -> cohortTops = cohortTops(value);
                        default -> border = borderFraction(value);
                    }
                }
                case "--no-fallback" -> fallback = false;
                case "--mirror" -> mirror = true;
                case "--landmark-mirror" -> landmarkMirror = true;
                case "--per-image" -> {
                    if (identify) {
                        throw new UsageException("eval: --per-image is for 'eval verify'");
                    }
                    perImage = true;
                }
                case "--no-mirror" -> mirror = false;
                case "--cohort-from-set" -> {
                    if (identify) {
                        throw new UsageException("eval: --cohort-from-set is for 'eval verify'");
                    }
                    cohortFromSet = true;
                }
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
                vision.withDescriptorCrop(crop, mirror).withLandmarkRefinement(landmarkPasses, landmarkMirror), cascade,
                identify, strangers, seed, perImage, scoreNorms(scoreNormNames, cohortTops, cohort, cohortFromSet), cohort,
                cohortFromSet);
    }

    /** The normalisations named, as-norm once per K; the cohort flags must go with a normalisation and it with a cohort. */
    private static List<ScoreNormalisation.Method> scoreNorms(List<String> names, List<Integer> tops, Path cohort,
                                                              boolean cohortFromSet) throws UsageException {
        boolean normalises = names.stream().anyMatch(n -> !n.equals("none"));
        if (names.contains("as-norm") && tops.isEmpty()) {
            throw new UsageException("eval: --score-norm as-norm needs --cohort-top K (the closest cohort templates to use)");
        }
        if (!tops.isEmpty() && !names.contains("as-norm")) {
            throw new UsageException("eval: --cohort-top is for --score-norm as-norm");
        }
        if (normalises && cohort == null && !cohortFromSet) {
            throw new UsageException("eval: --score-norm " + String.join(",", names)
                    + " needs a cohort: --cohort DIR (people not in the set), or --cohort-from-set (diagnostic)");
        }
        if (!normalises && (cohort != null || cohortFromSet)) {
            throw new UsageException("eval: " + (cohort != null ? "--cohort" : "--cohort-from-set")
                    + " is for --score-norm s-norm or as-norm");
        }
        List<ScoreNormalisation.Method> methods = new ArrayList<>();
        for (String name : names) {
            if (name.equals("as-norm")) {
                tops.forEach(top -> methods.add(new ScoreNormalisation.Method(name, top)));
            } else {
                methods.add(new ScoreNormalisation.Method(name, 0));
            }
        }
        return methods;
    }

    private static List<String> scoreNormNames(String text) throws UsageException {
        Set<String> names = new LinkedHashSet<>();
        for (String name : text.split(",", -1)) {
            if (!ScoreNormalisation.NAMES.contains(name)) {
                throw new UsageException("eval: --score-norm must be one or more of " + ScoreNormalisation.NAMES
                        + " (comma-separated), got '" + text + "'");
            }
            names.add(name);
        }
        return List.copyOf(names);
    }

    private static List<Integer> cohortTops(String text) throws UsageException {
        Set<Integer> tops = new LinkedHashSet<>();
        for (String top : text.split(",", -1)) {
            try {
                int value = Integer.parseInt(top);
                if (value >= 2) {
                    tops.add(value);
                    continue;
                }
            } catch (NumberFormatException e) {
                // refused below
            }
            throw new UsageException("eval: --cohort-top must be whole numbers of at least 2 (comma-separated), got '" + text + "'");
        }
        return List.copyOf(tops);
    }

    private static long seedValue(String text) throws UsageException {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new UsageException("eval: --seed must be a whole number, got '" + text + "'");
        }
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

    private static int landmarkPasses(String text) throws UsageException {
        try {
            int value = Integer.parseInt(text);
            if (value >= 0 && value <= LandmarkRefinement.MAX_PASSES) {
                return value;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw new UsageException("eval: --landmark-passes must be a whole number of further landmark passes from 0 to "
                + LandmarkRefinement.MAX_PASSES + ", got '" + text + "'");
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
