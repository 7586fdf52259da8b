package io.biostream.launcher.eval;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.biostream.operators.identity.VerificationMetrics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VerificationReportTest {
    private static final VerificationMetrics METRICS = VerificationMetrics.of(new double[] {0.1, 0.35, 0.55},
            new double[] {0.3, 0.5, 0.6, 0.8});

    private static VerificationReport report() {
        return new VerificationReport("set", "haar", "model-x", 0.25, true, 7, 3, List.of("a/1.png"), List.of("a/1.png"),
                List.of(), List.of(new VerificationReport.Skipped("a/notes.txt", "not an image")), 0.6, METRICS, 2.5,
                Map.of());
    }

    @Test
    void jsonCarriesTheFiguresWithUnavailableTarsAsNull() {
        ObjectNode json = report().toJson();
        assertThat(json.get("same_pairs").asInt()).isEqualTo(3);
        assertThat(json.get("different_pairs").asInt()).isEqualTo(4);
        assertThat(json.get("accuracy_at_threshold").asDouble()).isEqualTo(METRICS.accuracyAt(0.6));
        assertThat(json.get("best_threshold").asDouble()).isEqualTo(METRICS.bestAccuracy().threshold());
        assertThat(json.get("auc").asDouble()).isEqualTo(0.75);
        assertThat(json.get("tar_at_far_1e-2").isNull()).isTrue();
        assertThat(json.get("tar_at_far_1e-3").isNull()).isTrue();
        assertThat(json.get("failures_to_detect").asInt()).isEqualTo(1);
        assertThat(json.get("skipped").get(0).get("reason").asText()).isEqualTo("not an image");
    }

    @Test
    void tableShowsRatesAsPercentages() {
        String table = report().table();
        assertThat(table).contains("ROC AUC                     0.7500")
                .contains("EER                         33.33%")
                .contains("TAR @ FAR 1e-2              n/a (fewer than 100 different pairs)")
                .contains("images                      7 (1 files skipped)");
    }

    @Test
    void facesByStageAppearOnlyWhenTheCascadeRan() {
        VerificationReport base = report();
        Map<String, Integer> byStage = new LinkedHashMap<>();
        byStage.put("ssd", 5);
        byStage.put("refine", 1);
        byStage.put("ssd-padded", 1);
        VerificationReport cascade = new VerificationReport(base.set(), "ssd+cascade", base.model(), 0.25, true, 7, 3,
                List.of(), List.of(), List.of(), List.of(), 0.6, METRICS, 2.5, byStage);
        assertThat(base.table()).doesNotContain("detection stage");
        assertThat(base.toJson().has("faces_by_stage")).isFalse();
        assertThat(cascade.table()).contains("faces by detection stage    ssd 5, refine 1, ssd-padded 1");
        assertThat(cascade.toJson().get("faces_by_stage").get("ssd-padded").asInt()).isEqualTo(1);
    }

    @Test
    void normalisedScoresHaveNoAccuracyAtTheDistanceThresholdAndSayHowTheyWereNormalised() {
        VerificationReport base = report();
        VerificationReport normalised = new VerificationReport(base.set(), base.detector(), base.model(), 0.25, true, 7, 3,
                List.of(), List.of(), List.of(), List.of(), 0.6, METRICS, 2.5, Map.of(),
                new VerificationReport.ScoreNorm(new ScoreNormalisation.Method("as-norm", 50), "orl", 400, 400, false));
        ObjectNode json = normalised.toJson();
        assertThat(json.get("accuracy_at_threshold").isNull()).isTrue();
        assertThat(json.get("score_norm").get("method").asText()).isEqualTo("as-norm");
        assertThat(json.get("score_norm").get("top").asInt()).isEqualTo(50);
        assertThat(json.get("score_norm").get("cohort_templates_most").asInt()).isEqualTo(400);
        assertThat(json.get("auc").asDouble()).isEqualTo(0.75);
        assertThat(normalised.table())
                .contains("score normalisation         as-norm top 50 against orl (400 templates, the 50 closest to each face)")
                .contains("accuracy @ threshold        n/a (normalised scores")
                .doesNotContain("DIAGNOSTIC")
                .doesNotContain("threshold                   0.600");
        assertThat(base.toJson().has("score_norm")).isFalse();
        VerificationReport diagnostic = new VerificationReport(base.set(), base.detector(), base.model(), 0.25, true, 7, 3,
                List.of(), List.of(), List.of(), List.of(), 0.6, METRICS, 2.5, Map.of(),
                new VerificationReport.ScoreNorm(new ScoreNormalisation.Method("s-norm", 0), "the set's others", 2, 4, true));
        assertThat(diagnostic.table()).contains("s-norm against the set's others (2-4 templates) -- DIAGNOSTIC, optimistic");
        assertThat(diagnostic.toJson().get("score_norm").get("diagnostic").asBoolean()).isTrue();
    }
}
