package io.biostream.operators.functions;

import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.operators.records.ControlRecord;
import io.biostream.operators.records.FrameRecord;
import io.biostream.operators.records.Outbound;
import io.biostream.operators.vision.VisionWarmup;
import io.biostream.operators.vision.WarmupConfig;
import java.nio.file.Path;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The analysis subtask's warm-up when it opens ({@code biostream.vision.warmup}): the vision path runs
 * on synthetic frames before the first record, once per process and configuration, and not at all at 0.
 */
class AnalyzeFrameWarmupTest {
    @TempDir
    Path keysDir;

    @BeforeEach
    @AfterEach
    void nothingWarmedYet() {
        FacePipelines.forgetWarmUps();
    }

    private AnalyzeFrameFunction opened(String warmup) throws Exception {
        PipelineConfig config = PipelineTestData.config(keysDir, Map.of(WarmupConfig.KEY, warmup,
                "biostream.vision.batch.max-faces", "5"));
        AnalyzeFrameFunction function = new AnalyzeFrameFunction(config);
        try (KeyedBroadcastOperatorTestHarness<String, FrameRecord, ControlRecord, Outbound> harness =
                     ProcessFunctionTestHarnesses.forKeyedBroadcastProcessFunction(function,
                             record -> record.frame.getCameraId(), Types.STRING, ControlState.descriptors())) {
            return function; // the harness opened the function, and closes it here
        }
    }

    @Test
    void openingRunsTheVisionPathOnSyntheticFramesOncePerProcess() throws Exception {
        VisionWarmup.Report first = opened("1s").warmup();
        assertThat(first.failure()).isNull();
        assertThat(first.passes()).isPositive();
        assertThat(first.decodes()).as("the job's decoder").isGreaterThanOrEqualTo(first.passes());
        assertThat(first.detectorCalls()).isGreaterThanOrEqualTo(first.passes());
        assertThat(first.landmarkCalls()).isEqualTo(first.passes());
        assertThat(first.descriptorCalls()).isEqualTo(first.passes());
        assertThat(first.landmarkBatchSizes()).contains(1).allMatch(size -> size >= 1 && size <= 5);
        if (first.passes() >= 2) {
            assertThat(first.landmarkBatchSizes()).contains(5); // the micro-batch's face limit comes second
        }

        // A subtask restarted in the same process (a failover) finds the JIT's code and the kernels there.
        assertThat(opened("1s").warmup()).isEqualTo(VisionWarmup.Report.NONE);
    }

    @Test
    void zeroTurnsTheWarmUpOff() throws Exception {
        VisionWarmup.Report report = opened("0").warmup();
        assertThat(report).isEqualTo(VisionWarmup.Report.NONE);
        assertThat(report.netCalls()).isZero();
    }
}
