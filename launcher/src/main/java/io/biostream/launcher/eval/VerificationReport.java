package io.biostream.launcher.eval;

import static io.biostream.launcher.eval.ReportFormat.names;
import static io.biostream.launcher.eval.ReportFormat.number;
import static io.biostream.launcher.eval.ReportFormat.percent;
import static io.biostream.launcher.eval.ReportFormat.row;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.biostream.operators.identity.VerificationMetrics;
import io.biostream.operators.identity.VerificationMetrics.BestAccuracy;
import io.biostream.operators.identity.VerificationMetrics.TarAtFar;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The figures of one verification run over a face set, as a table for people and as JSON for
 * tools. Rates are fractions in JSON and percentages in the table; a TAR that is not available
 * (too few different pairs for its FAR) is null in JSON and "n/a" in the table.
 * {@code facesByStage} counts the described images by the detection stage that found their face
 * (stage 1 first); empty when the detection cascade is off. {@code scoreNorm}: how the pairs'
 * distances were normalised against a cohort ({@link ScoreNormalisation}), null when they are the
 * raw distances; normalised scores are not distances, so the product's threshold has no meaning
 * for them and accuracy at it is "n/a" (null in JSON); the other figures are threshold-free or
 * carry their own threshold on the normalised scale.
 */
public record VerificationReport(
        String set,
        String detector,
        String model,
        double borderFraction,
        boolean fallbackEnabled,
        int images,
        int identities,
        List<String> withoutDetection,
        List<String> fallbacks,
        List<String> notEnrolled,
        List<Skipped> skipped,
        double threshold,
        VerificationMetrics metrics,
        double imagesPerSecond,
        Map<String, Integer> facesByStage,
        ScoreNorm scoreNorm) {

    /** A file of the set that was not evaluated, and why. */
    public record Skipped(String file, String reason) {}

    /**
     * The normalisation of a report's scores: its method; {@code cohort}, what the cohort was (a
     * folder, or the set's other identities); {@code fewestTemplates} and {@code mostTemplates},
     * the cohort's templates for a pair (equal for a cohort folder; for a leave-identities-out
     * cohort they depend on the pair's identities); {@code diagnostic}: true where the cohort is
     * not one a deployment could have (the evaluated set's own other identities).
     */
    public record ScoreNorm(ScoreNormalisation.Method method, String cohort, int fewestTemplates, int mostTemplates,
                            boolean diagnostic) {
        /** How many cohort templates a pair's statistics use: as-norm's top where the cohort has that many. */
        String used() {
            int top = method.top();
            String range = fewestTemplates == mostTemplates ? Integer.toString(fewestTemplates) : fewestTemplates + "-" + mostTemplates;
            if (top == 0 || top >= mostTemplates) {
                return range + " templates" + (top == 0 ? "" : ", all: fewer than K " + top);
            }
            return range + " templates, the " + (top > fewestTemplates ? "at most " : "") + top + " closest to each face";
        }
    }

    /** A report of raw distances. */
    public VerificationReport(String set, String detector, String model, double borderFraction, boolean fallbackEnabled,
                              int images, int identities, List<String> withoutDetection, List<String> fallbacks,
                              List<String> notEnrolled, List<Skipped> skipped, double threshold, VerificationMetrics metrics,
                              double imagesPerSecond, Map<String, Integer> facesByStage) {
        this(set, detector, model, borderFraction, fallbackEnabled, images, identities, withoutDetection, fallbacks,
                notEnrolled, skipped, threshold, metrics, imagesPerSecond, facesByStage, null);
    }

    public VerificationReport {
        facesByStage = Collections.unmodifiableMap(new LinkedHashMap<>(facesByStage));
    }

    public static final double[] FARS = {1e-2, 1e-3};
    private static final ObjectMapper JSON = new ObjectMapper();

    public ObjectNode toJson() {
        ObjectNode json = JSON.createObjectNode();
        json.put("set", set);
        json.put("detector", detector);
        json.put("model", model);
        json.put("border_fraction", borderFraction);
        json.put("fallback_enabled", fallbackEnabled);
        json.put("images", images);
        json.put("identities", identities);
        json.put("same_pairs", metrics.samePairs());
        json.put("different_pairs", metrics.differentPairs());
        json.put("failures_to_detect", withoutDetection.size());
        json.put("fallbacks", fallbacks.size());
        json.put("failures_to_enrol", notEnrolled.size());
        json.put("skipped_files", skipped.size());
        json.put("threshold", threshold);
        if (scoreNorm == null) {
            json.put("accuracy_at_threshold", metrics.accuracyAt(threshold));
        } else {
            json.putNull("accuracy_at_threshold");
            ObjectNode norm = json.putObject("score_norm");
            norm.put("method", scoreNorm.method().name());
            if (scoreNorm.method().top() > 0) {
                norm.put("top", scoreNorm.method().top());
            }
            norm.put("cohort", scoreNorm.cohort());
            norm.put("cohort_templates_fewest", scoreNorm.fewestTemplates());
            norm.put("cohort_templates_most", scoreNorm.mostTemplates());
            norm.put("diagnostic", scoreNorm.diagnostic());
        }
        BestAccuracy best = metrics.bestAccuracy();
        json.put("best_accuracy", best.accuracy());
        json.put("best_threshold", best.threshold());
        json.put("auc", metrics.auc());
        json.put("eer", metrics.eer());
        for (double far : FARS) {
            TarAtFar tar = metrics.tarAtFar(far);
            String key = "tar_at_far_" + farLabel(far);
            if (tar.available()) {
                json.put(key, tar.tar());
                json.put(key + "_threshold", tar.threshold());
            } else {
                json.putNull(key);
                json.putNull(key + "_threshold");
            }
        }
        json.put("images_per_second", imagesPerSecond);
        if (!facesByStage.isEmpty()) {
            ObjectNode stages = json.putObject("faces_by_stage");
            facesByStage.forEach(stages::put);
        }
        names(json.putArray("images_without_detection"), withoutDetection);
        names(json.putArray("fallback_images"), fallbacks);
        names(json.putArray("not_enrolled_images"), notEnrolled);
        ArrayNode skippedFiles = json.putArray("skipped");
        for (Skipped s : skipped) {
            skippedFiles.addObject().put("file", s.file()).put("reason", s.reason());
        }
        return json;
    }

    public String table() {
        BestAccuracy best = metrics.bestAccuracy();
        StringBuilder table = new StringBuilder();
        row(table, "set", set);
        row(table, "detector / model", detector + " / " + model);
        row(table, "protocol", String.format(Locale.ROOT, "border %.0f%% per side, fallback %s", borderFraction * 100,
                fallbackEnabled ? "on" : "off"));
        row(table, "images", images + (skipped.isEmpty() ? "" : " (" + skipped.size() + " files skipped)"));
        row(table, "identities", Integer.toString(identities));
        row(table, "same / different pairs", metrics.samePairs() + " / " + metrics.differentPairs());
        row(table, "failures to detect", withoutDetection.size() + " of " + images);
        row(table, "fallbacks", Integer.toString(fallbacks.size()));
        if (!facesByStage.isEmpty()) {
            StringBuilder stages = new StringBuilder();
            facesByStage.forEach((stage, count) -> stages.append(stages.isEmpty() ? "" : ", ").append(stage).append(' ').append(count));
            row(table, "faces by detection stage", stages.toString());
        }
        if (!notEnrolled.isEmpty()) {
            row(table, "failures to enrol", notEnrolled.size() + " (left out of the pairs)");
        }
        if (scoreNorm == null) {
            row(table, "threshold", number(threshold, 3));
            row(table, "accuracy @ threshold", percent(metrics.accuracyAt(threshold)));
        } else {
            row(table, "score normalisation", scoreNorm.method().label() + " against " + scoreNorm.cohort() + " ("
                    + scoreNorm.used() + ")" + (scoreNorm.diagnostic() ? " -- DIAGNOSTIC, optimistic" : ""));
            row(table, "accuracy @ threshold", "n/a (normalised scores, in cohort standard deviations: "
                    + number(threshold, 3) + " is a distance; thresholds below are normalised)");
        }
        row(table, "best accuracy (threshold)", percent(best.accuracy()) + " (" + number(best.threshold(), 3) + ")");
        row(table, "ROC AUC", number(metrics.auc(), 4));
        row(table, "EER", percent(metrics.eer()));
        for (double far : FARS) {
            TarAtFar tar = metrics.tarAtFar(far);
            row(table, "TAR @ FAR " + farLabel(far), tar.available()
                    ? percent(tar.tar()) + " (threshold " + number(tar.threshold(), 3) + ")"
                    : "n/a (fewer than " + Math.round(1 / far) + " different pairs)");
        }
        row(table, "images/s", number(imagesPerSecond, 2));
        return table.toString();
    }

    static String farLabel(double far) {
        return String.format(Locale.ROOT, "%.0e", far).replace("e-0", "e-");
    }
}
