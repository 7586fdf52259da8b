package io.biostream.launcher.eval;

import io.biostream.operators.identity.VerificationPairs;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Cohort score normalisation of verification distances (issue 14's diagnostic: does it lower
 * bbt's EER?). Each template gets the mean and standard deviation of its Euclidean distances to
 * the templates of an impostor cohort (people who are neither face of the pair); a pair's
 * distance {@code d} becomes {@code 0.5 * ((d - mean_a) / sd_a + (d - mean_b) / sd_b)}: how far
 * below (negative: closer than) each face's usual distance to strangers the pair lies, in units of
 * that face's spread. Lower still means "same person". A face that is close to everyone (a
 * misplaced fallback crop) has a low mean, so its pairs are judged against that.
 *
 * <p>{@code s-norm} uses the whole cohort; {@code as-norm} (adaptive) only each template's
 * {@code top} closest cohort templates (its smallest distances). The standard deviation is the
 * population's (divided by the count, not count - 1).
 */
public final class ScoreNormalisation {

    /** The normalisations {@code eval verify --score-norm} knows. */
    public static final List<String> NAMES = List.of("none", "s-norm", "as-norm");

    /** One normalisation: {@code name} one of {@link #NAMES}; {@code top} the as-norm's K, 0 otherwise. */
    public record Method(String name, int top) {
        public Method {
            if (!NAMES.contains(name)) {
                throw new IllegalArgumentException("score normalisation must be one of " + NAMES + ", got '" + name + "'");
            }
            if (name.equals("as-norm") && top < 2) {
                throw new IllegalArgumentException("as-norm needs a top K of at least 2 (a spread), got " + top);
            }
            if (!name.equals("as-norm") && top != 0) {
                throw new IllegalArgumentException(name + " takes no top K, got " + top);
            }
        }

        public static final Method NONE = new Method("none", 0);

        public boolean normalises() {
            return !name.equals("none");
        }

        /** {@code none}, {@code s-norm}, {@code as-norm top 100}. */
        public String label() {
            return top > 0 ? String.format(Locale.ROOT, "%s top %d", name, top) : name;
        }
    }

    /** A template's distances to its cohort, summarised. */
    public record CohortStats(double mean, double sd) {}

    private ScoreNormalisation() {}

    /**
     * Mean and population standard deviation of {@code cohortDistances}, or of its {@code top}
     * smallest when {@code top} is positive and fewer than them all. Refuses fewer than two
     * distances and a spread of zero (every cohort face at the same distance): no scale to divide by.
     */
    public static CohortStats stats(double[] cohortDistances, int top) {
        double[] used = top > 0 && top < cohortDistances.length ? closest(cohortDistances, top) : cohortDistances;
        if (used.length < 2) {
            throw new IllegalArgumentException("a cohort of " + used.length + " templates has no spread; need at least 2");
        }
        double sum = 0;
        for (double d : used) {
            sum += d;
        }
        double mean = sum / used.length;
        double squares = 0;
        for (double d : used) {
            squares += (d - mean) * (d - mean);
        }
        double sd = Math.sqrt(squares / used.length);
        // all equal (tested exactly: their float mean need not be, and would leave a rounding-sized spread)
        if (Arrays.stream(used).allMatch(d -> d == used[0]) || !(sd > 0)) {
            throw new IllegalArgumentException("every one of the " + used.length + " cohort distances is " + mean
                    + ": no spread to normalise by");
        }
        return new CohortStats(mean, sd);
    }

    private static double[] closest(double[] distances, int top) {
        double[] sorted = distances.clone();
        Arrays.sort(sorted);
        return Arrays.copyOf(sorted, top);
    }

    /** The symmetric normalised score of a pair at {@code distance} whose faces have the cohort statistics {@code a} and {@code b}. */
    public static double normalise(double distance, CohortStats a, CohortStats b) {
        return 0.5 * ((distance - a.mean()) / a.sd() + (distance - b.mean()) / b.sd());
    }

    /**
     * Every pair of the set, as {@link VerificationPairs#of} forms them (same order), with its
     * distance normalised against {@code cohort}, templates of people none of whom is in the set.
     */
    public static VerificationPairs withCohort(List<String> identities, List<float[]> descriptors, List<float[]> cohort,
                                               Method method) {
        check(identities, descriptors, method);
        CohortStats[] stats = new CohortStats[descriptors.size()];
        for (int i = 0; i < stats.length; i++) {
            double[] distances = new double[cohort.size()];
            for (int c = 0; c < distances.length; c++) {
                distances[c] = VerificationPairs.euclidean(descriptors.get(i), cohort.get(c));
            }
            stats[i] = stats(distances, method.top());
        }
        return VerificationPairs.of(identities, descriptors, (i, j, d) -> normalise(d, stats[i], stats[j]));
    }

    /**
     * Diagnostic only, optimistic: the cohort of a pair is the set's own templates of every
     * identity other than the pair's two (leave-identities-out), so the cohort comes from the
     * same cameras and conditions as the pair, which a deployment's cohort would not.
     */
    public static VerificationPairs leaveIdentitiesOut(List<String> identities, List<float[]> descriptors, Method method) {
        check(identities, descriptors, method);
        int n = descriptors.size();
        // Per template, its distances to every other template in ascending order, with their identities.
        double[][] sorted = new double[n][];
        String[][] sortedIdentities = new String[n][];
        for (int i = 0; i < n; i++) {
            Integer[] order = new Integer[n];
            double[] all = new double[n];
            for (int j = 0; j < n; j++) {
                order[j] = j;
                all[j] = i == j ? 0 : VerificationPairs.euclidean(descriptors.get(i), descriptors.get(j));
            }
            Arrays.sort(order, (x, y) -> Double.compare(all[x], all[y]));
            sorted[i] = new double[n];
            sortedIdentities[i] = new String[n];
            for (int k = 0; k < n; k++) {
                sorted[i][k] = all[order[k]];
                sortedIdentities[i][k] = identities.get(order[k]);
            }
        }
        return VerificationPairs.of(identities, descriptors, (i, j, d) -> {
            String a = identities.get(i);
            String b = identities.get(j);
            return normalise(d, outside(sorted[i], sortedIdentities[i], a, b, method.top()),
                    outside(sorted[j], sortedIdentities[j], a, b, method.top()));
        });
    }

    /** The fewest and the most templates a pair's leave-identities-out cohort holds. */
    public static int[] leaveIdentitiesOutCohorts(List<String> identities) {
        java.util.Map<String, Integer> counts = new java.util.LinkedHashMap<>();
        identities.forEach(id -> counts.merge(id, 1, Integer::sum));
        int fewest = Integer.MAX_VALUE;
        int most = 0;
        for (int i = 0; i < identities.size(); i++) {
            for (int j = i + 1; j < identities.size(); j++) {
                String a = identities.get(i);
                String b = identities.get(j);
                int size = identities.size() - counts.get(a) - (a.equals(b) ? 0 : counts.get(b));
                fewest = Math.min(fewest, size);
                most = Math.max(most, size);
            }
        }
        return new int[] {fewest, most};
    }

    /** Statistics over the ascending distances of identities other than {@code a} and {@code b}, the {@code top} first if positive. */
    private static CohortStats outside(double[] ascending, String[] identities, String a, String b, int top) {
        double[] kept = new double[ascending.length];
        int n = 0;
        for (int k = 0; k < ascending.length && (top <= 0 || n < top); k++) {
            if (!identities[k].equals(a) && !identities[k].equals(b)) {
                kept[n++] = ascending[k];
            }
        }
        return stats(Arrays.copyOf(kept, n), 0);
    }

    private static void check(List<String> identities, List<float[]> descriptors, Method method) {
        if (!method.normalises()) {
            throw new IllegalArgumentException("'none' normalises nothing; use VerificationPairs.of");
        }
        if (identities.size() != descriptors.size()) {
            throw new IllegalArgumentException(identities.size() + " identities for " + descriptors.size() + " descriptors");
        }
    }
}
