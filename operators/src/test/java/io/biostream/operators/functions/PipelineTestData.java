package io.biostream.operators.functions;

import io.biostream.operators.records.Outbound;
import io.biostream.schemas.WireFormat;
import io.biostream.operators.config.Settings;
import io.biostream.operators.crypto.CameraMaster;
import io.biostream.operators.crypto.CryptoConfig;
import io.biostream.operators.crypto.TestCameras;
import io.biostream.operators.identity.TestControlSigning;
import io.biostream.operators.crypto.TestKeyRings;
import io.biostream.operators.vision.WarmupConfig;
import java.nio.file.Path;
import io.biostream.schemas.DeadLetter;
import io.biostream.schemas.Frame;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/** Frames, configurations and dead-letter decoding shared by the pipeline function tests. */
final class PipelineTestData {
    static final String FRAMES_TOPIC = "biostream.frames";

    private PipelineTestData() {}

    static Frame frame(String cameraId, long sequence, String encoding, int width, int height, byte[] image) {
        return Frame.newBuilder()
                .setCameraId(cameraId)
                .setSequence(sequence)
                .setCaptureTime(Instant.ofEpochMilli(1_700_000_000_000L + sequence))
                .setSessionId("session-1")
                .setEncoding(encoding)
                .setWidth(width)
                .setHeight(height)
                .setBytes(ByteBuffer.wrap(image))
                .build();
    }

    /**
     * The pipeline configuration with the required keys set and {@code extra} on top: a local
     * key-encryption keyset and a directory data key store under {@code keysDir}.
     */
    /** The configuration for functions that never open the key ring (parsing): key settings that point nowhere. */
    static PipelineConfig configWithoutKeys(Map<String, String> extra) {
        // The KEK is the test camera master's (the parse function opens the master), the key store points nowhere.
        Map<String, String> values = new HashMap<>(TestCameras.jobSettings());
        values.put(WarmupConfig.KEY, "0"); // the tests time nothing: no warm-up unless a test sets one
        values.putAll(extra);
        values.put(CryptoConfig.KEY_STORE, "directory:/nonexistent/data-keys");
        values.put("biostream.kafka.bootstrap-servers", "127.0.0.1:1");
        values.putAll(TestControlSigning.jobSettings());
        return PipelineConfig.from(Settings.of(values));
    }

    static PipelineConfig config(Path keysDir, Map<String, String> extra) throws Exception {
        Map<String, String> values = new HashMap<>(TestKeyRings.directorySettings(keysDir));
        values.putAll(TestControlSigning.jobSettings());
        values.putAll(CameraMaster.prepare(keysDir, CryptoConfig.from(Settings.of(values), "127.0.0.1:1", "unused").kek()));
        values.put(WarmupConfig.KEY, "0"); // the tests time nothing: no warm-up unless a test sets one
        values.putAll(extra);
        values.put("biostream.kafka.bootstrap-servers", "127.0.0.1:1");
        return PipelineConfig.from(Settings.of(values));
    }

    static DeadLetter deadLetter(Outbound outbound) throws IOException {
        return WireFormat.decode(DeadLetter.class, outbound.value);
    }

    static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer view = buffer.duplicate();
        byte[] out = new byte[view.remaining()];
        view.get(out);
        return out;
    }
}
