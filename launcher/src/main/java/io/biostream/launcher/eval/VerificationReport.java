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
 * (stage 1 first); empty when the detection cascade is off.
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
        Map<String, Integer> facesByStage) {

    /** A file of the set that was not evaluated, and why. */
    public record Skipped(String file, String reason) {}

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
        json.put("accuracy_at_threshold", metrics.accuracyAt(threshold));
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
        row(table, "threshold", number(threshold, 3));
        row(table, "accuracy @ threshold", percent(metrics.accuracyAt(threshold)));
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
