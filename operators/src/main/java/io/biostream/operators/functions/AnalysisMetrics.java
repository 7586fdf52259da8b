package io.biostream.operators.functions;

import io.biostream.operators.vision.FacePipeline;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntSupplier;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * The analysis operator's own metrics, in the group {@code biostream} of each subtask (the Flink web
 * UI lists them per operator; reporters export them): frames analysed, faces found, described,
 * matched and left out by the privacy mode, templates sealed; the time of each stage in
 * microseconds (decode, detect, landmarks, describe, match, seal); descriptor batch sizes; the
 * event-time lag (processing time minus the frame's capture time, in milliseconds); the gallery's
 * size. Histograms keep the last {@value #WINDOW} values.
 */
public final class AnalysisMetrics implements FacePipeline.StageTimes {
    public static final String GROUP = "biostream";
    static final int WINDOW = 1024;

    /** Stages timed here rather than in the face pipeline. */
    public enum Step { DECODE, MATCH, SEAL }

    public final Counter framesAnalyzed;
    public final Counter facesFound;
    public final Counter facesDescribed;
    public final Counter facesMatched;
    public final Counter facesDropped;
    public final Counter templatesSealed;
    private final Map<FacePipeline.Stage, Histogram> stageMicros = new EnumMap<>(FacePipeline.Stage.class);
    private final Map<Step, Histogram> stepMicros = new EnumMap<>(Step.class);
    private final Histogram describeBatchSize;
    private final Histogram eventTimeLagMillis;

    private AnalysisMetrics(MetricGroup group, IntSupplier gallerySize) {
        framesAnalyzed = group.counter("framesAnalyzed");
        facesFound = group.counter("facesFound");
        facesDescribed = group.counter("facesDescribed");
        facesMatched = group.counter("facesMatched");
        facesDropped = group.counter("facesDropped");
        templatesSealed = group.counter("templatesSealed");
        for (FacePipeline.Stage stage : FacePipeline.Stage.values()) {
            stageMicros.put(stage, group.histogram(stage.name().toLowerCase(Locale.ROOT) + "Micros", newHistogram()));
        }
        for (Step step : Step.values()) {
            stepMicros.put(step, group.histogram(step.name().toLowerCase(Locale.ROOT) + "Micros", newHistogram()));
        }
        describeBatchSize = group.histogram("describeBatchSize", newHistogram());
        eventTimeLagMillis = group.histogram("eventTimeLagMillis", newHistogram());
        group.gauge("gallerySize", (Gauge<Integer>) gallerySize::getAsInt);
    }

    /** Registers under {@code <operator group>.biostream}; {@code gallerySize} is read when a reporter asks. */
    public static AnalysisMetrics register(MetricGroup operatorGroup, IntSupplier gallerySize) {
        return new AnalysisMetrics(operatorGroup.addGroup(GROUP), gallerySize);
    }

    @Override
    public void took(FacePipeline.Stage stage, long nanos, int faces) {
        stageMicros.get(stage).update(nanos / 1000);
        if (stage == FacePipeline.Stage.DESCRIBE) {
            describeBatchSize.update(faces);
        }
    }

    public void took(Step step, long nanos) {
        stepMicros.get(step).update(nanos / 1000);
    }

    public void lag(long processedMillis, long captureMillis) {
        eventTimeLagMillis.update(Math.max(0, processedMillis - captureMillis));
    }

    private static Histogram newHistogram() {
        return new DescriptiveStatisticsHistogram(WINDOW);
    }
}
