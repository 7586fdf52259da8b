package io.biostream.operators.functions;

import static io.biostream.operators.functions.PipelineTestData.FRAMES_TOPIC;
import static io.biostream.operators.functions.PipelineTestData.deadLetter;
import static io.biostream.operators.functions.PipelineTestData.frame;
import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.operators.crypto.CryptoConfig;
import io.biostream.operators.records.ControlRecord;
import io.biostream.operators.records.FrameRecord;
import io.biostream.operators.records.Outbound;
import io.biostream.operators.testing.SharedFolder;
import io.biostream.schemas.DeadLetter;
import io.biostream.schemas.DeadLetterReason;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The analysis step while the keys topic is down (its Kafka key store pointed at a port nobody
 * listens on): the function opens, and each frame whose faces need a data key becomes a dead
 * letter with the reason, instead of failing the job (which would restart into the same outage).
 */
class AnalyzeFrameKeyOutageTest {
    private static final String FACE_PHOTO = "data/faces/bbt/raj/raj_1.png";

    @TempDir
    Path keysDir;

    @Test
    void aFrameWhoseSealingKeyCannotBeHadIsADeadLetterAndTheJobGoesOn() throws Exception {
        PipelineConfig config = PipelineTestData.config(keysDir, Map.of("biostream.vision.min-face-size", "30",
                CryptoConfig.KEY_STORE, "kafka", CryptoConfig.STORE_TIMEOUT, "1s"));
        byte[] png = Files.readAllBytes(SharedFolder.resolve(FACE_PHOTO));
        try (KeyedBroadcastOperatorTestHarness<String, FrameRecord, ControlRecord, Outbound> harness =
                ProcessFunctionTestHarnesses.forKeyedBroadcastProcessFunction(new AnalyzeFrameFunction(config),
                        record -> record.frame.getCameraId(), Types.STRING, ControlState.descriptors())) {
            for (long sequence = 1; sequence <= 2; sequence++) {
                harness.processElement(new FrameRecord(frame("lobby-1", sequence, "png", 150, 150, png), FRAMES_TOPIC, 0, sequence), 0L);
            }

            assertThat(harness.extractOutputValues()).as("no result or template without its key").isEmpty();
            Queue<StreamRecord<Outbound>> letters = harness.getSideOutput(ParseFrameFunction.DEAD_LETTERS);
            assertThat(letters).hasSize(2);
            List<DeadLetter> decoded = new java.util.ArrayList<>();
            for (StreamRecord<Outbound> letter : letters) {
                decoded.add(deadLetter(letter.getValue()));
            }
            assertThat(decoded).allSatisfy(letter -> {
                assertThat(letter.getReason()).isEqualTo(DeadLetterReason.PROCESSING_ERROR);
                assertThat(letter.getMessage()).startsWith("data key unavailable");
                assertThat(letter.getCameraId()).isEqualTo("lobby-1");
            });
            assertThat(decoded).extracting(DeadLetter::getSequence).containsExactly(1L, 2L);
            assertThat(harness.getSideOutput(AnalyzeFrameFunction.SIGHTINGS)).as("no sighting of a dead-lettered frame").isNullOrEmpty();
        }
    }
}
