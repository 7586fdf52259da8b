package io.biostream.launcher;

import static io.biostream.operators.identity.TestControlEvents.enrolled;
import static io.biostream.operators.identity.TestControlEvents.enrollmentTemplate;
import static io.biostream.operators.identity.TestControlEvents.subjectCreated;
import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.launcher.eval.FaceImageReader;
import io.biostream.launcher.eval.TightCropProtocol;
import io.biostream.launcher.local.FramePublisher;
import io.biostream.operators.decode.DecodeLimits;
import io.biostream.operators.image.OpenCvImages;
import io.biostream.operators.identity.Candidate;
import io.biostream.operators.identity.Gallery;
import io.biostream.operators.identity.GalleryMatcher;
import io.biostream.operators.identity.IdentityConfig;
import io.biostream.operators.functions.PipelineConfig;
import io.biostream.operators.testing.SharedFolder;
import io.biostream.operators.vision.FacePipeline;
import io.biostream.operators.vision.VisionConfig;
import io.biostream.operators.image.RgbImage;
import io.biostream.schemas.FaceResult;
import io.biostream.schemas.FrameResult;
import io.biostream.schemas.Identification;
import io.biostream.schemas.WireFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.core.execution.JobClient;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 1:N identification through the broker and the job on real faces, on the default vision path at
 * the default threshold: three people from bbt are
 * enrolled with three photos each; their other photos, the two other bbt people and ORL faces are
 * streamed as frames. The identification and false-match rates read from the job's results must
 * equal what the evaluation code (same border protocol, same pipeline, no fallback: the job has
 * none) computes directly on the same photos, and both must be the figures docs/accuracy.md quotes.
 */
class IdentificationAccuracyTest {
    private static final Duration WAIT = Duration.ofSeconds(240);
    private static final List<String> ENROLLED = List.of("howard", "raj", "sheldon");
    private static final List<String> STRANGERS_BBT = List.of("lennard", "stuart");
    private static final List<String> STRANGERS_ORL = List.of("s1", "s2", "s3", "s4", "s5");
    private static final int ENROLL_PHOTOS = 3;
    private static final int ORL_PHOTOS = 3;
    private static final double BORDER = 0.25;

    @TempDir
    Path dir;

    private record Probe(String file, String truth, byte[] png) {}

    @Test
    void identificationAndFalseMatchRatesOfTheJobEqualTheEvaluation() throws Exception {
        Path faces = SharedFolder.resolve("data/faces/bbt").getParent();

        FaceImageReader reader = new FaceImageReader(DecodeLimits.DEFAULTS);
        try (PipelineCluster cluster = new PipelineCluster(dir)) {
            // The default path (no cascade: nothing in it depends on time, so the job and the
            // evaluation code find the same faces however loaded the machine is).
            PipelineConfig config = cluster.pipelineConfig(Map.of());
            float threshold = config.defaultMatchSettings().getThreshold();
            Gallery gallery = new Gallery();
            List<Probe> probes = new ArrayList<>();
            Map<String, float[]> expectedDescriptor = new HashMap<>();
            SignedControlWriter signed = cluster.controlWriter();
            try (FacePipeline pipeline = config.vision().openPipeline()) {
                for (String person : ENROLLED) {
                    int enrolled = 0;
                    signed.publish(person, subjectCreated(person));
                    for (Path photo : photos(faces.resolve("bbt").resolve(person))) {
                        Optional<FacePipeline.Face> face = describedFace(pipeline, bordered(reader, photo));
                        if (enrolled < ENROLL_PHOTOS && face.isPresent()) {
                            var template = enrollmentTemplate(cluster.cipher, person, enrolled, face.get().descriptor(), pipeline.modelId());
                            signed.publish(person, enrolled(person, template));
                            gallery.add(person, template.getFaceId(), face.get().descriptor());
                            enrolled++;
                        } else {
                            probes.add(new Probe(photo.toString(), person, png(bordered(reader, photo))));
                        }
                    }
                    assertThat(enrolled).as("enrollable photos of %s", person).isEqualTo(ENROLL_PHOTOS);
                }
                for (String person : STRANGERS_BBT) {
                    for (Path photo : photos(faces.resolve("bbt").resolve(person))) {
                        probes.add(new Probe(photo.toString(), null, png(bordered(reader, photo))));
                    }
                }
                for (String person : STRANGERS_ORL) {
                    for (Path photo : photos(faces.resolve("orl_att").resolve(person)).stream().limit(ORL_PHOTOS).toList()) {
                        probes.add(new Probe(photo.toString(), null, png(bordered(reader, photo))));
                    }
                }
                // The evaluation's view of every probe: largest face, described or not.
                for (Probe probe : probes) {
                    describedFace(pipeline, reader.read(writeTemp(probe))).ifPresent(f -> expectedDescriptor.put(probe.file(), f.descriptor()));
                }
            }
            Rates expected = rates(probes, p -> {
                float[] d = expectedDescriptor.get(p.file());
                if (d == null) {
                    return Optional.empty();
                }
                Candidate nearest = new GalleryMatcher(gallery).topK(new float[][] {d}, 1).get(0).get(0);
                return nearest.distance() < threshold ? Optional.of(nearest.subjectId()) : Optional.of("");
            });

            JobClient job = cluster.submit(config, Optional.empty());
            cluster.awaitControlApplied();
            FramePublisher frames = cluster.publisher(cluster.topics.frames());
            for (int i = 0; i < probes.size(); i++) {
                frames.publish(FramePublisher.frame("probe-cam", i, probes.get(i).png()));
            }
            Map<Long, FrameResult> results = new HashMap<>();
            cluster.readCommitted(cluster.topics.results(), WAIT, records -> {
                records.forEach(r -> {
                    FrameResult result = PipelineIntegrationTest.decodeResult(r);
                    if (result.getCameraId().equals("probe-cam")) {
                        results.put(result.getSequence(), result);
                    }
                });
                records.clear();
                return results.size() >= probes.size();
            });
            assertThat(results).as("a result per probe frame").hasSize(probes.size());
            Map<String, Long> sequenceOf = new LinkedHashMap<>();
            for (int i = 0; i < probes.size(); i++) {
                sequenceOf.put(probes.get(i).file(), (long) i);
            }
            Rates actual = rates(probes, p -> {
                FrameResult result = results.get(sequenceOf.get(p.file()));
                return result.getFaces().stream()
                        .filter(f -> f.getIdentification() != null)
                        .max(Comparator.comparingDouble(f -> (double) f.getBox().getWidth() * f.getBox().getHeight()))
                        .map(FaceResult::getIdentification)
                        .map(id -> id.getMatched() ? id.getSubjectId() : "");
            });
            System.out.printf("identification through the job: %s%nexpected from the evaluation code: %s%n", actual, expected);
            job.cancel().get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(actual).isEqualTo(expected);
            // docs/accuracy.md, "1:N identification through the job": on the default path at its
            // threshold (0.55), 31 of the 53 other photos of the three enrolled people are identified
            // as the right person, none of the 46 strangers' photos matches anyone, and 48 of the 99
            // probes have no described face (the job has no fallback; with the cascade on, measured
            // once: 46, 0 and 17). (CPU, fixed photos: the counts are exact.)
            assertThat(threshold).isEqualTo(IdentityConfig.DEFAULTS.matchThreshold());
            assertThat(config.vision()).isEqualTo(VisionConfig.DEFAULTS);
            assertThat(actual.genuine()).as("probes of enrolled people").isEqualTo(53);
            assertThat(actual.identified()).as("identified as the right person").isEqualTo(31);
            assertThat(actual.impostors()).as("probes of strangers").isEqualTo(46);
            assertThat(actual.falseMatches()).as("strangers matched to someone").isZero();
            assertThat(actual.undetected()).as("probes without a described face").isEqualTo(48);
        }
    }

    /** Outcome per probe: empty = no described face, "" = no match, else the matched subject. */
    record Rates(int genuine, int identified, int genuineMissed, int impostors, int falseMatches, int undetected) {
        double identificationRate() {
            return genuine == 0 ? 0 : (double) identified / genuine;
        }

        double falseMatchRate() {
            return impostors == 0 ? 0 : (double) falseMatches / impostors;
        }

        @Override
        public String toString() {
            return String.format("identification rate %d/%d = %.3f, false-match rate %d/%d = %.3f, no face %d",
                    identified, genuine, identificationRate(), falseMatches, impostors, falseMatchRate(), undetected);
        }
    }

    private static Rates rates(List<Probe> probes, java.util.function.Function<Probe, Optional<String>> outcome) {
        int genuine = 0;
        int identified = 0;
        int missed = 0;
        int impostors = 0;
        int falseMatches = 0;
        int undetected = 0;
        for (Probe p : probes) {
            Optional<String> match = outcome.apply(p);
            if (match.isEmpty()) {
                undetected++;
            }
            if (p.truth() != null) {
                genuine++;
                if (match.isPresent() && match.get().equals(p.truth())) {
                    identified++;
                } else {
                    missed++;
                }
            } else {
                impostors++;
                if (match.isPresent() && !match.get().isEmpty()) {
                    falseMatches++;
                }
            }
        }
        return new Rates(genuine, identified, missed, impostors, falseMatches, undetected);
    }

    private static Optional<FacePipeline.Face> describedFace(FacePipeline pipeline, RgbImage image) {
        return TightCropProtocol.largest(pipeline.analyze(image)).filter(FacePipeline.Face::described);
    }

    private static RgbImage bordered(FaceImageReader reader, Path photo) throws Exception {
        return TightCropProtocol.withBlackBorder(reader.read(photo), BORDER);
    }

    private Path writeTemp(Probe probe) throws Exception {
        Path file = Files.createTempFile(dir, "probe", ".png");
        Files.write(file, probe.png());
        return file;
    }

    private static List<Path> photos(Path folder) throws Exception {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(Files::isRegularFile).filter(f -> !f.getFileName().toString().startsWith("."))
                    .filter(f -> !f.getFileName().toString().equalsIgnoreCase("README"))
                    .sorted(Comparator.comparing(f -> naturalKey(f.getFileName().toString()))).toList();
        }
    }

    /** raj_2 before raj_10. */
    private static String naturalKey(String name) {
        return name.replaceAll("(\\d+)", "00000$1").replaceAll("0*(\\d{6})", "$1");
    }

    private static byte[] png(RgbImage image) {
        try (Mat bgr = OpenCvImages.toBgrMat(image); BytePointer out = new BytePointer()) {
            org.bytedeco.opencv.global.opencv_imgcodecs.imencode(".png", bgr, out);
            byte[] bytes = new byte[(int) out.limit()];
            out.get(bytes);
            return bytes;
        }
    }
}
