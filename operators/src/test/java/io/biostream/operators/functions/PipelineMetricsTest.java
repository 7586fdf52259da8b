package io.biostream.operators.functions;

import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.operators.records.RawRecord;
import io.biostream.operators.vision.FacePipeline;
import io.biostream.schemas.DeadLetterReason;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

/** The job's own metrics: names under "biostream", what each counts, dead letters by reason. */
class PipelineMetricsTest {

    /** Records every metric registered below it under its dotted path. */
    static final class RecordingGroup extends UnregisteredMetricsGroup {
        final Map<String, Metric> metrics;
        final String path;

        RecordingGroup() {
            this(new LinkedHashMap<>(), "");
        }

        private RecordingGroup(Map<String, Metric> metrics, String path) {
            this.metrics = metrics;
            this.path = path;
        }

        @Override
        public MetricGroup addGroup(String name) {
            return new RecordingGroup(metrics, path + name + ".");
        }

        @Override
        public MetricGroup addGroup(String key, String value) {
            return new RecordingGroup(metrics, path + key + "=" + value + ".");
        }

        @Override
        public <C extends Counter> C counter(String name, C counter) {
            metrics.put(path + name, counter);
            return counter;
        }

        @Override
        public Counter counter(String name) {
            return counter(name, new org.apache.flink.metrics.SimpleCounter());
        }

        @Override
        public <T, G extends Gauge<T>> G gauge(String name, G gauge) {
            metrics.put(path + name, gauge);
            return gauge;
        }

        @Override
        public <H extends Histogram> H histogram(String name, H histogram) {
            metrics.put(path + name, histogram);
            return histogram;
        }

        long count(String name) {
            return ((Counter) metrics.get(name)).getCount();
        }

        Histogram histogram(String name) {
            return (Histogram) metrics.get(name);
        }
    }

    @Test
    void deadLettersAreCountedPerReasonEachRegisteredOnItsFirstLetter() {
        RecordingGroup group = new RecordingGroup();
        DeadLetterMetrics metrics = DeadLetterMetrics.register(group);
        assertThat(group.metrics).isEmpty();

        metrics.count(DeadLetterReason.NOT_AVRO);
        metrics.count(DeadLetterReason.NOT_AVRO);
        metrics.count(DeadLetterReason.CORRUPT_IMAGE);

        assertThat(group.metrics).containsOnlyKeys("biostream.reason=not_avro.deadLetters", "biostream.reason=corrupt_image.deadLetters");
        assertThat(group.count("biostream.reason=not_avro.deadLetters")).isEqualTo(2);
        assertThat(group.count("biostream.reason=corrupt_image.deadLetters")).isEqualTo(1);
    }

    @Test
    void deadLettersBuiltWithMetricsAreCounted() {
        RecordingGroup group = new RecordingGroup();
        DeadLetters letters = new DeadLetters("dlq", 16, DeadLetterMetrics.register(group));

        letters.of(new RawRecord("frames", 0, 7L, 0L, null, new byte[] {1, 2, 3}), null, null, DeadLetterReason.EMPTY, "empty");

        assertThat(group.count("biostream.reason=empty.deadLetters")).isEqualTo(1);
    }

    @Test
    void stageTimesGoToTheirHistogramsInMicrosAndDescribeCallsGiveTheBatchSize() {
        RecordingGroup group = new RecordingGroup();
        int[] gallery = {3};
        AnalysisMetrics metrics = AnalysisMetrics.register(group, () -> gallery[0]);

        metrics.took(FacePipeline.Stage.DETECT, 12_000_000L, 2);
        metrics.took(FacePipeline.Stage.DESCRIBE, 40_000_000L, 5);
        metrics.took(AnalysisMetrics.Step.SEAL, 30_000L);
        metrics.lag(10_500L, 10_000L);
        metrics.lag(10_000L, 12_000L); // a camera clock ahead of ours is no negative lag

        assertThat(group.histogram("biostream.detectMicros").getStatistics().getMax()).isEqualTo(12_000L);
        assertThat(group.histogram("biostream.describeMicros").getStatistics().getMax()).isEqualTo(40_000L);
        assertThat(group.histogram("biostream.landmarksMicros").getCount()).isZero();
        assertThat(group.histogram("biostream.describeBatchSize").getStatistics().getValues()).containsExactly(5L);
        assertThat(group.histogram("biostream.sealMicros").getStatistics().getValues()).containsExactly(30L);
        assertThat(group.histogram("biostream.eventTimeLagMillis").getStatistics().getValues()).containsExactly(500L, 0L);
        gallery[0] = 7;
        assertThat(((Gauge<?>) group.metrics.get("biostream.gallerySize")).getValue()).isEqualTo(7);
        assertThat(group.metrics).containsKeys("biostream.framesAnalyzed", "biostream.facesFound", "biostream.facesDescribed",
                "biostream.facesMatched", "biostream.facesDropped", "biostream.templatesSealed", "biostream.decodeMicros",
                "biostream.matchMicros");
    }
}
