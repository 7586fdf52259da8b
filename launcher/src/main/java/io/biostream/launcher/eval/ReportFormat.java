package io.biostream.launcher.eval;

import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.List;
import java.util.Locale;

/** The text and JSON pieces the evaluation reports share: one look for every `eval` table. */
final class ReportFormat {
    private ReportFormat() {}

    static void row(StringBuilder table, String label, String value) {
        table.append(String.format(Locale.ROOT, "%-27s %s%n", label, value));
    }

    static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.2f%%", fraction * 100);
    }

    static String number(double value, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", value);
    }

    static void names(ArrayNode array, List<String> names) {
        names.forEach(array::add);
    }
}
