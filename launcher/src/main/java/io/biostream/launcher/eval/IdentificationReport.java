package io.biostream.launcher.eval;

import static io.biostream.launcher.eval.ReportFormat.names;
import static io.biostream.launcher.eval.ReportFormat.number;
import static io.biostream.launcher.eval.ReportFormat.percent;
import static io.biostream.launcher.eval.ReportFormat.row;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.biostream.launcher.eval.IdentificationSearch.MatedProbe;
import io.biostream.launcher.eval.IdentificationSearch.Result;
import io.biostream.launcher.eval.IdentificationSearch.StrangerProbe;
import io.biostream.launcher.eval.VerificationReport.Skipped;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * The figures of one 1:N identification run ({@link IdentificationSearch}), as a table for people
 * and as JSON (with the machine and settings) for tools. Closed set: rank-1 and rank-5
 * identification rates over the mated probes. Open set, with strangers: FPIR(t), the share of
 * (described) stranger probes whose nearest subject is strictly under t; FNIR(t), the share of mated
 * probes not identified as the right person under t (own identity nearest and under t); and the
 * largest threshold whose FPIR is at most {@value #FPIR} by count, with the FNIR there.
 * {@code strangers}: null when none were given (open-set figures null / "n/a").
 */
public record IdentificationReport(
        String set,
        String strangersSet,
        String detector,
        String model,
        double borderFraction,
        boolean fallbackEnabled,
        Long seed,
        double threshold,
        DescribedSet gallerySet,
        DescribedSet strangers,
        Result result,
        Map<String, Object> machine) {

    public static final double FPIR = 1e-2;
    private static final ObjectMapper JSON = new ObjectMapper();

    public int matedProbes() {
        return result.matedProbes().size();
    }

    public int strangerProbes() {
        return result.strangerProbes().size();
    }

    /** Share of mated probes whose own identity is among the nearest {@code rank} subjects. */
    public double rankRate(int rank) {
        return share(result.matedProbes().stream().filter(p -> p.rank() >= 1 && p.rank() <= rank).count(), matedProbes());
    }

    /** Share of stranger probes matched to someone at {@code t}: nearest strictly under it. */
    public double fpirAt(double t) {
        return share(strangersUnder(t), strangerProbes());
    }

    public long strangersUnder(double t) {
        return result.strangerProbes().stream().filter(p -> p.distance() < t).count();
    }

    /** Share of mated probes not identified as the right person at {@code t}. */
    public double fnirAt(double t) {
        return share(result.matedProbes().stream().filter(p -> !p.identifiedAt(t)).count(), matedProbes());
    }

    /**
     * The largest threshold at which at most {@code floor(fpir * strangers)} stranger probes fall
     * strictly under it: the nearest distance of the stranger at that place in distance order.
     * Empty without stranger probes. (With fewer than 1/fpir strangers it admits none.)
     */
    public OptionalDouble thresholdAtFpir(double fpir) {
        double[] distances = result.strangerProbes().stream().mapToDouble(StrangerProbe::distance).sorted().toArray();
        if (distances.length == 0) {
            return OptionalDouble.empty();
        }
        int allowed = (int) Math.floor(fpir * distances.length + 1e-9);
        return OptionalDouble.of(distances[Math.min(allowed, distances.length - 1)]);
    }

    public double imagesPerSecond() {
        double seconds = gallerySet.seconds() + (strangers == null ? 0 : strangers.seconds());
        int images = gallerySet.images().size() + (strangers == null ? 0 : strangers.images().size());
        return seconds > 0 ? images / seconds : 0;
    }

    public ObjectNode toJson() {
        ObjectNode json = JSON.createObjectNode();
        json.put("set", set);
        if (strangersSet == null) {
            json.putNull("strangers_set");
        } else {
            json.put("strangers_set", strangersSet);
        }
        ObjectNode settings = json.putObject("settings");
        settings.put("detector", detector);
        settings.put("model", model);
        settings.put("border_fraction", borderFraction);
        settings.put("fallback_enabled", fallbackEnabled);
        settings.put("enrolment", seed == null ? "first described photo in name order" : "seeded random described photo");
        if (seed == null) {
            settings.putNull("seed");
        } else {
            settings.put("seed", seed);
        }
        settings.put("threshold", threshold);
        json.set("machine", JSON.valueToTree(machine));
        json.put("images", gallerySet.images().size());
        json.put("identities", gallerySet.identities().size());
        json.put("enrolled", result.enrolled().size());
        json.put("mated_probes", matedProbes());
        json.put("stranger_probes", strangerProbes());
        json.put("failures_to_describe", gallerySet.notDescribed().size());
        json.put("stranger_failures_to_describe", result.strangersNotDescribed().size());
        json.put("failures_to_detect", gallerySet.withoutDetection().size());
        json.put("stranger_failures_to_detect", strangers == null ? 0 : strangers.withoutDetection().size());
        json.put("fallbacks", gallerySet.fallbacks().size() + (strangers == null ? 0 : strangers.fallbacks().size()));
        json.put("skipped_files", gallerySet.skipped().size() + (strangers == null ? 0 : strangers.skipped().size()));
        json.put("rank_1", rankRate(1));
        json.put("rank_5", rankRate(IdentificationSearch.RANKS));
        json.put("fnir_at_threshold", fnirAt(threshold));
        nullable(json, "fpir_at_threshold", strangers == null ? OptionalDouble.empty() : OptionalDouble.of(fpirAt(threshold)));
        OptionalDouble t = thresholdAtFpir(FPIR);
        nullable(json, "threshold_at_fpir_1e-2", t);
        nullable(json, "fpir_at_fpir_1e-2_threshold", t.isPresent() ? OptionalDouble.of(fpirAt(t.getAsDouble())) : t);
        nullable(json, "fnir_at_fpir_1e-2", t.isPresent() ? OptionalDouble.of(fnirAt(t.getAsDouble())) : t);
        json.put("images_per_second", imagesPerSecond());
        Map<String, Integer> stages = new LinkedHashMap<>(gallerySet.facesByStage());
        if (strangers != null) {
            strangers.facesByStage().forEach((stage, count) -> stages.merge(stage, count, Integer::sum));
        }
        if (!stages.isEmpty()) {
            ObjectNode byStage = json.putObject("faces_by_stage");
            stages.forEach(byStage::put);
        }
        ObjectNode enrolled = json.putObject("enrolled_images");
        result.enrolled().forEach(enrolled::put);
        names(json.putArray("identities_not_enrolled"), result.identitiesNotEnrolled());
        ArrayNode misses = json.putArray("rank_1_misses");
        for (MatedProbe p : result.matedProbes()) {
            if (p.rank() != 1) {
                ObjectNode miss = misses.addObject().put("probe", p.name()).put("rank", p.rank());
                if (p.described()) {
                    miss.put("nearest", p.nearest()).put("distance", p.distance());
                }
            }
        }
        names(json.putArray("not_described_images"), gallerySet.notDescribed());
        ArrayNode skipped = json.putArray("skipped");
        for (Skipped s : concat(gallerySet.skipped(), strangers == null ? List.of() : strangers.skipped())) {
            skipped.addObject().put("file", s.file()).put("reason", s.reason());
        }
        return json;
    }

    public String table() {
        StringBuilder table = new StringBuilder();
        row(table, "set", set);
        row(table, "strangers", strangersSet == null ? "none (closed set only)" : strangersSet);
        row(table, "detector / model", detector + " / " + model);
        row(table, "protocol", String.format(Locale.ROOT, "border %.0f%% per side, fallback %s", borderFraction * 100,
                fallbackEnabled ? "on" : "off"));
        row(table, "enrolment", seed == null ? "first described photo per identity (name order)"
                : "seeded random described photo per identity (seed " + seed + ")");
        row(table, "images / identities", gallerySet.images().size() + " / " + gallerySet.identities().size()
                + (gallerySet.skipped().isEmpty() ? "" : " (" + gallerySet.skipped().size() + " files skipped)"));
        row(table, "enrolled", result.enrolled().size() + (result.identitiesNotEnrolled().isEmpty() ? ""
                : " (" + result.identitiesNotEnrolled().size() + " identities without a described photo)"));
        row(table, "mated probes", Integer.toString(matedProbes()));
        if (strangers != null) {
            row(table, "stranger probes", strangerProbes() + " of " + strangers.images().size() + " images"
                    + (strangers.skipped().isEmpty() ? "" : " (" + strangers.skipped().size() + " files skipped)"));
        }
        row(table, "failures to detect", gallerySet.withoutDetection().size() + " of " + gallerySet.images().size()
                + (strangers == null ? "" : "; strangers " + strangers.withoutDetection().size() + " of " + strangers.images().size()));
        row(table, "failures to describe", gallerySet.notDescribed().size()
                + (strangers == null ? "" : "; strangers " + result.strangersNotDescribed().size()));
        Map<String, Integer> stages = new LinkedHashMap<>(gallerySet.facesByStage());
        if (strangers != null) {
            strangers.facesByStage().forEach((stage, count) -> stages.merge(stage, count, Integer::sum));
        }
        if (!stages.isEmpty()) {
            StringBuilder byStage = new StringBuilder();
            stages.forEach((stage, count) -> byStage.append(byStage.isEmpty() ? "" : ", ").append(stage).append(' ').append(count));
            row(table, "faces by detection stage", byStage.toString());
        }
        row(table, "rank-1", percent(rankRate(1)));
        row(table, "rank-5", percent(rankRate(IdentificationSearch.RANKS)));
        row(table, "threshold", number(threshold, 3));
        row(table, "FNIR @ threshold", percent(fnirAt(threshold)));
        if (strangers == null) {
            row(table, "FPIR @ threshold", "n/a (no --strangers)");
            row(table, "FNIR @ FPIR 1e-2", "n/a (no --strangers)");
        } else {
            row(table, "FPIR @ threshold", percent(fpirAt(threshold)) + " (" + strangersUnder(threshold) + " of " + strangerProbes() + ")");
            OptionalDouble t = thresholdAtFpir(FPIR);
            if (t.isEmpty()) {
                row(table, "FNIR @ FPIR 1e-2", "n/a (no stranger described)");
            } else {
                double at = t.getAsDouble();
                row(table, "FNIR @ FPIR 1e-2", percent(fnirAt(at)) + " (threshold " + number(at, 3) + ", FPIR "
                        + strangersUnder(at) + " of " + strangerProbes() + ")");
            }
        }
        row(table, "images/s", number(imagesPerSecond(), 2));
        return table.toString();
    }

    private static double share(long count, int of) {
        return of == 0 ? 0 : (double) count / of;
    }

    private static void nullable(ObjectNode json, String key, OptionalDouble value) {
        if (value.isPresent()) {
            json.put(key, value.getAsDouble());
        } else {
            json.putNull(key);
        }
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
