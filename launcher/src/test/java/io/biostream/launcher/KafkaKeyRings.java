package io.biostream.launcher;

import io.biostream.operators.config.KafkaConnection;
import io.biostream.operators.config.Settings;
import io.biostream.operators.config.Topics;
import io.biostream.operators.crypto.CryptoConfig;
import io.biostream.operators.crypto.LocalKeyFiles;
import io.biostream.operators.crypto.TemplateKeyRing;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Key rings as the job and the API open them: a local KEK under {@code keysDir}, data keys in the broker's keys topic. */
final class KafkaKeyRings {
    private KafkaKeyRings() {}

    /** The crypto settings (KEK URI, master secret file) for keys under {@code keysDir}, created on first use. */
    static Map<String, String> settings(Path keysDir) throws Exception {
        return LocalKeyFiles.prepare(keysDir);
    }

    /** Opens a key ring of its own (a separate process would do the same). */
    static TemplateKeyRing open(Path keysDir, KafkaConnection kafka) throws Exception {
        Map<String, String> values = new HashMap<>(settings(keysDir));
        return CryptoConfig.fromConnection(Settings.of(values), kafka, Topics.defaults().keys()).openKeyRing();
    }
}
