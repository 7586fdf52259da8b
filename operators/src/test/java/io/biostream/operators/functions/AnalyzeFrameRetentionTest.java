package io.biostream.operators.functions;

import static io.biostream.operators.functions.PipelineTestData.FRAMES_TOPIC;
import static io.biostream.operators.functions.PipelineTestData.frame;
import static io.biostream.operators.identity.TestControlEvents.settingsChanged;
import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.operators.crypto.CryptoConfig;
import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.operators.crypto.TemplateKeyRing;
import io.biostream.operators.records.ControlRecord;
import io.biostream.operators.records.FrameRecord;
import io.biostream.operators.records.Outbound;
import io.biostream.operators.testing.SharedFolder;
import io.biostream.schemas.CameraOverride;
import io.biostream.schemas.EncryptedTemplate;
import io.biostream.schemas.MatchSettings;
import io.biostream.schemas.WireFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The analysis step follows the retention in force for the keys it sealed under: a camera's face
 * sealed under a period key made with the 30-day default, then the camera's retention lowered to a
 * second by a SETTINGS_CHANGED event: the job's expiry sweep destroys that key at once (one-second
 * key periods here), where before it kept it for 30 days.
 */
class AnalyzeFrameRetentionTest {
    private static final String FACE_PHOTO = "data/faces/bbt/raj/raj_1.png";
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path keysDir;

    @Test
    void loweringACamerasRetentionDestroysThePeriodKeysItsFacesWereSealedUnder() throws Exception {
        PipelineConfig config = PipelineTestData.config(keysDir, Map.of("biostream.vision.min-face-size", "30",
                CryptoConfig.PERIOD, "1s", CryptoConfig.SWEEP_INTERVAL, "100ms"));
        byte[] png = Files.readAllBytes(SharedFolder.resolve(FACE_PHOTO));
        try (TemplateKeyRing keys = config.crypto().openKeyRing();
                KeyedBroadcastOperatorTestHarness<String, FrameRecord, ControlRecord, Outbound> harness =
                        ProcessFunctionTestHarnesses.forKeyedBroadcastProcessFunction(new AnalyzeFrameFunction(config),
                                record -> record.frame.getCameraId(), Types.STRING, ControlState.descriptors())) {
            harness.processElement(new FrameRecord(frame("lobby-1", 1, "png", 150, 150, png), FRAMES_TOPIC, 0, 1), 0L);
            List<EncryptedTemplate> templates = harness.extractOutputValues().stream()
                    .filter(o -> o.topic.equals(config.topics().templates()))
                    .map(o -> decode(o.value))
                    .toList();
            assertThat(templates).as("the face of %s sealed", FACE_PHOTO).isNotEmpty();
            EncryptedTemplate face = templates.get(0);
            assertThat(keys.describe(face.getKeyId()).orElseThrow().getExpiresTime())
                    .as("made with the default retention").isAfter(java.time.Instant.now().plus(Duration.ofDays(29)));
            TemplateCipher cipher = new TemplateCipher(keys);
            assertThat(cipher.readable(face)).isTrue();

            MatchSettings lowered = MatchSettings.newBuilder(config.defaultMatchSettings())
                    .setCameras(Map.of("lobby-1", new CameraOverride(null, null, null, null, 1L)))
                    .setVersion(1L)
                    .build();
            harness.processBroadcastElement(new ControlRecord(settingsChanged(lowered), "biostream.control", 0, 1), 0L);

            long deadline = System.nanoTime() + WAIT.toNanos();
            while (keys.describe(face.getKeyId()).isPresent()) {
                assertThat(System.nanoTime() - deadline).as("the key destroyed by the job's sweep within %s", WAIT).isNegative();
                Thread.sleep(100);
            }
            assertThat(cipher.readable(face)).isFalse();
            assertThat(keys.destroyedTime(face.getKeyId())).as("cut short: a destruction record").isPresent();
        }
    }

    private static EncryptedTemplate decode(byte[] value) {
        try {
            return WireFormat.decode(EncryptedTemplate.class, value);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
