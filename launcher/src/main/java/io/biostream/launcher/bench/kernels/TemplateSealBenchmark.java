package io.biostream.launcher.bench.kernels;

import com.google.crypto.tink.Aead;
import com.google.crypto.tink.KeysetHandle;
import com.google.crypto.tink.RegistryConfiguration;
import com.google.crypto.tink.aead.AeadConfig;
import com.google.crypto.tink.aead.PredefinedAeadParameters;
import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.operators.crypto.TemplateKeyRing;
import io.biostream.schemas.AssociatedData;
import io.biostream.schemas.EncryptedTemplate;
import java.security.GeneralSecurityException;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Sealing one face's template ({@link TemplateCipher#seal}: 128 floats to bytes, AES-256-GCM under
 * a data key with the face's associated data, the Avro record), as the job does for every face
 * it describes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class TemplateSealBenchmark {
    private TemplateCipher cipher;
    private TemplateKeyRing.DataKey key;
    private float[] descriptor;
    private AssociatedData ad;

    @Setup
    public void keys() throws GeneralSecurityException {
        AeadConfig.register();
        Aead aead = KeysetHandle.generateNew(PredefinedAeadParameters.AES256_GCM)
                .getPrimitive(RegistryConfiguration.get(), Aead.class);
        key = new TemplateKeyRing.DataKey("bench-key", aead);
        // Sealing uses only the data key it is given; the ring is for opening.
        cipher = new TemplateCipher(null);
        SplittableRandom random = new SplittableRandom(7);
        descriptor = new float[128];
        for (int i = 0; i < descriptor.length; i++) {
            descriptor[i] = (float) (random.nextGaussian() * 0.1);
        }
        ad = AssociatedData.newBuilder().setCameraId("cam-1").setSequence(42).setFaceIndex(0).build();
    }

    @Benchmark
    public EncryptedTemplate seal() {
        return cipher.seal("face-1", descriptor, ad, "bench-model", key);
    }
}
