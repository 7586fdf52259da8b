package io.biostream.operators.functions;

import io.biostream.schemas.DeadLetterReason;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * Dead letters by reason, as the counter {@code biostream.deadLetters} with the variable
 * {@code reason} (e.g. {@code not_avro}): a dead-letter rate per reason is what an operator alerts on.
 * A reason's counter is registered when its first letter is written.
 */
public final class DeadLetterMetrics {
    /** For tests and tools that build dead letters outside a Flink operator. */
    public static final DeadLetterMetrics NONE = new DeadLetterMetrics(null);

    private final MetricGroup biostream;
    private final Map<DeadLetterReason, Counter> counters = new EnumMap<>(DeadLetterReason.class);

    private DeadLetterMetrics(MetricGroup biostream) {
        this.biostream = biostream;
    }

    /** Registers under {@code <operator group>.biostream}. */
    public static DeadLetterMetrics register(MetricGroup operatorGroup) {
        return new DeadLetterMetrics(operatorGroup.addGroup(AnalysisMetrics.GROUP));
    }

    public void count(DeadLetterReason reason) {
        if (biostream != null) {
            counters.computeIfAbsent(reason, r -> biostream.addGroup("reason", r.name().toLowerCase(Locale.ROOT))
                    .counter("deadLetters")).inc();
        }
    }
}
