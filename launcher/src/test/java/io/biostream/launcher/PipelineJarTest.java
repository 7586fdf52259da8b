package io.biostream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The job jar `mvn package` builds (jobs/target/biostream-pipeline-*.jar), as `flink run` and a
 * FlinkDeployment's jarURI take it: it names its entry class and carries the job, the Kafka
 * connector and the libraries, but none of Flink's runtime (the cluster's lib/ has it; a second
 * copy in the user jar breaks class loading), no logging backend, and DL4J's and OpenCV's Linux
 * x86-64 natives only (the oneDNN build of ND4J, not also the plain one).
 */
class PipelineJarTest {
    private static List<String> entries;
    private static JarFile jar;

    @BeforeAll
    static void open() throws IOException {
        Path target = Path.of(System.getProperty("user.dir")).resolve("../jobs/target").normalize();
        List<Path> jars;
        try (Stream<Path> files = Files.list(target)) {
            jars = files.filter(f -> f.getFileName().toString().matches("biostream-pipeline-.*\\.jar")).toList();
        }
        assertThat(jars).as("the job jar in %s (built by mvn package)", target).hasSize(1);
        jar = new JarFile(jars.get(0).toFile());
        entries = jar.stream().map(e -> e.getName()).toList();
    }

    @Test
    void namesItsEntryClassAndCarriesTheJobAndTheConnector() throws IOException {
        assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class")).isEqualTo("io.biostream.jobs.PipelineJob");
        assertThat(entries).contains("io/biostream/jobs/PipelineJob.class",
                "io/biostream/operators/functions/AnalyzeFrameFunction.class",
                "org/apache/flink/connector/kafka/source/KafkaSource.class",
                "org/apache/kafka/clients/consumer/KafkaConsumer.class",
                "models/face-api/face_recognition_model.bin");
        assertThat(entries).as("ND4J finds its backend through ServiceLoader").anyMatch(e -> e.startsWith("META-INF/services/org.nd4j"));
    }

    @Test
    void holdsNoFlinkRuntimeNoLoggingBackendAndNoLauncher() {
        assertThat(entries).noneMatch(e -> e.startsWith("org/apache/flink/runtime/")
                || e.startsWith("org/apache/flink/streaming/api/")
                || e.startsWith("org/apache/flink/api/")
                || e.startsWith("org/apache/flink/configuration/")
                || e.startsWith("org/apache/flink/core/")
                || e.startsWith("org/apache/flink/client/")
                || e.startsWith("org/apache/flink/state/rocksdb/")
                || e.startsWith("org/apache/logging/log4j/")
                || e.startsWith("org/slf4j/")
                || e.startsWith("io/biostream/launcher/")
                || e.startsWith("kafka/server/"));
    }

    /** DL4J's and OpenCV's natives (hundreds of MB per platform); Kafka's compression codecs bring small ones for every platform. */
    @Test
    void carriesLinuxX8664NativesOfDl4jAndOpenCvOnly() {
        assertThat(entries.stream().filter(e -> e.startsWith("org/bytedeco/") || e.startsWith("org/nd4j/"))
                .filter(e -> e.endsWith(".so") || e.contains(".so.") || e.endsWith(".dll") || e.endsWith(".dylib")))
                .isNotEmpty()
                .allMatch(e -> e.contains("/linux-x86_64"), "under a linux-x86_64 folder")
                .noneMatch(e -> e.contains("bindings/linux-x86_64/"));
    }
}
