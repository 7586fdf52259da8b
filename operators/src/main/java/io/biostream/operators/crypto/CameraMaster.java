package io.biostream.operators.crypto;

import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.prf.PredefinedPrfParameters;
import com.google.crypto.tink.prf.Prf;
import com.google.crypto.tink.prf.PrfConfig;
import com.google.crypto.tink.prf.PrfSet;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;

/**
 * The camera master: a Tink keyset of HKDF-SHA256 keys, sealed under the KEK like the control
 * signing keyset, from which every camera's frame-authentication key is derived as
 * HKDF(master key, info = {@value #INFO_PREFIX} + cameraId). The job holds the master and derives
 * the key of whichever camera a frame claims; a camera holds only its own derived key, so it cannot
 * sign as another camera. The key id of a master key is the version a camera's MAC names: rotation
 * adds a new primary version, and the older versions verify until they are retired.
 */
public final class CameraMaster {
    /** The purpose the master is sealed for (associated data of the KEK wrap). */
    public static final String PURPOSE = "biostream.camera-master";
    public static final String INFO_PREFIX = "biostream.camera.v1";
    public static final String FILE = "camera-master.keyset";
    static final int KEY_BYTES = 32;

    static {
        try {
            PrfConfig.register();
        } catch (GeneralSecurityException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final KeysetHandle keyset;
    private final PrfSet prfs;

    private CameraMaster(KeysetHandle keyset) throws GeneralSecurityException {
        this.keyset = keyset;
        this.prfs = keyset.getPrimitive(RegistryConfiguration.get(), PrfSet.class);
    }

    public static CameraMaster generate() throws GeneralSecurityException {
        return new CameraMaster(KeysetHandle.generateNew(PredefinedPrfParameters.HKDF_SHA256));
    }

    /** Reads the sealed master; refuses a file readable by others, sealed under another KEK or for another purpose. */
    public static CameraMaster read(Path file, KeyEncryptionKey kek) throws IOException, GeneralSecurityException {
        return new CameraMaster(SignatureKeysets.openSealed(file, kek, PURPOSE));
    }

    /** Reads the sealed master at {@code file}, creating one when absent (local mode, tests). */
    public static CameraMaster readOrCreate(Path file, KeyEncryptionKey kek) throws IOException, GeneralSecurityException {
        if (Files.exists(file)) {
            return read(file, kek);
        }
        CameraMaster master = generate();
        master.write(file, kek);
        return master;
    }

    /**
     * Creates the master in {@code keysDir} ({@value #FILE}, sealed under the KEK) on first use and
     * returns the settings that require camera authentication against it (local mode, the local
     * cluster, tests).
     */
    public static java.util.Map<String, String> prepare(Path keysDir, KeyEncryptionKey kek) throws IOException, GeneralSecurityException {
        readOrCreate(keysDir.resolve(FILE), kek);
        return java.util.Map.of(CameraAuthConfig.AUTHENTICATION, "required",
                CameraAuthConfig.MASTER_FILE, keysDir.resolve(FILE).toString());
    }

    /** Writes the master sealed under the KEK (mode 600, atomically). */
    public void write(Path file, KeyEncryptionKey kek) throws IOException, GeneralSecurityException {
        SignatureKeysets.writeSealed(file, keyset, kek, PURPOSE);
    }

    /** The master with a new key that becomes the primary version: keys issued from now on name it. */
    public CameraMaster rotated() throws GeneralSecurityException {
        KeysetHandle.Builder.Entry entry = KeysetHandle.generateEntryFromParameters(PredefinedPrfParameters.HKDF_SHA256)
                .withRandomId().makePrimary();
        return new CameraMaster(KeysetHandle.newBuilder(keyset).addEntry(entry).build());
    }

    /** The master with only its primary version: keys issued under older versions stop verifying. */
    public CameraMaster withoutOldVersions() throws GeneralSecurityException {
        KeysetHandle.Builder builder = KeysetHandle.newBuilder();
        builder.addEntry(KeysetHandle.importKey(keyset.getPrimary().getKey()).withFixedId(keyset.getPrimary().getId()).makePrimary());
        return new CameraMaster(builder.build());
    }

    public int primaryVersion() {
        return prfs.getPrimaryId();
    }

    public int versions() {
        return keyset.size();
    }

    public boolean hasVersion(int version) throws GeneralSecurityException {
        return prfs.getPrfs().containsKey(version);
    }

    /** The camera's key under the primary version. */
    public CameraKey issue(String cameraId) throws GeneralSecurityException {
        return derive(cameraId, primaryVersion());
    }

    /** The camera's key under {@code version}; a version the master does not hold is refused. */
    public CameraKey derive(String cameraId, int version) throws GeneralSecurityException {
        Prf prf = prfs.getPrfs().get(version);
        if (prf == null) {
            throw new GeneralSecurityException("key version " + Integer.toUnsignedString(version) + " is not in the camera master");
        }
        byte[] info = (INFO_PREFIX + cameraId).getBytes(StandardCharsets.UTF_8);
        return new CameraKey(cameraId, version, prf.compute(info, KEY_BYTES));
    }

    /** Signs as any camera: for local mode's tooling and tests that stand in for many cameras. */
    public FrameSigner signerForAnyCamera() {
        return (cameraId, value) -> {
            try {
                return issue(cameraId).header(cameraId, value);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("cannot derive the key of camera " + cameraId, e);
            }
        };
    }
}
