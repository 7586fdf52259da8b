package io.biostream.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.biostream.launcher.eval.DescribedSet;
import io.biostream.launcher.eval.IdentificationReport;
import io.biostream.launcher.eval.IdentificationSearch;
import io.biostream.launcher.eval.IdentityFolders;
import io.biostream.operators.config.Settings;
import io.biostream.operators.testing.SharedFolder;
import io.biostream.operators.vision.FacePipeline;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code biostream eval identify}: 1:N figures through the product's gallery search, checked against
 * a brute-force search of the same descriptors computed here, on ORL's s1-s4 (enrolled) with s5-s6
 * as strangers.
 */
class EvalIdentifyTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Settings NO_SETTINGS = Settings.of(Map.of());

    @TempDir
    Path dir;

    private record Run(int status, String out, String err) {}

    private static Run eval(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = EvalCommand.run(List.of(args), NO_SETTINGS, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** {@code count} photos of each named person of a shared set, copied into a temp set (never into the repository). */
    private Path copyOf(String sharedSet, String name, int count, String... people) throws Exception {
        return copyOf(dir, sharedSet, name, count, people);
    }

    private static Path copyOf(Path dir, String sharedSet, String name, int count, String... people) throws Exception {
        Path source = SharedFolder.resolve("data/faces/" + sharedSet);
        Path set = Files.createDirectories(dir.resolve(name));
        for (String person : people) {
            Path folder = Files.createDirectories(set.resolve(person));
            List<Path> photos;
            try (var files = Files.list(source.resolve(person))) {
                photos = files.sorted(Comparator.comparing(p -> p.getFileName().toString())).limit(count).toList();
            }
            for (Path photo : photos) {
                Files.copy(photo, folder.resolve(photo.getFileName()));
            }
        }
        return set;
    }

    /** The figures a brute-force search gives: every probe against every enrolled descriptor, in double. */
    private record BruteForce(Map<String, String> enrolled, int mated, int rank1, int rank5, int identifiedAtThreshold,
                              double[] strangerNearest, List<String> matedNames, List<Double> matedNearest,
                              List<Boolean> matedNearestIsOwn, Map<String, Integer> rankOf) {}

    private static BruteForce bruteForce(DescribedSet set, DescribedSet strangers, Long seed, double threshold) {
        Map<String, List<DescribedSet.Image>> byIdentity = new LinkedHashMap<>();
        for (DescribedSet.Image image : set.images()) {
            byIdentity.computeIfAbsent(image.file().identity(), k -> new ArrayList<>()).add(image);
        }
        Random random = seed == null ? null : new Random(seed);
        Map<String, DescribedSet.Image> enrolled = new LinkedHashMap<>();
        byIdentity.forEach((identity, images) -> {
            List<DescribedSet.Image> described = images.stream().filter(i -> i.descriptor() != null).toList();
            if (!described.isEmpty()) {
                enrolled.put(identity, described.get(random == null ? 0 : random.nextInt(described.size())));
            }
        });
        int mated = 0;
        int rank1 = 0;
        int rank5 = 0;
        int identified = 0;
        List<String> names = new ArrayList<>();
        List<Double> nearest = new ArrayList<>();
        List<Boolean> nearestIsOwn = new ArrayList<>();
        Map<String, Integer> rankOf = new LinkedHashMap<>();
        for (DescribedSet.Image probe : set.images()) {
            DescribedSet.Image own = enrolled.get(probe.file().identity());
            if (own == null || own == probe) {
                continue;
            }
            mated++;
            if (probe.descriptor() == null) {
                rankOf.put(probe.file().name(), 0);
                continue;
            }
            double ownDistance = euclidean(probe.descriptor(), own.descriptor());
            int closer = 0;
            double best = Double.POSITIVE_INFINITY;
            for (DescribedSet.Image other : enrolled.values()) {
                double d = euclidean(probe.descriptor(), other.descriptor());
                best = Math.min(best, d);
                if (other != own && d < ownDistance) {
                    closer++;
                }
            }
            rank1 += closer == 0 ? 1 : 0;
            rank5 += closer < 5 ? 1 : 0;
            identified += closer == 0 && ownDistance < threshold ? 1 : 0;
            names.add(probe.file().name());
            nearest.add(best);
            nearestIsOwn.add(closer == 0);
            rankOf.put(probe.file().name(), closer < 5 ? closer + 1 : 0);
        }
        double[] strangerNearest = strangers == null ? new double[0] : strangers.described().stream().mapToDouble(s -> enrolled.values().stream()
                .mapToDouble(e -> euclidean(s.descriptor(), e.descriptor())).min().orElseThrow()).toArray();
        Map<String, String> enrolledNames = new LinkedHashMap<>();
        enrolled.forEach((identity, image) -> enrolledNames.put(identity, image.file().name()));
        return new BruteForce(enrolledNames, mated, rank1, rank5, identified, strangerNearest, names, nearest, nearestIsOwn, rankOf);
    }

    private static double euclidean(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (double) a[i] - b[i];
            sum += d * d;
        }
        return Math.sqrt(sum);
    }

    /** ORL s1-s4 enrolled, s5-s6 strangers, described once for the tests below (the pipeline takes seconds per crop). */
    @TempDir
    static Path orlDir;
    private static IdentificationReport orl;

    private static synchronized IdentificationReport orl() throws Exception {
        if (orl == null) {
            Path set = copyOf(orlDir, "orl_att", "orl-enrolled", 10, "s1", "s2", "s3", "s4");
            Path strangersSet = copyOf(orlDir, "orl_att", "orl-strangers", 10, "s5", "s6");
            EvalCommand.Options options = EvalCommand.parse(List.of("identify", set.toString(), "--strangers", strangersSet.toString()),
                    NO_SETTINGS);
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            var vision = EvalCommand.evaluatedPath(options, NO_SETTINGS);
            try (FacePipeline pipeline = vision.openPipeline()) {
                orl = EvalCommand.identify(options, IdentityFolders.list(set, 100), IdentityFolders.list(strangersSet, 100),
                        pipeline, EvalCommand.stageLabels(vision), new PrintStream(err, true, StandardCharsets.UTF_8));
            }
            assertThat(orl).as(err.toString(StandardCharsets.UTF_8)).isNotNull();
            System.out.printf("ORL s1-s4, strangers s5-s6:%n%s", orl.table());
        }
        return orl;
    }

    @Test
    void closedSetFiguresEqualABruteForceSearchOfTheSameDescriptors() throws Exception {
        IdentificationReport report = orl();
        double threshold = report.threshold();
        BruteForce want = bruteForce(report.gallerySet(), report.strangers(), null, threshold);
        assertThat(report.result().enrolled()).as("the first photo in name order of each identity (fallback on: all described)")
                .isEqualTo(Map.of("s1", "s1/1.pgm", "s2", "s2/1.pgm", "s3", "s3/1.pgm", "s4", "s4/1.pgm"))
                .isEqualTo(want.enrolled());
        assertThat(report.matedProbes()).isEqualTo(want.mated()).isEqualTo(36);
        assertThat(report.rankRate(1)).as("rank-1").isEqualTo((double) want.rank1() / want.mated());
        assertThat(report.rankRate(5)).as("rank-5").isEqualTo((double) want.rank5() / want.mated());
        assertThat(report.rankRate(1)).isLessThanOrEqualTo(report.rankRate(5));
        assertThat(want.rank1()).as("these are tellable apart: most probes are found").isGreaterThan(want.mated() / 2);
        // the product's nearest distances are the brute-force ones
        Map<String, IdentificationSearch.MatedProbe> probes = new LinkedHashMap<>();
        report.result().matedProbes().forEach(p -> probes.put(p.name(), p));
        for (int i = 0; i < want.matedNames().size(); i++) {
            assertThat(probes.get(want.matedNames().get(i)).distance()).as(want.matedNames().get(i))
                    .isCloseTo(want.matedNearest().get(i), within(1e-6));
        }

        // Ranks below the first: the same descriptors with every third photo labelled as the next
        // person, so its own (labelled) identity is not the nearest; each probe's rank equals the
        // brute-force place of that identity.
        List<String> people = List.of("s1", "s2", "s3", "s4");
        List<DescribedSet.Image> relabelled = new ArrayList<>();
        List<DescribedSet.Image> images = report.gallerySet().images();
        for (int i = 0; i < images.size(); i++) {
            DescribedSet.Image image = images.get(i);
            String identity = image.file().identity();
            if (i % 3 == 2) {
                identity = people.get((people.indexOf(identity) + 1) % people.size());
            }
            relabelled.add(new DescribedSet.Image(new IdentityFolders.LabelledFile(identity, image.file().path(),
                    identity + "/" + image.file().name().replace('/', '-')), image.descriptor()));
        }
        DescribedSet mislabelled = new DescribedSet(relabelled, report.gallerySet().identities(), List.of(), List.of(), List.of(),
                List.of(), Map.of(), 1);
        IdentificationSearch.Result result = IdentificationSearch.search(mislabelled, null, null);
        BruteForce ranks = bruteForce(mislabelled, null, null, threshold);
        assertThat(result.matedProbes()).hasSize(ranks.mated());
        int belowFirst = 0;
        for (IdentificationSearch.MatedProbe probe : result.matedProbes()) {
            int wantRank = ranks.rankOf().get(probe.name());
            assertThat(probe.rank()).as("rank of %s", probe.name()).isEqualTo(wantRank);
            belowFirst += wantRank > 1 ? 1 : 0;
        }
        assertThat(belowFirst).as("the relabelled photos rank below the first").isGreaterThan(5);
    }

    @Test
    void openSetFiguresEqualABruteForceSearchAndTheFpirThresholdAdmitsAtMostOnePercent() throws Exception {
        IdentificationReport report = orl();
        BruteForce want = bruteForce(report.gallerySet(), report.strangers(), null, report.threshold());
        assertThat(report.strangerProbes()).isEqualTo(want.strangerNearest().length).isEqualTo(20);
        for (double threshold : new double[] {0.35, 0.45, 0.55, report.threshold(), 0.7, 0.8}) {
            BruteForce at = bruteForce(report.gallerySet(), report.strangers(), null, threshold);
            assertThat(report.fnirAt(threshold)).as("FNIR at %s", threshold)
                    .isCloseTo(1 - (double) at.identifiedAtThreshold() / at.mated(), within(1e-12));
            long strangersUnder = Arrays.stream(want.strangerNearest()).filter(d -> d < threshold).count();
            assertThat(report.fpirAt(threshold)).as("FPIR at %s", threshold).isEqualTo((double) strangersUnder / 20);
        }
        assertThat(report.fpirAt(0.8)).as("some stranger is nearer than 0.8: the FPIR count is exercised").isPositive();
        assertThat(report.fnirAt(0.35)).as("some probe is farther than 0.35: the FNIR count is exercised").isPositive();

        // the threshold for FPIR 1e-2: floor(0.01 x 20) = 0 strangers may match, so the nearest stranger's distance
        double[] sortedStrangers = want.strangerNearest().clone();
        Arrays.sort(sortedStrangers);
        double t = report.thresholdAtFpir(IdentificationReport.FPIR).orElseThrow();
        assertThat(t).isCloseTo(sortedStrangers[0], within(1e-9));
        long matchedStrangers = Arrays.stream(want.strangerNearest()).filter(d -> d < t).count();
        assertThat(matchedStrangers).as("FPIR at the reported threshold, by count").isLessThanOrEqualTo((long) Math.floor(0.01 * 20));
        assertThat(report.thresholdAtFpir(0.1).orElseThrow()).as("FPIR 0.1 of 20: 2 strangers may match")
                .isCloseTo(sortedStrangers[2], within(1e-9));
        BruteForce atT = bruteForce(report.gallerySet(), report.strangers(), null, t);
        assertThat(report.fnirAt(t)).as("FNIR at FPIR 1e-2").isCloseTo(1 - (double) atT.identifiedAtThreshold() / atT.mated(),
                within(1e-12));

        JsonNode out = report.toJson();
        assertThat(out.get("rank_1").asDouble()).isEqualTo(report.rankRate(1));
        assertThat(out.get("rank_5").asDouble()).isEqualTo(report.rankRate(5));
        assertThat(out.get("threshold_at_fpir_1e-2").asDouble()).isEqualTo(t);
        assertThat(out.get("fnir_at_fpir_1e-2").asDouble()).isEqualTo(report.fnirAt(t));
        assertThat(out.get("fpir_at_fpir_1e-2_threshold").asDouble()).isLessThanOrEqualTo(0.01);
        assertThat(out.get("enrolled").asInt()).isEqualTo(4);
        assertThat(out.get("mated_probes").asInt()).isEqualTo(36);
        assertThat(out.get("stranger_probes").asInt()).isEqualTo(20);
        assertThat(out.get("settings").get("model").asText()).isEqualTo(report.model());
        assertThat(out.get("machine").get("processors").asInt()).isPositive();
    }

    @Test
    void aSeedDrawsTheEnrolledPhotosDeterministically() throws Exception {
        IdentificationReport report = orl();
        IdentificationSearch.Result seeded = IdentificationSearch.search(report.gallerySet(), report.strangers(), 7L);
        BruteForce want = bruteForce(report.gallerySet(), report.strangers(), 7L, report.threshold());
        assertThat(seeded.enrolled()).isEqualTo(want.enrolled()).isNotEqualTo(report.result().enrolled());
        assertThat(IdentificationSearch.search(report.gallerySet(), report.strangers(), 7L).enrolled()).isEqualTo(seeded.enrolled());
        assertThat(seeded.matedProbes().stream().filter(p -> p.rank() == 1).count()).isEqualTo(want.rank1());
        assertThat(seeded.matedProbes()).extracting(IdentificationSearch.MatedProbe::name)
                .doesNotContainAnyElementsOf(seeded.enrolled().values());
    }

    /** The command end to end on a few bbt crops: table, JSON file, and undescribed probes counted as misses. */
    @Test
    void identifyWritesTheTableAndJsonAndCountsUndescribedProbesAsMisses() throws Exception {
        Path set = copyOf("bbt", "bbt", 3, "howard", "sheldon");
        Path strangers = copyOf("bbt", "bbt-strangers", 2, "raj");
        Files.writeString(set.resolve("howard").resolve("notes.txt"), "not an image");
        Path json = dir.resolve("bbt.json");

        Run run = eval("identify", set.toString(), "--strangers", strangers.toString(), "--no-fallback", "--json", json.toString());

        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.out()).contains("rank-1").contains("rank-5").contains("FNIR @ FPIR 1e-2").contains("mated probes");
        assertThat(run.err()).contains("skipped " + set.resolve("howard").resolve("notes.txt"));
        JsonNode report = JSON.readTree(json.toFile());
        int undescribed = report.get("failures_to_describe").asInt();
        int enrolled = report.get("enrolled").asInt();
        assertThat(report.get("images").asInt()).isEqualTo(6);
        assertThat(report.get("skipped_files").asInt()).isEqualTo(1);
        assertThat(report.get("settings").get("fallback_enabled").asBoolean()).isFalse();
        // every photo of an enrolled identity but its enrolled one is a mated probe, described or not
        assertThat(report.get("mated_probes").asInt()).isEqualTo(3 * enrolled - enrolled);
        assertThat(report.get("stranger_probes").asInt() + report.get("stranger_failures_to_describe").asInt()).isEqualTo(2);
        long undescribedProbes = 0;
        for (JsonNode miss : report.get("rank_1_misses")) {
            undescribedProbes += miss.has("nearest") ? 0 : 1;
        }
        // an identity not enrolled has no described photo, and its photos are no probes
        int photosOfUnenrolled = 3 * report.get("identities_not_enrolled").size();
        assertThat(undescribedProbes).as("undescribed probes are rank-1 misses").isEqualTo(undescribed - photosOfUnenrolled)
                .isPositive();
        assertThat(report.get("rank_1").asDouble()).isLessThanOrEqualTo(1 - (double) undescribedProbes / report.get("mated_probes").asInt());
    }

    @Test
    void badArgumentsGiveUsageAndMissingFoldersAnError() throws Exception {
        Run noSet = eval("identify");
        assertThat(noSet.status()).isEqualTo(2);
        assertThat(noSet.err()).contains("no set folder given").contains("usage: biostream eval verify")
                .contains("biostream eval identify DIR [--strangers DIR2]");
        assertThat(eval("identify", "d", "--seed", "x").err()).contains("--seed must be a whole number");
        assertThat(eval("identify", "d", "--seed", "x").status()).isEqualTo(2);
        assertThat(eval("identify", "d", "--strangers").err()).contains("--strangers needs a value");
        Run strangersOnVerify = eval("verify", "d", "--strangers", "e");
        assertThat(strangersOnVerify.status()).isEqualTo(2);
        assertThat(strangersOnVerify.err()).contains("--strangers is for 'eval identify'");
        EvalCommand.Options options = EvalCommand.parse(List.of("identify", "d", "--strangers=e", "--seed", "-3",
                "--crop", "aligned", "--mirror", "--cascade", "--border", "0"), NO_SETTINGS);
        assertThat(options.identify()).isTrue();
        assertThat(options.strangers()).isEqualTo(Path.of("e"));
        assertThat(options.seed()).isEqualTo(-3L);
        assertThat(options.vision().crop()).isEqualTo("aligned");
        assertThat(options.vision().mirrorAverage()).isTrue();
        assertThat(options.cascade()).isEqualTo("on");
        assertThat(options.border()).isZero();
        assertThat(EvalCommand.parse(List.of("identify", "d"), NO_SETTINGS).seed()).isNull();

        Run missing = eval("identify", dir.resolve("absent").toString());
        assertThat(missing.status()).isEqualTo(1);
        assertThat(missing.err()).contains("is not a folder");
        Files.createDirectories(dir.resolve("set").resolve("a"));
        Run missingStrangers = eval("identify", dir.resolve("set").toString(), "--strangers", dir.resolve("absent").toString());
        assertThat(missingStrangers.status()).isEqualTo(1);
        assertThat(missingStrangers.err()).contains("absent is not a folder");
    }

    @Test
    void aSetWithoutAMatedProbeIsRefused() throws Exception {
        Path set = copyOf("bbt", "single", 1, "howard", "sheldon");
        Run run = eval("identify", set.toString());
        assertThat(run.status()).isEqualTo(1);
        assertThat(run.err()).contains("no mated probe");
        assertThat(run.out()).isEmpty();
    }
}
