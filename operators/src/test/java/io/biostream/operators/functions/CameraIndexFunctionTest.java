package io.biostream.operators.functions;

import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.operators.records.CameraSighting;
import io.biostream.operators.state.CameraSeen;
import io.biostream.operators.state.CameraStateCodec;
import io.biostream.operators.state.QueryableStateNames;
import java.time.Duration;
import java.time.Instant;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.runtime.state.VoidNamespaceSerializer;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CameraIndexFunctionTest {
    private static final long RETENTION_MS = 3_600_000L;
    private KeyedOneInputStreamOperatorTestHarness<String, CameraSighting, Void> harness;

    @BeforeEach
    void open() throws Exception {
        // As in the job: every sighting under the one index key.
        harness = ProcessFunctionTestHarnesses.forKeyedProcessFunction(new CameraIndexFunction(Duration.ofMillis(RETENTION_MS)),
                sighting -> QueryableStateNames.CAMERA_INDEX_KEY, Types.STRING);
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
    }

    private CameraSeen seen(String cameraId) throws Exception {
        harness.getOperator().setCurrentKey(QueryableStateNames.CAMERA_INDEX_KEY);
        MapState<String, long[]> index = harness.getOperator().getPartitionedState(
                VoidNamespace.INSTANCE, VoidNamespaceSerializer.INSTANCE, QueryableStateNames.cameraIndexDescriptor());
        long[] entry = index.get(cameraId);
        return entry == null ? null : CameraStateCodec.cameraSeen(cameraId, entry);
    }

    @Test
    void aNewerSequenceReplacesTheEntry() throws Exception {
        harness.processElement(new CameraSighting("cam-1", 5, 1_000L), 0L);
        harness.processElement(new CameraSighting("cam-1", 6, 2_000L), 0L);

        assertThat(seen("cam-1")).isEqualTo(new CameraSeen("cam-1", Instant.ofEpochMilli(2_000L), 6));
    }

    @Test
    void anOlderOrRepeatedSequenceDoesNotReplaceIt() throws Exception {
        harness.processElement(new CameraSighting("cam-1", 6, 2_000L), 0L);
        harness.processElement(new CameraSighting("cam-1", 4, 3_000L), 0L);
        harness.processElement(new CameraSighting("cam-1", 6, 4_000L), 0L);

        assertThat(seen("cam-1")).isEqualTo(new CameraSeen("cam-1", Instant.ofEpochMilli(2_000L), 6));
    }

    @Test
    void keepsOneEntryPerCameraAndEmitsNothing() throws Exception {
        harness.processElement(new CameraSighting("cam-1", 1, 1_000L), 0L);
        harness.processElement(new CameraSighting("cam-2", 9, 1_500L), 0L);

        assertThat(seen("cam-1").lastSequence()).isEqualTo(1);
        assertThat(seen("cam-2").lastSequence()).isEqualTo(9);
        assertThat(seen("cam-3")).isNull();
        assertThat(harness.extractOutputValues()).isEmpty();
    }

    /** Finding 7 of the hardening issue: every new camera id stayed in the index forever. */
    @Test
    void aCameraNotSeenForTheRetentionLeavesTheIndexInSweepsAtMostOneAMinute() throws Exception {
        harness.setProcessingTime(1_000L);
        for (int i = 0; i < 50; i++) {
            harness.processElement(new CameraSighting("invented-" + i, 1, 1_000L), 0L);
        }
        harness.setProcessingTime(30 * 60_000L);
        harness.processElement(new CameraSighting("cam-1", 1, 30 * 60_000L), 0L);
        assertThat(harness.numProcessingTimeTimers()).as("one sweep per minute, not per sighting").isEqualTo(2);

        harness.setProcessingTime(1_000L + RETENTION_MS + CameraIndexFunction.SWEEP_GRANULARITY_MS);
        assertThat(seen("invented-0")).isNull();
        assertThat(seen("invented-49")).isNull();
        assertThat(seen("cam-1")).as("seen half an hour later: kept").isNotNull();
        harness.setProcessingTime(30 * 60_000L + RETENTION_MS + CameraIndexFunction.SWEEP_GRANULARITY_MS);
        assertThat(seen("cam-1")).isNull();
    }
}
