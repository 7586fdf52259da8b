package io.biostream.operators.vision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biostream.operators.config.Settings;
import io.biostream.operators.decode.DecodeLimits;
import io.biostream.operators.decode.FrameDecoder;
import io.biostream.operators.image.RgbImage;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The warm-up on face-api's real nets: which paths it runs (detector, landmarks, the descriptor
 * crop and net, the job's decode), on which batch sizes, and its bounds (duration, interruption,
 * off at 0), with a clock that moves one second per reading so that the bound is exact.
 */
class VisionWarmupTest {
    private static FacePipeline pipeline;

    @BeforeAll
    static void loadNets() {
        pipeline = VisionConfig.DEFAULTS.openPipeline();
    }

    @AfterAll
    static void closeNets() {
        if (pipeline != null) {
            pipeline.close();
        }
    }

    /** Nanoseconds that advance one second at every reading. */
    private static LongSupplier secondPerReading() {
        AtomicLong readings = new AtomicLong();
        return () -> readings.getAndIncrement() * 1_000_000_000L;
    }

    @Test
    void eachPassDecodesDetectsAndDescribesABatchUntilTheDurationIsOver() {
        FrameDecoder decoder = new FrameDecoder(DecodeLimits.from(Settings.of(Map.of())));
        AtomicInteger decoded = new AtomicInteger();
        // Readings: 0 at the start; the first pass runs whole without one; then one before each decode,
        // detect and describe: the fourth pass's decode (reading 7) is the last step begun before the
        // duration is over (reading 8).
        VisionWarmup.Report report = VisionWarmup.run(pipeline, Duration.ofSeconds(8), 6, jpeg -> {
            decoded.incrementAndGet();
            RgbImage image = decoder.decode(jpeg);
            assertThat(image.width()).isEqualTo(VisionWarmup.FRAME_WIDTH);
            return image;
        }, secondPerReading());

        assertThat(report.failure()).isNull();
        assertThat(report.passes()).isEqualTo(3);
        assertThat(report.decodes()).isEqualTo(4).isEqualTo(decoded.get());
        assertThat(report.detectorCalls()).isEqualTo(3);
        // Both ends of the micro-batch's sizes first: one face, the face limit (over two frames), two faces.
        assertThat(report.landmarkCalls()).isEqualTo(3);
        assertThat(report.landmarkBatchSizes()).containsExactly(1, 2, 6);
        assertThat(report.descriptorCalls()).isEqualTo(3);
        assertThat(report.descriptorBatchSizes()).containsExactly(1, 2, 6);
        assertThat(report.took()).isEqualTo(Duration.ofSeconds(9));
    }

    @Test
    void withoutADecoderTheSyntheticImageGoesStraightToTheNets() {
        VisionWarmup.Report report = VisionWarmup.run(pipeline, Duration.ofSeconds(2), 3, null, secondPerReading());
        // The first pass whole, then reading 1 before the second detect, 2 before its describe: over.
        assertThat(report.passes()).isEqualTo(1);
        assertThat(report.decodes()).isZero();
        assertThat(report.detectorCalls()).isEqualTo(2);
        assertThat(report.landmarkBatchSizes()).containsExactly(1);
    }

    @Test
    void zeroRunsNothing() {
        AtomicInteger decoded = new AtomicInteger();
        VisionWarmup.Report report = VisionWarmup.run(pipeline, Duration.ZERO, 32, jpeg -> {
            decoded.incrementAndGet();
            return null;
        }, secondPerReading());
        assertThat(report).isEqualTo(VisionWarmup.Report.NONE);
        assertThat(report.netCalls()).isZero();
        assertThat(decoded).hasValue(0);
    }

    @Test
    void anInterruptedThreadStopsTheWarmUpAfterTheFirstPass() {
        Thread.currentThread().interrupt();
        try {
            // 30 s on a clock of one second per reading would be 10 passes; the interrupt ends it after the first.
            VisionWarmup.Report report = VisionWarmup.run(pipeline, Duration.ofSeconds(30), 2, null, secondPerReading());
            assertThat(report.passes()).isEqualTo(1);
            assertThat(report.netCalls()).isEqualTo(3);
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void aFailureEndsTheWarmUpWithoutThrowing() {
        VisionWarmup.Report report = VisionWarmup.run(pipeline, Duration.ofSeconds(30), 4, jpeg -> {
            throw new IllegalStateException("no decode budget");
        }, secondPerReading());
        assertThat(report.failure()).contains("no decode budget");
        assertThat(report.passes()).isZero();
        assertThat(report.netCalls()).isZero();
    }

    @Test
    void batchSizesTakeBothEndsFirst() {
        assertThat(VisionWarmup.batchSizes(5)).containsExactly(1, 5, 2, 4, 3);
        assertThat(VisionWarmup.batchSizes(1)).containsExactly(1);
        assertThat(VisionWarmup.frames(VisionWarmup.syntheticFrame(), 9)).extracting(d -> d.detections().size())
                .containsExactly(4, 4, 1);
    }

    @Test
    void theSettingIsADurationFromZeroToFiveMinutes() {
        assertThat(WarmupConfig.from(Settings.of(Map.of()))).isEqualTo(WarmupConfig.DEFAULTS);
        assertThat(WarmupConfig.DEFAULTS.duration()).isEqualTo(Duration.ofSeconds(20));
        assertThat(WarmupConfig.from(Settings.of(Map.of(WarmupConfig.KEY, "0"))).enabled()).isFalse();
        assertThat(WarmupConfig.from(Settings.of(Map.of(WarmupConfig.KEY, "45s"))).duration()).isEqualTo(Duration.ofSeconds(45));
        assertThatThrownBy(() -> WarmupConfig.from(Settings.of(Map.of(WarmupConfig.KEY, "6min"))))
                .isInstanceOf(Settings.ConfigException.class).hasMessageContaining(WarmupConfig.KEY).hasMessageContaining("5min");
        assertThatThrownBy(() -> WarmupConfig.from(Settings.of(Map.of(WarmupConfig.KEY, "soon"))))
                .isInstanceOf(Settings.ConfigException.class).hasMessageContaining(WarmupConfig.KEY).hasMessageContaining("duration");
        assertThatThrownBy(() -> WarmupConfig.from(Settings.of(Map.of(WarmupConfig.KEY, "-5s"))))
                .isInstanceOf(Settings.ConfigException.class).hasMessageContaining(WarmupConfig.KEY);
    }
}
