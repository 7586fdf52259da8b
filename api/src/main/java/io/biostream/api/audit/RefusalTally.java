package io.biostream.api.audit;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Refusals counted by kind between two audit events. At most {@code maxKinds} distinct kinds are
 * kept (the rest count in the total only), so a flood of distinct refusals costs bounded memory; an
 * event itemizes the {@code maxItems} most frequent. Not thread-safe: its owner locks.
 */
final class RefusalTally {
    private final int maxKinds;
    private final int maxItems;
    private Map<String, Long> counts = new HashMap<>();
    private long total;

    RefusalTally(int maxKinds, int maxItems) {
        this.maxKinds = maxKinds;
        this.maxItems = maxItems;
    }

    void add(String kind) {
        total++;
        Long now = counts.get(kind);
        if (now != null) {
            counts.put(kind, now + 1);
        } else if (counts.size() < maxKinds) {
            counts.put(kind, 1L);
        } // else: in the total only
    }

    long total() {
        return total;
    }

    /**
     * Puts the count ({@code refused}), the most frequent kinds ({@code r01}, {@code r02}, ...:
     * "count=N kind") and what was not itemized into {@code details}, and starts counting anew.
     */
    void drainInto(Map<String, String> details) {
        details.put("refused", Long.toString(total));
        List<Map.Entry<String, Long>> kinds = new ArrayList<>(counts.entrySet());
        kinds.sort(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()).thenComparing(Map.Entry.comparingByKey()));
        long itemized = 0;
        for (int i = 0; i < Math.min(maxItems, kinds.size()); i++) {
            details.put(String.format("r%02d", i + 1), "count=" + kinds.get(i).getValue() + " " + kinds.get(i).getKey());
            itemized += kinds.get(i).getValue();
        }
        if (total > itemized) {
            details.put("notItemized", Long.toString(total - itemized));
        }
        counts = new HashMap<>();
        total = 0;
    }
}
