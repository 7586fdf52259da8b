package io.biostream.operators.crypto;

import io.biostream.operators.config.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * One camera master per test JVM, sealed under a local KEK of its own in a temp directory, for
 * tests that build the job's config or sign frames as cameras do.
 */
public final class TestCameras {
    private static Map<String, String> settings;
    private static CameraMaster master;

    private TestCameras() {}

    /** The KEK settings and the camera settings (authentication required) of the per-JVM master. */
    public static synchronized Map<String, String> jobSettings() {
        if (settings == null) {
            try {
                Path dir = Files.createTempDirectory("biostream-cameras");
                dir.toFile().deleteOnExit();
                Map<String, String> values = new HashMap<>(LocalKeyFiles.prepare(dir));
                KeyEncryptionKey kek = CryptoConfig.from(Settings.of(values), "127.0.0.1:1", "unused").kek();
                values.putAll(CameraMaster.prepare(dir, kek));
                master = CameraMaster.read(dir.resolve(CameraMaster.FILE), kek);
                for (String file : new String[] {CameraMaster.FILE, LocalKeyFiles.MASTER_SECRET, LocalKeyFiles.KEK_KEYSET}) {
                    dir.resolve(file).toFile().deleteOnExit();
                }
                settings = Map.copyOf(values);
            } catch (Exception e) {
                throw new IllegalStateException("cannot prepare the test camera master", e);
            }
        }
        return settings;
    }

    public static synchronized CameraMaster master() {
        jobSettings();
        return master;
    }

    /** Signs as any camera under the per-JVM master. */
    public static FrameSigner signer() {
        return master().signerForAnyCamera();
    }

    /** The header a camera of the per-JVM master sends with {@code value}. */
    public static byte[] mac(String cameraId, byte[] value) {
        return signer().header(cameraId, value);
    }
}
