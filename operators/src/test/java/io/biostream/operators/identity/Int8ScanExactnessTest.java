package io.biostream.operators.identity;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.biostream.operators.testing.SharedFolder;
import io.biostream.operators.vision.Goldens;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The int8 scan with its exact re-rank gives exactly what a brute-force double-precision scan of
 * the float32 templates gives: the same subjects in the same order, the same nearest template and
 * bit-identical distances (so every threshold decision is the same too), including near ties,
 * exact ties, zero and extreme vectors, and after removals have moved quantised rows around.
 */
class Int8ScanExactnessTest {
    private static final double THRESHOLD = 0.6;

    @ParameterizedTest(name = "{0} templates, {1} per subject, k={2}, {3} probes per product")
    @CsvSource({
        "1, 1, 5, 128",
        "40, 3, 50, 128",
        "5000, 2, 5, 7",
        "65636, 2, 10, 64",
    })
    void matchesTheExactScanOnSyntheticGalleries(int templates, int perSubject, int k, int probesPerProduct) {
        RandomDescriptors random = new RandomDescriptors(templates + 31L);
        try (Gallery gallery = new Gallery()) {
            List<Gallery.Template> enrolled = new ArrayList<>();
            for (int i = 0; i < templates; i++) {
                enrolled.add(new Gallery.Template("s" + i / perSubject, "t" + i, random.next()));
            }
            gallery.addAll(enrolled);
            // Fewer probes against the two-block gallery: the brute-force reference is the slow part.
            float[][] probes = new float[templates > 10_000 ? 6 : 24][];
            for (int i = 0; i < probes.length; i++) {
                float[] base = enrolled.get(random.nextInt(templates)).descriptor();
                probes[i] = i % 3 == 0 ? random.next() : i % 3 == 1 ? random.near(base, 0.03) : base.clone();
            }

            assertExact(new GalleryMatcher(gallery, probesPerProduct), probes, enrolled, k);
        }
    }

    @ParameterizedTest(name = "peer descriptors of {0}")
    @CsvSource({"bbt", "orl_att"})
    void matchesTheExactScanOnRealDescriptors(String set) throws Exception {
        JsonNode images = Goldens.json(SharedFolder.resolve("goldens/peer/" + set + ".descriptors.json")).get("images");
        List<Gallery.Template> enrolled = new ArrayList<>();
        List<float[]> probes = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (JsonNode image : images) {
            String identity = image.get("identity").asText();
            float[] descriptor = Goldens.floats(image.get("face").get("descriptor"));
            int n = seen.merge(identity, 1, Integer::sum);
            // Odd images of each person enrolled, even ones probe (genuine), and everyone probes.
            if (n % 2 == 1) {
                enrolled.add(new Gallery.Template(identity, identity + "/" + n, descriptor));
            }
            probes.add(descriptor);
        }
        try (Gallery gallery = new Gallery()) {
            gallery.addAll(enrolled);
            GalleryMatcher matcher = new GalleryMatcher(gallery, 16);
            float[][] all = probes.toArray(new float[0][]);

            assertExact(matcher, all, enrolled, 1);
            assertExact(matcher, all, enrolled, 5);
            // The candidates fall on both sides of face-api's threshold.
            List<Double> distances = matcher.topK(all, 5).stream().flatMap(List::stream).map(Candidate::distance).toList();
            assertThat(distances).anySatisfy(d -> assertThat(d).isLessThan(THRESHOLD));
            assertThat(distances).anySatisfy(d -> assertThat(d).isGreaterThan(THRESHOLD));
        }
    }

    @Test
    void nearlyEquidistantTemplatesAreRankedByTheirExactDistance() {
        // 3,000 templates on a shell around the probe, 1e-7 apart in radius: far closer than the
        // int8 estimate can tell apart, so the order comes from the exact re-rank alone.
        Random random = new Random(3);
        float[] probe = new RandomDescriptors(3).next();
        List<Gallery.Template> enrolled = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            enrolled.add(new Gallery.Template("s" + i, "t" + i, atDistance(probe, 0.59 + random.nextInt(200) * 1e-7, random)));
        }
        // and one just under, one just over face-api's threshold
        enrolled.add(new Gallery.Template("under", "under/0", atDistance(probe, Math.nextDown(0.6f), random)));
        enrolled.add(new Gallery.Template("over", "over/0", atDistance(probe, Math.nextUp(0.6f), random)));
        try (Gallery gallery = new Gallery()) {
            gallery.addAll(enrolled);
            GalleryMatcher matcher = new GalleryMatcher(gallery);

            assertExact(matcher, new float[][] {probe}, enrolled, 1);
            assertExact(matcher, new float[][] {probe}, enrolled, 10);
            List<Candidate> all = matcher.topK(new float[][] {probe}, 3002).get(0);
            assertThat(all).hasSize(3002);
            assertThat(decisions(all)).isEqualTo(decisions(reference(probe, enrolled, 3002)));
        }
    }

    @Test
    void residualsAlignedWithTheProbeAreWithinTheBound() {
        // Worst cases for the Cauchy-Schwarz bound: quantisation residuals all pointing along
        // the probe (or against it), so the int8 estimate is off by the full bound and ranks
        // templates differently from their exact distances. Half the subjects err one way, half
        // the other, some not at all; only a bound with both residual terms keeps the true top k.
        Random random = new Random(15);
        int[] signs = new int[Gallery.DIMENSIONS];
        for (int i = 0; i < signs.length; i++) {
            signs[i] = i == 0 || random.nextBoolean() ? 1 : -1;
        }
        // (a) Residuals in the templates: the probe codes exactly (every |value| equal), each
        // template is the anchor 1 (scale 1/127) plus codes m_i and a residual of ±0.49 steps.
        float[] exactProbe = new float[Gallery.DIMENSIONS];
        for (int i = 0; i < exactProbe.length; i++) {
            exactProbe[i] = 0.1f * signs[i];
        }
        List<Gallery.Template> residualTemplates = new ArrayList<>();
        for (int j = 0; j < 3000; j++) {
            // along, against, or none (codes exactly): the exact ones give tight upper bounds,
            // so a template that errs the other way must be kept on its own spread, not the k-th's.
            int along = j % 3 - 1;
            float[] g = new float[Gallery.DIMENSIONS];
            g[0] = 1;
            for (int i = 1; i < g.length; i++) {
                // The templates whose residual helps them have codes one step away from the probe
                // on 31 values: their estimates trail the exact ones' by about half their error,
                // while their exact distances lead.
                int away = along == 1 && i <= 31 ? signs[i] : 0;
                g[i] = (float) ((random.nextInt(7) - 3 - away + 0.49 * along * signs[i]) / 127.0);
            }
            residualTemplates.add(new Gallery.Template("a" + j, "a" + j + "/0", g));
        }
        // (b) Residuals in the probe: the templates code exactly, with codes along or against
        // the probe's residual signs.
        float[] residualProbe = new float[Gallery.DIMENSIONS];
        residualProbe[0] = 1;
        for (int i = 1; i < residualProbe.length; i++) {
            residualProbe[i] = (float) ((random.nextInt(7) - 3 + 0.49 * signs[i]) / 127.0);
        }
        List<Gallery.Template> exactTemplates = new ArrayList<>();
        for (int j = 0; j < 2000; j++) {
            int along = j % 2 == 0 ? 1 : -1;
            float[] g = new float[Gallery.DIMENSIONS];
            g[0] = 0.5f;
            for (int i = 1; i < g.length; i++) {
                g[i] = (float) (along * signs[i] * (1 + random.nextInt(6)) * 0.5 / 127.0);
            }
            exactTemplates.add(new Gallery.Template("b" + j, "b" + j + "/0", g));
        }
        for (List<Gallery.Template> enrolled : List.of(residualTemplates, exactTemplates)) {
            try (Gallery gallery = new Gallery()) {
                gallery.addAll(enrolled);
                GalleryMatcher matcher = new GalleryMatcher(gallery);
                assertExact(matcher, new float[][] {exactProbe, residualProbe}, enrolled, 1);
                assertExact(matcher, new float[][] {exactProbe, residualProbe}, enrolled, 5);
            }
        }
    }

    @Test
    void exactTiesAreBrokenBySubjectIdThenTemplateId() {
        float[] shared = new RandomDescriptors(5).next();
        List<Gallery.Template> enrolled = new ArrayList<>();
        // 300 identical descriptors: every distance ties.
        for (int i = 0; i < 300; i++) {
            enrolled.add(new Gallery.Template("s" + (299 - i) / 2, "t" + (299 - i), shared.clone()));
        }
        try (Gallery gallery = new Gallery()) {
            gallery.addAll(enrolled);
            GalleryMatcher matcher = new GalleryMatcher(gallery);
            float[] near = new RandomDescriptors(6).near(shared, 0.05);

            List<Candidate> found = matcher.topK(new float[][] {near}, 7).get(0);

            assertThat(found).extracting(Candidate::subjectId).containsExactly("s0", "s1", "s10", "s100", "s101", "s102", "s103");
            assertThat(found.get(0).templateId()).isEqualTo("t0");
            assertThat(found.get(1).templateId()).isEqualTo("t2");
            assertExact(matcher, new float[][] {near, shared}, enrolled, 7);
        }
    }

    @Test
    void zeroVectorsAreCodedAndMatchedExactly() {
        RandomDescriptors random = new RandomDescriptors(8);
        List<Gallery.Template> enrolled = new ArrayList<>();
        enrolled.add(new Gallery.Template("zero", "zero/0", new float[Gallery.DIMENSIONS]));
        float[] oneAxis = new float[Gallery.DIMENSIONS];
        oneAxis[17] = 0.25f;
        enrolled.add(new Gallery.Template("axis", "axis/0", oneAxis));
        for (int i = 0; i < 500; i++) {
            enrolled.add(new Gallery.Template("s" + i, "t" + i, random.near(new float[Gallery.DIMENSIONS], 0.02)));
        }
        try (Gallery gallery = new Gallery()) {
            gallery.addAll(enrolled);
            GalleryMatcher matcher = new GalleryMatcher(gallery);
            float[][] probes = {new float[Gallery.DIMENSIONS], oneAxis.clone(), random.near(new float[Gallery.DIMENSIONS], 0.01)};

            assertExact(matcher, probes, enrolled, 4);
            assertThat(matcher.topK(probes, 1).get(0).get(0)).isEqualTo(new Candidate("zero", "zero/0", 0.0));
        }
    }

    @Test
    void extremeValuesAreMatchedExactly() {
        RandomDescriptors random = new RandomDescriptors(9);
        List<Gallery.Template> enrolled = new ArrayList<>();
        float[][] extremes = {
            scaled(random.next(), 1e20f),                 // beyond the int8 bounds' range: exact only
            scaled(random.next(), 1e-30f),                // below it
            filled(Float.MAX_VALUE),                      // the largest finite floats
            filled(-Float.MIN_VALUE),                     // subnormals
            mixed(random.next(), 3e14f, 1e-9f),           // in range, one huge and one tiny value
            mixed(random.next(), 1e16f, 0f),              // one value out of range
            scaled(random.next(), 8e14f),                 // in range, near its top
        };
        for (int i = 0; i < extremes.length; i++) {
            enrolled.add(new Gallery.Template("x" + i, "x" + i + "/0", extremes[i]));
        }
        for (int i = 0; i < 2000; i++) {
            enrolled.add(new Gallery.Template("s" + i, "t" + i, random.next()));
        }
        try (Gallery gallery = new Gallery()) {
            gallery.addAll(enrolled);
            GalleryMatcher matcher = new GalleryMatcher(gallery, 4);
            List<float[]> probes = new ArrayList<>(List.of(extremes));
            probes.add(random.next());
            probes.add(random.near(extremes[4], 1));
            probes.add(scaled(random.next(), 1e-12f));

            assertExact(matcher, probes.toArray(new float[0][]), enrolled, 3);
        }
    }

    @Test
    void enrolAndEraseKeepCodesWithTheirRows() {
        RandomDescriptors random = new RandomDescriptors(10);
        List<Gallery.Template> enrolled = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            enrolled.add(new Gallery.Template("s" + i / 3, "t" + i, random.next()));
        }
        try (Gallery gallery = new Gallery()) {
            gallery.addAll(enrolled.subList(0, 1000));
            gallery.addAll(enrolled.subList(1000, 3000));
            GalleryMatcher matcher = new GalleryMatcher(gallery, 8);
            float[][] probes = new float[30][];
            for (int i = 0; i < probes.length; i++) {
                probes[i] = i % 2 == 0 ? enrolled.get(i * 97).descriptor().clone() : random.near(enrolled.get(i * 89).descriptor(), 0.03);
            }
            // Swap-removes all over: the last rows (codes and bounds with them) move into the holes.
            List<Gallery.Template> live = new ArrayList<>(enrolled);
            for (int i = 0; i < 3000; i += 7) {
                assertThat(gallery.remove("t" + i)).isTrue();
                String gone = "t" + i;
                live.removeIf(t -> t.templateId().equals(gone));
            }
            for (int s = 0; s < 1000; s += 11) {
                gallery.removeSubject("s" + s);
                String gone = "s" + s;
                live.removeIf(t -> t.subjectId().equals(gone));
            }
            assertExact(matcher, probes, live, 5);
            // Re-enrol some erased descriptors under new ids: matched again, at distance 0.
            List<Gallery.Template> again = new ArrayList<>();
            for (int i = 0; i < 3000; i += 77) {
                again.add(new Gallery.Template("back" + i, "back/" + i, enrolled.get(i).descriptor()));
            }
            gallery.addAll(again);
            live.addAll(again);
            assertExact(matcher, probes, live, 5);
            gallery.read(view -> {
                byte[] stored = new byte[Gallery.DIMENSIONS];
                byte[] expected = new byte[Gallery.DIMENSIONS];
                Gallery.Block block = view.blocks().get(0);
                float[] descriptor = new float[Gallery.DIMENSIONS];
                for (int row = 0; row < block.capacity(); row++) {
                    block.readCodes(row, stored);
                    if (row < block.used) {
                        block.readRow(row, descriptor);
                        Int8Codes.encode(descriptor, expected, 0);
                        assertThat(stored).as("codes of row %d", row).isEqualTo(expected);
                    } else {
                        assertThat(stored).as("vacated row %d", row).containsOnly((byte) 0);
                        assertThat(block.scales[row]).isZero();
                    }
                }
                return null;
            });
        }
    }

    @Test
    void theScanKeepsOnlyAFewTemplatesForTheExactReRank() {
        RandomDescriptors random = new RandomDescriptors(12);
        List<Gallery.Template> enrolled = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            enrolled.add(new Gallery.Template("s" + i / 2, "t" + i, random.next()));
        }
        try (Gallery gallery = new Gallery()) {
            gallery.addAll(enrolled);
            GalleryMatcher matcher = new GalleryMatcher(gallery);
            float[][] probes = {random.next(), random.near(enrolled.get(5).descriptor(), 0.03), enrolled.get(77).descriptor()};

            int[] kept = matcher.keptForRerank(probes, 5);

            // At least the k subjects' templates, and far fewer than the gallery (1 %).
            assertThat(java.util.Arrays.stream(kept).boxed().toList()).allSatisfy(n -> assertThat(n).isBetween(5, 200));
            // A probe the int8 bounds cannot hold is scanned exactly: everything is re-ranked.
            assertThat(matcher.keptForRerank(new float[][] {scaled(random.next(), 1e20f)}, 5)).containsExactly(20_000);
        }
    }

    @Test
    void theInt8EstimateIsWithinItsStatedBound() {
        Random random = new Random(14);
        RandomDescriptors descriptors = new RandomDescriptors(14);
        int outOfRange = 0;
        for (int trial = 0; trial < 5_000; trial++) {
            float[] p = scaled(descriptors.next(), (float) Math.pow(10, random.nextInt(20) - 9));
            float[] g = trial % 5 == 0 ? descriptors.near(p, 0.01 * Math.abs(p[0]) + 1e-12) : scaled(descriptors.next(), (float) Math.pow(10, random.nextInt(20) - 9));
            byte[] r = new byte[Gallery.DIMENSIONS];
            byte[] q = new byte[Gallery.DIMENSIONS];
            float sp = Int8Codes.encode(p, r, 0);
            float sg = Int8Codes.encode(g, q, 0);
            long dot = 0;
            double exact = 0;
            for (int i = 0; i < Gallery.DIMENSIONS; i++) {
                outOfRange += Math.abs(r[i]) > Int8Codes.LIMIT || Math.abs(q[i]) > Int8Codes.LIMIT ? 1 : 0;
                dot += r[i] * q[i];
                exact += (double) p[i] * g[i];
            }
            double bound = Int8Codes.residualNorm(p, r, 0, sp) * (double) Int8Codes.codeNorm(q, 0, sg)
                    + Int8Codes.norm(p) * (double) Int8Codes.residualNorm(g, q, 0, sg);
            if (Math.abs(exact - (double) sp * sg * dot) > bound * (1 + 1e-9)) {
                assertThat(Math.abs(exact - (double) sp * sg * dot)).as("trial %d", trial).isLessThanOrEqualTo(bound);
            }
        }
        assertThat(outOfRange).isZero();
    }

    /** The brute force: each subject by its nearest template (ties: smaller id), by distance then subject id. */
    private static List<Candidate> reference(float[] probe, List<Gallery.Template> enrolled, int k) {
        Map<String, Candidate> nearest = new HashMap<>();
        for (Gallery.Template t : enrolled) {
            Candidate c = new Candidate(t.subjectId(), t.templateId(), VerificationPairs.euclidean(probe, t.descriptor()));
            nearest.merge(t.subjectId(), c, (a, b) -> a.distance() < b.distance() || a.distance() == b.distance()
                    && a.templateId().compareTo(b.templateId()) <= 0 ? a : b);
        }
        return nearest.values().stream()
                .sorted(Comparator.comparingDouble(Candidate::distance).thenComparing(Candidate::subjectId))
                .limit(k).toList();
    }

    private static void assertExact(GalleryMatcher matcher, float[][] probes, List<Gallery.Template> enrolled, int k) {
        List<List<Candidate>> found = matcher.topK(probes, k);
        assertThat(found).hasSize(probes.length);
        for (int p = 0; p < probes.length; p++) {
            List<Candidate> expected = reference(probes[p], enrolled, k);
            assertThat(found.get(p)).as("probe %d, k=%d", p, k).containsExactlyElementsOf(expected);
            assertThat(decisions(found.get(p))).isEqualTo(decisions(expected));
        }
    }

    private static List<Boolean> decisions(List<Candidate> candidates) {
        return candidates.stream().map(c -> c.distance() < THRESHOLD).toList();
    }

    /** A descriptor at about {@code distance} from {@code probe} in a random direction. */
    private static float[] atDistance(float[] probe, double distance, Random random) {
        double[] direction = new double[Gallery.DIMENSIONS];
        double norm = 0;
        for (int i = 0; i < direction.length; i++) {
            direction[i] = random.nextGaussian();
            norm += direction[i] * direction[i];
        }
        float[] out = new float[Gallery.DIMENSIONS];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (probe[i] + direction[i] * distance / Math.sqrt(norm));
        }
        return out;
    }

    private static float[] scaled(float[] v, float factor) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i] * factor;
        }
        return out;
    }

    private static float[] filled(float value) {
        float[] out = new float[Gallery.DIMENSIONS];
        java.util.Arrays.fill(out, value);
        return out;
    }

    private static float[] mixed(float[] v, float huge, float tiny) {
        float[] out = v.clone();
        out[0] = huge;
        out[1] = tiny;
        return out;
    }
}
