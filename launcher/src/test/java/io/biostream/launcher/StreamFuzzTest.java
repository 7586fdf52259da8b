package io.biostream.launcher;

import static io.biostream.operators.identity.TestControlEvents.enrolled;
import static io.biostream.operators.identity.TestControlEvents.enrollmentTemplate;
import static io.biostream.operators.identity.TestControlEvents.subjectCreated;
import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.launcher.bench.PipelineBench;
import io.biostream.launcher.local.FramePublisher;
import io.biostream.operators.functions.ForgedFrames;
import io.biostream.operators.decode.TestImages;
import io.biostream.operators.functions.PipelineConfig;
import io.biostream.operators.identity.ControlSignatures;
import io.biostream.operators.identity.TestControlEvents;
import io.biostream.operators.testing.SharedFaces;
import io.biostream.schemas.ControlEvent;
import io.biostream.schemas.DeadLetter;
import io.biostream.schemas.DeadLetterReason;
import io.biostream.schemas.FaceResult;
import io.biostream.schemas.Frame;
import io.biostream.schemas.FrameResult;
import io.biostream.schemas.WireFormat;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import io.biostream.operators.crypto.CameraKey;
import io.biostream.operators.crypto.FrameSigner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stream fuzz test of the hardening issue: 10,000 generated bad records (9,000 frames: truncated
 * and bit-flipped JPEGs, PNG headers declaring 900 MP, forged Avro lengths, wrong schema
 * fingerprints, garbage, declared sizes that lie; 1,000 control records: unsigned, signed by
 * someone else, with a lifted signature, garbage; frames with a forged camera MAC or claiming another
 * camera) interleaved with good frames through the real
 * broker and MiniCluster, after a subject is enrolled. The job never fails; every bad record has
 * exactly one outcome, a dead letter with its reason (a bit-flipped JPEG that still decodes may be a
 * result instead); every good frame exactly one result; the forged erasures changed nothing.
 * Seeded: the same records every run.
 */
class StreamFuzzTest {
    private static final Duration WAIT = Duration.ofSeconds(300);
    private static final long SEED = 20261205L;
    private static final String FUZZ_CAMERA = "fuzz-cam";
    private static final String PROBE = "raj/raj_4.png";
    private static final String ENROLL = "raj/raj_1.png";

    /**
     * How many bad frames of each kind; all but BIT_FLIPPED must end as dead letters. The fuzz camera
     * signs its frames with its own key (a compromised but authenticated camera), so they reach the
     * decoder; FORGED_MAC frames carry a MAC no key made, WRONG_CAMERA frames claim a good camera
     * (door-1) under the fuzz camera's key.
     */
    enum Kind { TRUNCATED, BIT_FLIPPED, PIXEL_BOMB, FORGED_LENGTH, WRONG_FINGERPRINT, GARBAGE, SIZE_LIE, FORGED_MAC, WRONG_CAMERA }

    private static final Map<Kind, Integer> FRAMES = new EnumMap<>(Map.of(Kind.TRUNCATED, 2000, Kind.BIT_FLIPPED, 40,
            Kind.PIXEL_BOMB, 1000, Kind.FORGED_LENGTH, 1500, Kind.WRONG_FINGERPRINT, 1500, Kind.GARBAGE, 1560,
            Kind.SIZE_LIE, 1000, Kind.FORGED_MAC, 200, Kind.WRONG_CAMERA, 200));
    private static final String GOOD_CAMERA = "door-1";
    private static final int BAD_CONTROL = 1000;
    private static final int GOOD_PER_CAMERA = 10;

    @TempDir
    Path dir;

    @Test
    void tenThousandBadRecordsAmongGoodFramesFailNothingAndEachHasExactlyOneOutcome() throws Exception {
        byte[] probe = SharedFaces.bbtFrame(PROBE);
        byte[] enrollPhoto = SharedFaces.bbtFrame(ENROLL);
        assertThat(FRAMES.values().stream().mapToInt(Integer::intValue).sum() + BAD_CONTROL).isEqualTo(10_000);

        try (PipelineCluster cluster = new PipelineCluster(dir)) {
            PipelineConfig config = cluster.pipelineConfig(Map.of("biostream.dlq.max-original-bytes", "256"));
            float[] descriptor = IdentityPipelineTest.describe(config, Map.of(ENROLL, enrollPhoto)).get(ENROLL);
            String model;
            try (var pipeline = config.vision().openPipeline()) {
                model = pipeline.modelId();
            }
            SignedControlWriter control = cluster.controlWriter();
            control.publish("raj", subjectCreated("raj"));
            control.publish("raj", enrolled("raj", enrollmentTemplate(cluster.cipher, "raj", 1, descriptor, model)));
            JobClient job = cluster.submit(config, Optional.empty());
            cluster.flink.awaitStatus(job.getJobID(), JobStatus.RUNNING, WAIT);

            Random random = new Random(SEED);
            byte[] smallJpeg = TestImages.gradient(64, 48, ".jpg");
            long start = System.nanoTime();
            int fuzzSequence = 0;
            int good = 0;
            List<ProducerRecord<byte[], byte[]>> bad = new ArrayList<>();
            FrameSigner fuzzCamera = cluster.cameraMaster().issue(FUZZ_CAMERA);
            int version = cluster.cameraMaster().primaryVersion();
            for (Map.Entry<Kind, Integer> kind : FRAMES.entrySet()) {
                for (int i = 0; i < kind.getValue(); i++) {
                    byte[] value = badFrame(kind.getKey(), fuzzSequence++, smallJpeg, random);
                    String key = kind.getKey() == Kind.WRONG_CAMERA ? GOOD_CAMERA : FUZZ_CAMERA;
                    ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(cluster.topics.frames(), key.getBytes(StandardCharsets.UTF_8), value);
                    record.headers().add(CameraKey.HEADER, kind.getKey() == Kind.FORGED_MAC
                            ? forgedMac(version, random) : fuzzCamera.header(FUZZ_CAMERA, value));
                    bad.add(record);
                }
            }
            for (int i = 0; i < BAD_CONTROL; i++) {
                bad.add(badControl(cluster.topics.control(), i, random));
            }
            java.util.Collections.shuffle(bad, random);

            Map<String, Object> props = cluster.broker.adminConnection().clientConfig(Map.of(ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.LINGER_MS_CONFIG, 5));
            FramePublisher frames = cluster.publisher(cluster.topics.frames());
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
                int every = bad.size() / (2 * GOOD_PER_CAMERA);
                for (int i = 0; i < bad.size(); i++) {
                    producer.send(bad.get(i));
                    if (i % every == 0 && good < 2 * GOOD_PER_CAMERA) {
                        producer.flush();
                        String camera = good % 2 == 0 ? GOOD_CAMERA : "door-2";
                        frames.publish(FramePublisher.frame(camera, good / 2, probe));
                        good++;
                    }
                }
                producer.flush();
            }
            long published = System.nanoTime();

            // Every record of the fuzz camera ends as a dead letter or a result; the good cameras as results.
            int badFrames = fuzzSequence;
            List<DeadLetter> letters = new ArrayList<>();
            cluster.readCommitted(cluster.topics.dlq(), WAIT, records -> {
                letters.clear();
                records.forEach(r -> letters.add(PipelineIntegrationTest.decodeDeadLetter(r)));
                long fromFrames = letters.stream().filter(l -> l.getTopic().equals(cluster.topics.frames())).count();
                long fromControl = letters.stream().filter(l -> l.getTopic().equals(cluster.topics.control())).count();
                return fromFrames >= badFrames - FRAMES.get(Kind.BIT_FLIPPED) && fromControl >= BAD_CONTROL;
            });
            int expectedGood = 2 * GOOD_PER_CAMERA;
            List<ConsumerRecord<byte[], byte[]>> results = new ArrayList<>();
            cluster.readCommitted(cluster.topics.results(), WAIT, records -> {
                results.clear();
                results.addAll(records);
                long goodResults = records.stream().map(PipelineIntegrationTest::decodeResult)
                        .filter(r -> !r.getCameraId().equals(FUZZ_CAMERA)).count();
                long fuzzOutcomes = records.stream().map(PipelineIntegrationTest::decodeResult)
                        .filter(r -> r.getCameraId().equals(FUZZ_CAMERA)).count()
                        + letters.stream().filter(l -> l.getTopic().equals(cluster.topics.frames())).count();
                return goodResults >= expectedGood && fuzzOutcomes >= badFrames;
            });
            long done = System.nanoTime();
            // Read both to their ends once more: nothing may arrive twice later.
            letters.clear();
            cluster.readCommittedToEnd(cluster.topics.dlq(), WAIT).forEach(r -> letters.add(PipelineIntegrationTest.decodeDeadLetter(r)));
            List<FrameResult> all = cluster.readCommittedToEnd(cluster.topics.results(), WAIT).stream()
                    .map(PipelineIntegrationTest::decodeResult).toList();

            // Frames: exactly one outcome per record (dead letters by offset, results by sequence), none in both.
            List<DeadLetter> frameLetters = letters.stream().filter(l -> l.getTopic().equals(cluster.topics.frames())).toList();
            assertThat(PipelineCluster.countBy(frameLetters, l -> l.getPartition() + "/" + l.getOffset()).values())
                    .as("one dead letter per refused frame record").containsOnly(1);
            List<FrameResult> fuzzResults = all.stream().filter(r -> r.getCameraId().equals(FUZZ_CAMERA)).toList();
            assertThat(PipelineCluster.countBy(fuzzResults, r -> Long.toString(r.getSequence())).values()).containsOnly(1);
            assertThat(frameLetters.size() + fuzzResults.size()).as("every bad frame exactly one outcome").isEqualTo(badFrames);
            assertThat(fuzzResults).as("only a bit-flipped JPEG may still decode").allSatisfy(r ->
                    assertThat(kindOf(r.getSequence())).isEqualTo(Kind.BIT_FLIPPED));
            Map<DeadLetterReason, Integer> reasons = new EnumMap<>(DeadLetterReason.class);
            frameLetters.forEach(l -> reasons.merge(l.getReason(), 1, Integer::sum));
            assertThat(frameLetters).allSatisfy(l -> assertThat(l.getMessage()).isNotBlank());
            assertThat(reasons.keySet()).as("reasons: %s", reasons).doesNotContain(DeadLetterReason.UNKNOWN);
            // Records refused before the Avro parse have no sequence; every frame parsed is checked for its camera.
            assertThat(frameLetters).as("a frame not from its camera, and only such a frame, is unauthenticated").allSatisfy(l ->
                    assertThat(l.getReason() == DeadLetterReason.UNAUTHENTICATED_CAMERA).isEqualTo(l.getSequence() != null
                            && (kindOf(l.getSequence()) == Kind.FORGED_MAC || kindOf(l.getSequence()) == Kind.WRONG_CAMERA)));
            assertThat(reasons.get(DeadLetterReason.UNAUTHENTICATED_CAMERA)).as("forged-MAC and wrong-camera frames")
                    .isEqualTo(FRAMES.get(Kind.FORGED_MAC) + FRAMES.get(Kind.WRONG_CAMERA));
            assertThat(frameLetters).filteredOn(l -> l.getReason() == DeadLetterReason.PROCESSING_ERROR)
                    .as("only an image that passed every check can fail in analysis").allSatisfy(l ->
                            assertThat(kindOf(l.getSequence())).isEqualTo(Kind.BIT_FLIPPED));

            // Control: every bad record refused, the forged erasures of raj changed nothing.
            List<DeadLetter> controlLetters = letters.stream().filter(l -> l.getTopic().equals(cluster.topics.control())).toList();
            assertThat(controlLetters).hasSize(BAD_CONTROL);
            assertThat(controlLetters).extracting(DeadLetter::getReason)
                    .containsOnly(DeadLetterReason.UNAUTHENTICATED, DeadLetterReason.EMPTY);

            // Good frames: exactly one result each, raj still recognised after a thousand forged erasures.
            List<FrameResult> goodResults = all.stream().filter(r -> !r.getCameraId().equals(FUZZ_CAMERA)).toList();
            assertThat(PipelineCluster.countBy(goodResults, r -> r.getCameraId() + "/" + r.getSequence()).values())
                    .hasSize(expectedGood).containsOnly(1);
            FrameResult last = goodResults.stream().filter(r -> r.getCameraId().equals("door-2"))
                    .max(java.util.Comparator.comparingLong(FrameResult::getSequence)).orElseThrow();
            assertThat(last.getFaces()).extracting(FaceResult::getIdentification)
                    .anySatisfy(id -> assertThat(id.getSubjectId()).isEqualTo("raj"));

            cluster.assertJobNeverFailed(job.getJobID());
            System.out.printf("stream fuzz: %d bad records (%d frames, %d control) and %d good frames published in %.1f s, "
                    + "all outcomes committed %.1f s later; frame dead letters by reason %s; %d bit-flipped frames decoded%n",
                    bad.size(), badFrames, BAD_CONTROL, expectedGood, (published - start) / 1e9, (done - published) / 1e9,
                    reasons, fuzzResults.size());
        }
    }

    /** Sequences are handed out kind by kind in the order of {@link #FRAMES}' iteration; this inverts it. */
    private static Kind kindOf(long sequence) {
        long from = 0;
        for (Map.Entry<Kind, Integer> kind : FRAMES.entrySet()) {
            if (sequence < from + kind.getValue()) {
                return kind.getKey();
            }
            from += kind.getValue();
        }
        throw new IllegalArgumentException("no kind for sequence " + sequence);
    }

    private static byte[] badFrame(Kind kind, int sequence, byte[] jpeg, Random random) throws Exception {
        return switch (kind) {
            case TRUNCATED -> WireFormat.encode(frame(sequence, java.util.Arrays.copyOf(jpeg, 1 + random.nextInt(jpeg.length - 2)), 64, 48));
            case BIT_FLIPPED -> {
                byte[] flipped = jpeg.clone();
                for (int i = 0; i < 1 + random.nextInt(8); i++) {
                    int at = 2 + random.nextInt(flipped.length - 4); // keep SOI and EOI
                    flipped[at] ^= (byte) (1 << random.nextInt(8));
                }
                yield WireFormat.encode(frame(sequence, flipped, 64, 48));
            }
            case PIXEL_BOMB -> {
                int side = 30_000 + random.nextInt(1000);
                yield WireFormat.encode(frame(sequence, PipelineBench.pngHeader(side, side), side, side));
            }
            case FORGED_LENGTH -> ForgedFrames.all().get(sequence % ForgedFrames.all().size());
            case WRONG_FINGERPRINT -> {
                byte[] encoded = WireFormat.encode(frame(sequence, jpeg, 64, 48));
                encoded[2 + random.nextInt(8)] ^= (byte) (1 + random.nextInt(255));
                yield encoded;
            }
            case GARBAGE -> {
                byte[] garbage = new byte[random.nextInt(2048)];
                random.nextBytes(garbage);
                yield garbage;
            }
            case SIZE_LIE -> WireFormat.encode(frame(sequence, jpeg, 64 + 1 + random.nextInt(5000), 48));
            case FORGED_MAC -> WireFormat.encode(frame(sequence, jpeg, 64, 48));
            case WRONG_CAMERA -> WireFormat.encode(Frame.newBuilder(frame(sequence, jpeg, 64, 48)).setCameraId(GOOD_CAMERA).build());
        };
    }

    /** A MAC header in the right form under the master's version, of random bytes: what a producer without a key can send. */
    private static byte[] forgedMac(int version, Random random) {
        byte[] mac = new byte[32];
        random.nextBytes(mac);
        return (Integer.toUnsignedString(version) + ":" + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(mac))
                .getBytes(StandardCharsets.US_ASCII);
    }

    private static Frame frame(int sequence, byte[] image, int width, int height) {
        return Frame.newBuilder().setCameraId(FUZZ_CAMERA).setSequence(sequence).setCaptureTime(Instant.now())
                .setEncoding(image.length > 1 && image[1] == 'P' ? "png" : "jpeg").setWidth(width).setHeight(height)
                .setBytes(ByteBuffer.wrap(image)).build();
    }

    /** Unsigned erasures and lowered thresholds, signatures of another key or lifted from another record, garbage. */
    private static ProducerRecord<byte[], byte[]> badControl(String topic, int i, Random random) throws Exception {
        ControlEvent event = i % 2 == 0 ? TestControlEvents.erased("raj")
                : TestControlEvents.settingsChanged(TestControlEvents.settings(1.99f, 5, 40, "ssd", Map.of(), 100 + i));
        byte[] value = WireFormat.encode(event);
        byte[] signature = switch (i % 4) {
            case 0 -> null;
            case 1 -> {
                byte[] random64 = new byte[69];
                random.nextBytes(random64);
                yield random64;
            }
            case 2 -> io.biostream.operators.identity.TestControlSigning.sign(value); // another key than the API's
            default -> {
                value = new byte[random.nextInt(300)];
                random.nextBytes(value);
                yield null;
            }
        };
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topic, "raj".getBytes(StandardCharsets.UTF_8), value);
        if (signature != null) {
            record.headers().add(ControlSignatures.HEADER, signature);
        }
        return record;
    }
}
