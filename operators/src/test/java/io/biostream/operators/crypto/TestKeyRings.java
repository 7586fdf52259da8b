package io.biostream.operators.crypto;

import io.biostream.operators.config.Settings;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Key rings for tests: a local key-encryption keyset under a master secret, all in a temp directory. */
public final class TestKeyRings {
    private TestKeyRings() {}

    /** Crypto settings for a local KEK in {@code dir} and data keys as files under it. */
    public static Map<String, String> directorySettings(Path dir) throws Exception {
        Map<String, String> values = new HashMap<>(LocalKeyFiles.prepare(dir));
        values.put(CryptoConfig.KEY_STORE, "directory:" + dir.resolve("data-keys"));
        return values;
    }

    /** A key ring whose keys are files under {@code dir}. */
    public static TemplateKeyRing directory(Path dir) throws Exception {
        return CryptoConfig.from(Settings.of(directorySettings(dir)), null, "unused").openKeyRing();
    }

    /** A cipher on a key ring of its own in a temp directory removed when the JVM exits. */
    public static TemplateCipher throwawayCipher() throws Exception {
        Path dir = java.nio.file.Files.createTempDirectory("biostream-keys");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (java.util.stream.Stream<Path> files = java.nio.file.Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            } catch (java.io.IOException e) {
                // best effort: a temp directory
            }
        }));
        return new TemplateCipher(directory(dir));
    }

    /** A 128-value descriptor-like vector, the same for the same seed (templates to seal in key tests). */
    public static float[] descriptor(long seed) {
        java.util.Random random = new java.util.Random(seed);
        float[] d = new float[128];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) random.nextGaussian() * 0.1f;
        }
        return d;
    }
}
