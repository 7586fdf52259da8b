package io.biostream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.biostream.launcher.eval.ScoreNormalisation;
import io.biostream.operators.config.Settings;
import io.biostream.operators.identity.VerificationMetrics;
import io.biostream.operators.identity.VerificationPairs;
import io.biostream.operators.testing.SharedFolder;
import io.biostream.operators.vision.Goldens;
import io.biostream.operators.vision.VisionConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code biostream eval verify}: figures over a small set of real face crops, pairs counted right, bad files skipped. */
class EvalCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * Threshold-free figures (AUC, EER, TAR at FAR) may move where two pair distances lie closer than
     * the descriptors' float error (about 1e-6): half the last digit docs/accuracy.md prints (AUC to 4
     * decimals, rates to 0.01 %).
     */
    private static final double FIGURE_ROUNDING = 5e-5;
    /** The JavaScript peer's path (face-api's crop, no mirror average, no cascade), which the parity tests pin. */
    private static final List<String> PEER_PATH = List.of("--crop", "face-api", "--no-mirror", "--cascade=off");

    @TempDir
    Path dir;

    private record Run(int status, String out, String err) {}

    private static Run eval(Settings settings, String... args) {
        return eval(settings, List.of(args));
    }

    /** {@code eval verify} on the peer's path ({@link #PEER_PATH}), then these arguments (a later flag overrides). */
    private static Run evalPeerPath(String... args) {
        List<String> all = new ArrayList<>(List.of("verify"));
        all.addAll(PEER_PATH);
        all.addAll(List.of(args));
        return eval(Settings.of(Map.of()), all);
    }

    private static Run eval(Settings settings, List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = EvalCommand.run(args, settings, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The bbt crops in the shared folder ({@link SharedFolder}: skip, or fail where required). */
    private static Path bbt() {
        return SharedFolder.resolve("data/faces/bbt");
    }

    /** {@code count} images of each named person, copied into a temp set (the set is never in the repository). */
    private Path smallSet(Path bbt, int count, String... people) throws Exception {
        return smallSet(bbt, "set", count, people);
    }

    /** As above, in the temp folder {@code name}. */
    private Path smallSet(Path bbt, String name, int count, String... people) throws Exception {
        Path set = Files.createDirectories(dir.resolve(name));
        for (String person : people) {
            Path folder = Files.createDirectories(set.resolve(person));
            for (int i = 1; i <= count; i++) {
                Files.copy(bbt.resolve(person).resolve(person + "_" + (i + 2) + ".png"), folder.resolve(i + ".png"));
            }
        }
        return set;
    }

    /** The JavaScript peer's result per image of a set (goldens/peer/SET.descriptors.json), by {@code identity/file}. */
    private record PeerImage(String identity, boolean fallback, float[] descriptor) {}

    private static Map<String, PeerImage> peerImages(String set) throws Exception {
        Map<String, PeerImage> images = new LinkedHashMap<>();
        for (JsonNode image : Goldens.json(Goldens.dir().resolve("peer").resolve(set + ".descriptors.json")).get("images")) {
            images.put(image.get("key").asText(), new PeerImage(image.get("identity").asText(), image.get("fallback").asBoolean(),
                    Goldens.floats(image.get("face").get("descriptor"))));
        }
        return images;
    }

    /**
     * The report of a run equals the peer's figures for the same images, computed from the peer's own
     * descriptors (VerificationMetricsPeerTest shows this computation gives the peer's published
     * figures): the same images fall back, every pair lands on the same side of the threshold, and
     * the threshold-free figures agree to float rounding of the descriptors.
     */
    private static void assertPeersFigures(JsonNode report, Map<String, PeerImage> peer, Map<String, String> peerKeyOfName) {
        List<String> identities = new ArrayList<>();
        List<float[]> descriptors = new ArrayList<>();
        List<String> peerFallbacks = new ArrayList<>();
        peerKeyOfName.forEach((name, key) -> {
            PeerImage image = peer.get(key);
            assertThat(image).as("peer result for %s", key).isNotNull();
            identities.add(image.identity());
            descriptors.add(image.descriptor());
            if (image.fallback()) {
                peerFallbacks.add(name);
            }
        });
        VerificationMetrics want = VerificationPairs.of(identities, descriptors).metrics();
        System.out.printf("vs the peer's descriptors: accuracy %.3g, AUC %.3g, EER %.3g apart%n",
                Math.abs(report.get("accuracy_at_threshold").asDouble() - want.accuracyAt(report.get("threshold").asDouble())),
                Math.abs(report.get("auc").asDouble() - want.auc()), Math.abs(report.get("eer").asDouble() - want.eer()));
        assertThat(names(report.get("fallback_images"))).as("images without a detection, as in the peer")
                .containsExactlyInAnyOrderElementsOf(peerFallbacks);
        assertThat(names(report.get("images_without_detection"))).containsExactlyInAnyOrderElementsOf(peerFallbacks);
        assertThat(report.get("same_pairs").asInt()).isEqualTo(want.samePairs());
        assertThat(report.get("different_pairs").asInt()).isEqualTo(want.differentPairs());
        double threshold = report.get("threshold").asDouble();
        assertThat(report.get("accuracy_at_threshold").asDouble()).as("accuracy at %s", threshold)
                .isCloseTo(want.accuracyAt(threshold), within(1e-12));
        assertThat(report.get("best_accuracy").asDouble()).as("best accuracy").isCloseTo(want.bestAccuracy().accuracy(), within(1e-12));
        assertThat(want.accuracyAt(report.get("best_threshold").asDouble())).as("the peer's accuracy at our best threshold")
                .isCloseTo(want.bestAccuracy().accuracy(), within(1e-12));
        assertThat(report.get("auc").asDouble()).as("ROC AUC").isCloseTo(want.auc(), within(FIGURE_ROUNDING));
        assertThat(report.get("eer").asDouble()).as("EER").isCloseTo(want.eer(), within(FIGURE_ROUNDING));
        for (Map.Entry<String, Double> far : Map.of("tar_at_far_1e-2", 1e-2, "tar_at_far_1e-3", 1e-3).entrySet()) {
            VerificationMetrics.TarAtFar tar = want.tarAtFar(far.getValue());
            JsonNode got = report.get(far.getKey());
            if (tar.available()) {
                assertThat(got.asDouble()).as("TAR at FAR %s", far.getValue()).isCloseTo(tar.tar(), within(FIGURE_ROUNDING));
            } else {
                assertThat(got.isNull()).as("TAR at FAR %s not available", far.getValue()).isTrue();
            }
        }
    }

    private static List<String> names(JsonNode array) {
        List<String> names = new ArrayList<>();
        array.forEach(n -> names.add(n.asText()));
        return names;
    }

    @Test
    void verifiesEveryPairOfASmallSetAndSkipsFilesThatAreNotImages() throws Exception {
        Path set = smallSet(bbt(), 3, "howard", "sheldon");
        Files.writeString(set.resolve("sheldon").resolve("notes.txt"), "not an image");
        Files.writeString(set.resolve("README"), "a top-level file is nobody's image");
        Path report = dir.resolve("report.json");

        Run run = evalPeerPath(set.toString(), "--json", report.toString());

        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.err()).contains("skipped " + set.resolve("sheldon").resolve("notes.txt"));
        JsonNode json = JSON.readTree(report.toFile());
        for (String key : List.of("images", "identities", "same_pairs", "different_pairs", "failures_to_detect",
                "threshold", "accuracy_at_threshold", "best_accuracy", "best_threshold", "auc", "eer",
                "tar_at_far_1e-2", "tar_at_far_1e-3", "images_per_second", "fallbacks", "detector", "model")) {
            assertThat(json.has(key)).as(key).isTrue();
        }
        assertThat(json.get("images").asInt()).isEqualTo(6);
        assertThat(json.get("identities").asInt()).isEqualTo(2);
        assertThat(json.get("same_pairs").asInt()).as("2 x C(3,2)").isEqualTo(6);
        assertThat(json.get("different_pairs").asInt()).as("C(6,2) - 6").isEqualTo(9);
        assertThat(json.get("skipped").get(0).get("file").asText()).isEqualTo("sheldon/notes.txt");
        assertThat(json.get("threshold").asDouble()).as("the product's default").isEqualTo(0.55);
        assertThat(json.get("model").asText()).isEqualTo("face-api-recognition-1.7.15");
        assertThat(json.get("fallbacks").asInt()).as("fallback on: every undetected image falls back")
                .isEqualTo(json.get("failures_to_detect").asInt());
        assertThat(json.get("tar_at_far_1e-2").isNull()).as("9 different pairs are too few for FAR 1e-2").isTrue();
        Map<String, String> peerKeys = new LinkedHashMap<>();
        for (String person : List.of("howard", "sheldon")) {
            for (int i = 1; i <= 3; i++) {
                peerKeys.put(person + "/" + i + ".png", person + "/" + person + "_" + (i + 2) + ".png");
            }
        }
        assertPeersFigures(json, peerImages("bbt"), peerKeys);
        assertThat(json.get("images_per_second").asDouble()).isPositive();
        assertThat(run.out()).contains("same / different pairs").contains("6 / 9").contains("n/a");
    }

    /**
     * docs/accuracy.md's bbt row: the whole set (93 crops) on the peer's path gives face-api's
     * published figures (goldens/peer/bbt.metrics.json, accuracy at face-api's 0.6) figure for figure.
     */
    @Test
    void theBbtSetGivesFaceApisFiguresFigureForFigure() throws Exception {
        Path bbt = bbt();
        Path report = dir.resolve("bbt.json");

        Run run = evalPeerPath(bbt.toString(), "--threshold", "0.6", "--json", report.toString());

        assertThat(run.status()).as(run.err()).isZero();
        JsonNode json = JSON.readTree(report.toFile());
        System.out.printf("bbt through eval verify:%n%s", run.out());
        Map<String, PeerImage> peer = peerImages("bbt");
        Map<String, String> keys = new LinkedHashMap<>();
        peer.keySet().forEach(k -> keys.put(k, k));
        assertThat(json.get("images").asInt()).isEqualTo(93);
        assertThat(json.get("identities").asInt()).isEqualTo(5);
        assertPeersFigures(json, peer, keys);

        JsonNode peerReport = Goldens.json(Goldens.dir().resolve("peer/bbt.metrics.json"));
        JsonNode published = peerReport.get("metrics");
        assertThat(json.get("same_pairs").asInt()).isEqualTo(published.get("samePairs").asInt()).isEqualTo(848);
        assertThat(json.get("different_pairs").asInt()).isEqualTo(published.get("diffPairs").asInt()).isEqualTo(3430);
        assertThat(json.get("failures_to_detect").asInt()).isEqualTo(peerReport.get("failuresToDetect").size()).isEqualTo(40);
        assertThat(json.get("accuracy_at_threshold").asDouble())
                .isCloseTo(published.get("atFixed").get("accuracyAllPairs").asDouble(), within(1e-12));
        assertThat(json.get("best_accuracy").asDouble()).isCloseTo(published.get("best").get("accuracyAllPairs").asDouble(), within(1e-12));
        assertThat(json.get("auc").asDouble()).isCloseTo(published.get("auc").asDouble(), within(FIGURE_ROUNDING));
        assertThat(json.get("eer").asDouble()).isCloseTo(published.get("eer").get("eer").asDouble(), within(FIGURE_ROUNDING));
        assertThat(json.get("tar_at_far_1e-2").asDouble())
                .isCloseTo(published.get("tarAtFar").get(0).get("TAR").asDouble(), within(FIGURE_ROUNDING));
        assertThat(json.get("tar_at_far_1e-3").asDouble())
                .isCloseTo(published.get("tarAtFar").get(1).get("TAR").asDouble(), within(FIGURE_ROUNDING));
    }

    /**
     * ORL's first four people (40 of the 400 crops; the whole set takes minutes): the same images
     * fall back and the figures equal the peer's for the same images.
     */
    @Test
    void orlCropsGiveFaceApisFiguresForTheSameImages() throws Exception {
        Map<String, String> keys = new LinkedHashMap<>();
        Path set = orlFirstFourPeople(keys);
        Path report = dir.resolve("orl.json");

        Run run = evalPeerPath(set.toString(), "--json", report.toString());

        assertThat(run.status()).as(run.err()).isZero();
        JsonNode json = JSON.readTree(report.toFile());
        System.out.printf("ORL s1-s4 through eval verify:%n%s", run.out());
        assertThat(json.get("images").asInt()).isEqualTo(40);
        assertThat(json.get("same_pairs").asInt()).as("4 x C(10,2)").isEqualTo(180);
        assertPeersFigures(json, peerImages("orl_att"), keys);
    }

    /** ORL's s1-s4, ten crops each, copied into a temp set; {@code keys} gets each file's name in the set. */
    private Path orlFirstFourPeople(Map<String, String> keys) throws Exception {
        Path orl = bbt().resolveSibling("orl_att");
        Path set = Files.createDirectories(dir.resolve("orl"));
        for (String person : List.of("s1", "s2", "s3", "s4")) {
            Path folder = Files.createDirectories(set.resolve(person));
            for (int i = 1; i <= 10; i++) {
                Files.copy(orl.resolve(person).resolve(i + ".pgm"), folder.resolve(i + ".pgm"));
                keys.put(person + "/" + i + ".pgm", person + "/" + i + ".pgm");
            }
        }
        return set;
    }

    /**
     * The aligned crop (issue 14) on the same 40 ORL crops separates the four people at least as
     * well as face-api's crop by every threshold-free figure (docs/accuracy.md has the whole sets).
     */
    @Test
    void theAlignedCropSeparatesOrlsFirstFourPeopleAtLeastAsWellAsFaceApis() throws Exception {
        Path set = orlFirstFourPeople(new LinkedHashMap<>());
        Path faceApiReport = dir.resolve("face-api.json");
        Path alignedReport = dir.resolve("aligned.json");

        Run faceApi = evalPeerPath(set.toString(), "--json", faceApiReport.toString());
        // the aligned crop alone: the peer's path but for the crop (the last --crop counts)
        Run aligned = evalPeerPath(set.toString(), "--json", alignedReport.toString(), "--crop", "aligned");

        assertThat(faceApi.status()).as(faceApi.err()).isZero();
        assertThat(aligned.status()).as(aligned.err()).isZero();
        System.out.printf("ORL s1-s4, face-api crop:%n%s%naligned crop:%n%s", faceApi.out(), aligned.out());
        JsonNode before = JSON.readTree(faceApiReport.toFile());
        JsonNode after = JSON.readTree(alignedReport.toFile());
        assertThat(after.get("model").asText()).isEqualTo("face-api-recognition-1.7.15+aligned");
        assertThat(after.get("same_pairs").asInt()).isEqualTo(before.get("same_pairs").asInt());
        assertThat(after.get("failures_to_detect").asInt()).isEqualTo(before.get("failures_to_detect").asInt());
        assertThat(after.get("auc").asDouble()).isGreaterThanOrEqualTo(before.get("auc").asDouble());
        assertThat(after.get("eer").asDouble()).isLessThanOrEqualTo(before.get("eer").asDouble());
        assertThat(after.get("tar_at_far_1e-2").asDouble()).isGreaterThanOrEqualTo(before.get("tar_at_far_1e-2").asDouble());
    }

    @Test
    void aSetWithoutDifferentPeopleIsRefused() throws Exception {
        Path set = smallSet(bbt(), 2, "raj");
        Run run = eval(Settings.of(Map.of()), "verify", set.toString());
        assertThat(run.status()).isEqualTo(1);
        assertThat(run.err()).contains("1 same-person and 0 different-person pairs");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void thresholdComesFromTheFlagThenTheSettingThenTheProductsDefault() throws Exception {
        Settings none = Settings.of(Map.of());
        Settings configured = Settings.of(Map.of(EvalCommand.THRESHOLD_KEY, "0.45"));
        // the job's and the API's default (IdentityConfig), so the accuracy at the threshold is the product's
        assertThat(EvalCommand.parse(List.of("verify", "d"), none).threshold()).isEqualTo(0.55);
        assertThat((float) EvalCommand.parse(List.of("verify", "d"), none).threshold())
                .isEqualTo(io.biostream.operators.identity.IdentityConfig.DEFAULTS.matchThreshold());
        assertThat(EvalCommand.parse(List.of("verify", "d"), configured).threshold()).isEqualTo(0.45);
        assertThat(EvalCommand.parse(List.of("verify", "d", "--threshold", "0.5"), configured).threshold()).isEqualTo(0.5);
        assertThat(EvalCommand.parse(List.of("verify", "d", "--threshold=0.55"), configured).threshold()).isEqualTo(0.55);
        assertThatThrownBy(() -> EvalCommand.parse(List.of("verify", "d"), Settings.of(Map.of(EvalCommand.THRESHOLD_KEY, "x"))))
                .hasMessageContaining(EvalCommand.THRESHOLD_KEY);
    }

    @Test
    void optionsHaveThePeersProtocolAndTheProductsPathAndBadArgumentsGiveUsage() throws Exception {
        EvalCommand.Options options = EvalCommand.parse(List.of("verify", "d", "--biostream.vision.detector=haar"), Settings.of(Map.of()));
        assertThat(options.border()).isEqualTo(0.25);
        assertThat(options.fallback()).isTrue();
        assertThat(options.json()).isNull();
        assertThat(EvalCommand.parse(List.of("verify", "d", "--border", "0.5", "--no-fallback"), Settings.of(Map.of())))
                .satisfies(o -> assertThat(o.border()).isEqualTo(0.5))
                .satisfies(o -> assertThat(o.fallback()).isFalse());

        // the product's default path: the aligned crop with the mirror average, the cascade as configured (off)
        assertThat(options.vision().crop()).isEqualTo("aligned");
        assertThat(options.vision().mirrorAverage()).isTrue();
        assertThat(options.vision().cascade()).isEqualTo("off");
        assertThat(options.cascade()).isNull();
        EvalCommand.Options peer = EvalCommand.parse(List.of("verify", "d", "--crop", "face-api", "--no-mirror"), Settings.of(Map.of()));
        assertThat(peer.vision().crop()).isEqualTo("face-api");
        assertThat(peer.vision().mirrorAverage()).isFalse();
        EvalCommand.Options mirrored = EvalCommand.parse(List.of("verify", "d", "--mirror"),
                Settings.of(Map.of("biostream.vision.mirror-average", "false")));
        assertThat(mirrored.vision().mirrorAverage()).isTrue();
        // the flag overrides the setting
        assertThat(EvalCommand.parse(List.of("verify", "d", "--crop=face-api"), Settings.of(Map.of("biostream.vision.crop", "aligned")))
                .vision().crop()).isEqualTo("face-api");
        assertThat(eval(Settings.of(Map.of()), "verify", "d", "--crop", "dlib").err()).contains("--crop must be one of");

        Run noSet = eval(Settings.of(Map.of()), "verify");
        assertThat(noSet.status()).isEqualTo(2);
        assertThat(noSet.err()).contains("usage: biostream eval verify");
        assertThat(eval(Settings.of(Map.of()), "enrol", "d").status()).isEqualTo(2);
        assertThat(eval(Settings.of(Map.of()), "verify", "d", "--border", "-1").err()).contains("--border");
        assertThat(eval(Settings.of(Map.of()), "verify", "d", "--threshold").err()).contains("needs a value");
        Run missing = eval(Settings.of(Map.of()), "verify", dir.resolve("absent").toString());
        assertThat(missing.status()).isEqualTo(1);
        assertThat(missing.err()).contains("is not a folder");
    }

    @Test
    void cascadeFlagTurnsTheCascadeOnWithAllOrTheNamedStagesOrOff() throws Exception {
        Settings none = Settings.of(Map.of());
        assertThat(EvalCommand.parse(List.of("verify", "d"), none).cascade()).isNull();
        assertThat(EvalCommand.parse(List.of("verify", "d", "--cascade"), none).cascade()).isEqualTo("on");
        assertThat(EvalCommand.parse(List.of("verify", "d", "--cascade=tiny,refine"), none).cascade()).isEqualTo("tiny,refine");
        assertThat(EvalCommand.parse(List.of("verify", "d", "--cascade=off"), none).cascade()).isEqualTo("off");
        assertThat(eval(none, "verify", "d", "--cascade=bogus").err()).contains("unknown cascade stage 'bogus'");
        Run empty = eval(none, "verify", "d", "--cascade=");
        assertThat(empty.status()).isEqualTo(2);
        assertThat(empty.err()).contains("--cascade names no stage");
    }

    /** The default path's cascade, as the flag's, runs without a time budget unless one is configured. */
    @Test
    void theEvaluatedCascadeHasNoTimeBudgetUnlessOneIsConfigured() throws Exception {
        Settings none = Settings.of(Map.of());
        Settings cascadeOn = Settings.of(Map.of("biostream.vision.cascade", "on"));
        VisionConfig byDefault = EvalCommand.evaluatedPath(EvalCommand.parse(List.of("verify", "d"), cascadeOn), cascadeOn);
        assertThat(byDefault.cascade()).isEqualTo("on");
        assertThat(byDefault.cascadeBudgetMs()).isEqualTo(EvalCommand.UNBOUNDED_BUDGET_MS);
        assertThat(byDefault.withCascadeBudgetMs(VisionConfig.DEFAULTS.cascadeBudgetMs())).isEqualTo(VisionConfig.DEFAULTS.withCascade("on"));
        VisionConfig named = EvalCommand.evaluatedPath(EvalCommand.parse(List.of("verify", "d", "--cascade=refine"), none), none);
        assertThat(named.cascade()).isEqualTo("refine");
        assertThat(named.cascadeBudgetMs()).isEqualTo(EvalCommand.UNBOUNDED_BUDGET_MS);
        Settings budget = Settings.of(Map.of("biostream.vision.cascade-budget-ms", "400"));
        assertThat(EvalCommand.evaluatedPath(EvalCommand.parse(List.of("verify", "d"), budget), budget).cascadeBudgetMs()).isEqualTo(400);
        assertThat(EvalCommand.evaluatedPath(EvalCommand.parse(List.of("verify", "d", "--cascade=off"), none), none).cascade())
                .isEqualTo("off");
    }

    @Test
    void landmarkFlagsTurnRefinementOnAndPerImageAsksForTheErrorAttribution() throws Exception {
        Settings none = Settings.of(Map.of());
        EvalCommand.Options plain = EvalCommand.parse(List.of("verify", "d"), none);
        assertThat(plain.vision().landmarkPasses()).isZero();
        assertThat(plain.vision().landmarkMirror()).isFalse();
        assertThat(plain.perImage()).isFalse();
        EvalCommand.Options refined = EvalCommand.parse(List.of("verify", "d", "--landmark-passes", "2", "--landmark-mirror",
                "--per-image", "--crop", "aligned"), none);
        assertThat(refined.vision().landmarkPasses()).isEqualTo(2);
        assertThat(refined.vision().landmarkMirror()).isTrue();
        assertThat(refined.vision().crop()).isEqualTo("aligned");
        assertThat(refined.perImage()).isTrue();
        // the flag overrides the setting
        assertThat(EvalCommand.parse(List.of("verify", "d", "--landmark-passes=1"),
                Settings.of(Map.of("biostream.vision.landmark-passes", "3"))).vision().landmarkPasses()).isEqualTo(1);
        Run tooMany = eval(none, "verify", "d", "--landmark-passes", "9");
        assertThat(tooMany.status()).isEqualTo(2);
        assertThat(tooMany.err()).contains("--landmark-passes must be a whole number").contains("from 0 to 5");
    }

    @Test
    void scoreNormalisationIsNoneByDefaultAndEachAsNormTopIsOneReport() throws Exception {
        Settings none = Settings.of(Map.of());
        EvalCommand.Options plain = EvalCommand.parse(List.of("verify", "d"), none);
        assertThat(plain.scoreNorms()).containsExactly(ScoreNormalisation.Method.NONE);
        assertThat(plain.cohort()).isNull();
        assertThat(plain.cohortFromSet()).isFalse();
        EvalCommand.Options all = EvalCommand.parse(List.of("verify", "d", "--score-norm", "none,s-norm,as-norm",
                "--cohort", "c", "--cohort-top=50,100", "--cohort-from-set"), none);
        assertThat(all.scoreNorms()).containsExactly(ScoreNormalisation.Method.NONE, new ScoreNormalisation.Method("s-norm", 0),
                new ScoreNormalisation.Method("as-norm", 50), new ScoreNormalisation.Method("as-norm", 100));
        assertThat(all.cohort()).isEqualTo(Path.of("c"));
        assertThat(all.cohortFromSet()).isTrue();
        assertThat(EvalCommand.parse(List.of("verify", "d", "--score-norm=s-norm", "--cohort-from-set"), none).cohort()).isNull();
    }

    @Test
    void badScoreNormalisationOptionsGiveAClearUsageError() {
        Settings none = Settings.of(Map.of());
        Map<List<String>, String> refusals = new LinkedHashMap<>();
        refusals.put(List.of("--score-norm", "z-norm", "--cohort", "c"), "--score-norm must be one or more of [none, s-norm, as-norm]");
        refusals.put(List.of("--score-norm", "s-norm,", "--cohort", "c"), "--score-norm must be one or more of");
        refusals.put(List.of("--score-norm", "s-norm"), "--score-norm s-norm needs a cohort: --cohort DIR");
        refusals.put(List.of("--score-norm", "as-norm", "--cohort", "c"), "--score-norm as-norm needs --cohort-top K");
        refusals.put(List.of("--score-norm", "as-norm", "--cohort", "c", "--cohort-top", "1"),
                "--cohort-top must be whole numbers of at least 2");
        refusals.put(List.of("--score-norm", "as-norm", "--cohort", "c", "--cohort-top", "50,x"), "--cohort-top must be whole numbers");
        refusals.put(List.of("--score-norm", "s-norm", "--cohort", "c", "--cohort-top", "50"), "--cohort-top is for --score-norm as-norm");
        refusals.put(List.of("--cohort", "c"), "--cohort is for --score-norm s-norm or as-norm");
        refusals.put(List.of("--cohort-from-set"), "--cohort-from-set is for --score-norm s-norm or as-norm");
        refusals.put(List.of("--score-norm"), "--score-norm needs a value");
        refusals.forEach((flags, message) -> {
            List<String> args = new ArrayList<>(List.of("verify", "d"));
            args.addAll(flags);
            Run run = eval(none, args);
            assertThat(run.status()).as(flags.toString()).isEqualTo(2);
            assertThat(run.err()).as(flags.toString()).contains(message).contains("usage: biostream eval verify");
        });
        for (List<String> flags : List.of(List.of("--score-norm", "s-norm"), List.of("--cohort", "c"), List.of("--cohort-top", "5"),
                List.of("--cohort-from-set"))) {
            List<String> args = new ArrayList<>(List.of("identify", "d"));
            args.addAll(flags);
            assertThat(eval(none, args).err()).as(flags.toString()).contains(flags.get(0) + " is for 'eval verify'");
        }
    }

    @Test
    void aCohortSharingAnIdentityWithTheSetIsRefusedBeforeAnythingIsDescribed() throws Exception {
        for (String folder : List.of("set/ann", "set/bob", "cohort/bob", "cohort/cy")) {
            Files.writeString(Files.createDirectories(dir.resolve(folder)).resolve("1.png"), "never read");
        }
        Run run = eval(Settings.of(Map.of()), "verify", dir.resolve("set").toString(), "--score-norm", "s-norm",
                "--cohort", dir.resolve("cohort").toString());
        assertThat(run.status()).isEqualTo(1);
        assertThat(run.err()).contains("shares identities with the set (bob)");
        assertThat(run.out()).isEmpty();
    }

    /**
     * The option end to end on real crops: one table per normalisation from the same descriptors,
     * the cohort described as the set, the leave-identities-out one labelled a diagnostic.
     */
    @Test
    void scoreNormalisedReportsComeFromTheSameDescriptorsAgainstTheCohort() throws Exception {
        Path set = smallSet(bbt(), 2, "howard", "sheldon", "raj");
        Path cohort = smallSet(bbt(), "cohort", 3, "lennard", "stuart");
        Path report = dir.resolve("report.json");

        Run run = eval(Settings.of(Map.of()), "verify", set.toString(), "--score-norm", "none,as-norm", "--cohort-top", "2,50",
                "--cohort", cohort.toString(), "--cohort-from-set", "--json", report.toString());

        assertThat(run.status()).as(run.err()).isZero();
        JsonNode variants = JSON.readTree(report.toFile()).get("variants");
        assertThat(variants).hasSize(5);
        JsonNode raw = variants.get(0);
        assertThat(raw.has("score_norm")).isFalse();
        assertThat(raw.get("accuracy_at_threshold").isNumber()).isTrue();
        for (int i = 1; i < 5; i++) {
            JsonNode normalised = variants.get(i);
            assertThat(normalised.get("same_pairs").asInt()).isEqualTo(3);
            assertThat(normalised.get("different_pairs").asInt()).isEqualTo(12);
            assertThat(normalised.get("accuracy_at_threshold").isNull()).as("a distance threshold means nothing here").isTrue();
            assertThat(normalised.get("score_norm").get("method").asText()).isEqualTo("as-norm");
        }
        JsonNode againstCohort = variants.get(1).get("score_norm");
        assertThat(againstCohort.get("top").asInt()).isEqualTo(2);
        assertThat(againstCohort.get("cohort").asText()).isEqualTo(cohort.toString());
        assertThat(againstCohort.get("cohort_templates_fewest").asInt()).as("fallback on: all 6 described").isEqualTo(6);
        assertThat(againstCohort.get("diagnostic").asBoolean()).isFalse();
        JsonNode fromSet = variants.get(2).get("score_norm");
        assertThat(fromSet.get("diagnostic").asBoolean()).isTrue();
        assertThat(fromSet.get("cohort_templates_fewest").asInt()).as("a different pair leaves one identity").isEqualTo(2);
        assertThat(fromSet.get("cohort_templates_most").asInt()).as("a same pair leaves two").isEqualTo(4);
        // K 2 and K 50 (the whole cohort) normalise differently
        assertThat(variants.get(1).get("best_threshold").asDouble()).isNotEqualTo(variants.get(3).get("best_threshold").asDouble());
        assertThat(run.out()).contains("as-norm top 2 against " + cohort + " (6 templates, the 2 closest to each face)")
                .contains("as-norm top 50 against " + cohort + " (6 templates, all: fewer than K 50)")
                .contains("-- DIAGNOSTIC, optimistic")
                .contains("n/a (normalised scores");
    }
}
