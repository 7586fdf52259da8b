package io.biostream.launcher.bench;

import io.biostream.launcher.local.FramePublisher;
import io.biostream.operators.config.KafkaConnection;
import io.biostream.operators.config.Topics;
import io.biostream.operators.crypto.FrameSigner;
import io.biostream.operators.identity.ControlSignatures;
import io.biostream.schemas.ControlEvent;
import io.biostream.schemas.ControlType;
import io.biostream.schemas.DeadLetter;
import io.biostream.schemas.DeadLetterReason;
import io.biostream.schemas.Frame;
import io.biostream.schemas.FrameResult;
import io.biostream.schemas.WireFormat;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.avro.SchemaNormalization;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The load test of the running pipeline, from outside as cameras and a consumer see it: N cameras
 * publish frames of the demo photos (as JPEG) at a fixed rate each (open loop: on a schedule, whatever
 * the job's pace), mixed with bad frames (truncated JPEG, Avro with a forged length, a PNG header
 * declaring 900 MP) and bad control events (unsigned, forged signature); results and dead letters are
 * read back read_committed as they commit. Every record published must end as exactly one outcome:
 * a good frame one result, a bad record one dead letter with its kind's reason.
 *
 * <p>Latency is capture (the frame's captureTime, set when it is sent) to the moment the bench's
 * read_committed consumer sees the result: it includes the checkpoint interval (results commit with
 * checkpoints) and, when the job does not keep up, the queue in the frames topic.
 */
public final class PipelineBench {
    /** Frames are published for at most this long past their schedule: a stalled broker ends the run, not the bench. */
    private static final Duration PUBLISH_GRACE = Duration.ofSeconds(60);
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

    /**
     * @param cameras               simulated cameras
     * @param framesPerSecond       frames each camera sends per second (good and bad together)
     * @param duration              the measured phase, after the warm-up
     * @param warmup                publishing at the same rate before measuring (JIT, first checkpoints)
     * @param badFrameRatio         share of frames that are bad, in [0, 1)
     * @param badControlPerSecond   bad control events per second (0: none)
     * @param drain                 the longest wait for the outcomes after publishing ends
     * @param settle                a further wait after all outcomes arrived, for late duplicates
     * @param seed                  which frames are bad and how
     */
    public record Plan(int cameras, double framesPerSecond, Duration duration, Duration warmup, double badFrameRatio,
                       double badControlPerSecond, Duration drain, Duration settle, long seed) {
        public Plan {
            if (cameras < 1 || !(framesPerSecond > 0) || duration.isNegative() || duration.isZero() || warmup.isNegative()
                    || !(badFrameRatio >= 0 && badFrameRatio < 1) || !(badControlPerSecond >= 0) || drain.isNegative()
                    || settle.isNegative()) {
                throw new IllegalArgumentException("invalid bench plan: " + this);
            }
        }

        long totalFrames() {
            return Math.round((warmup.toMillis() + duration.toMillis()) / 1000.0 * framesPerSecond * cameras);
        }
    }

    /** The bad frames the cameras send, round-robin, and the dead-letter reasons each may end with. */
    public enum BadFrame {
        TRUNCATED_JPEG(EnumSet.of(DeadLetterReason.TRUNCATED_IMAGE, DeadLetterReason.CORRUPT_IMAGE)),
        FORGED_AVRO_LENGTH(EnumSet.of(DeadLetterReason.NOT_AVRO)),
        OVERSIZED_PIXELS(EnumSet.of(DeadLetterReason.DIMENSIONS_TOO_LARGE));

        final Set<DeadLetterReason> reasons;

        BadFrame(Set<DeadLetterReason> reasons) {
            this.reasons = reasons;
        }
    }

    /** What was published and what came back; {@code lost + duplicates + wrongReasons == 0} is a clean run. */
    public record Report(
            long publishedGood, Map<String, Integer> publishedBad, int publishedBadControl, long warmupFrames,
            int results, Map<String, Integer> deadLettersByReason, Map<String, Integer> controlDeadLettersByReason,
            int missingResults, int missingDeadLetters, int goodFramesDeadLettered, int duplicates, int wrongReasons,
            double latencyP50Ms, double latencyP95Ms, double latencyP99Ms, double latencyMaxMs, int latencySamples,
            double processedLatencyP50Ms, double processedLatencyP99Ms,
            double offeredFramesPerSecond, double sustainedFramesPerSecond, double sustainedFacesPerSecond,
            double cpuSecondsPerFace, double measuredSeconds, double publishSeconds, double publishLagMaxMs,
            double drainSeconds, boolean drained,
            double firstResultSeconds, double coldWindowSeconds, double coldFirstMinuteFramesPerSecond,
            double coldFirstMinuteFacesPerSecond, double coldToWarmRatio, double firstMinuteFromPublishFramesPerSecond) {

        public int lost() {
            return missingResults + missingDeadLetters;
        }

        public boolean clean() {
            return lost() == 0 && duplicates == 0 && wrongReasons == 0 && goodFramesDeadLettered == 0 && drained;
        }
    }

    /** The cold start is measured over this long from the first result (and from the first frame published). */
    static final Duration COLD_WINDOW = Duration.ofSeconds(60);

    /**
     * How many of {@code seenNanos} fall in {@code (from, from + window]}, per second of the window,
     * where the window ends at {@code end} at the latest (a run shorter than the window); NaN for an
     * empty window.
     */
    static double perSecond(long[] seenNanos, long from, Duration window, long end) {
        long to = Math.min(from + window.toNanos(), end);
        if (to <= from) {
            return Double.NaN;
        }
        int n = 0;
        for (long t : seenNanos) {
            n += t > from && t <= to ? 1 : 0;
        }
        return n / ((to - from) / 1e9);
    }

    /** What one published frame record was. */
    private record Sent(String camera, long sequence, BadFrame bad, boolean measured, long sentNanos) {}

    /** One record read back: a result or a dead letter, and when it was seen. */
    private record Seen(FrameResult result, DeadLetter letter, long seenNanos, long cpuNanos) {}

    private final KafkaConnection kafka;
    private final FrameSigner signer;
    private final Topics topics;
    private final Plan plan;
    private final List<byte[]> photos;
    private final PrintStream progress;

    private final Map<String, Sent> sentByOffset = new ConcurrentHashMap<>();
    private final Map<String, Integer> controlByOffset = new ConcurrentHashMap<>();
    private final List<Seen> seen = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger sendFailures = new AtomicInteger();

    /**
     * @param photos encoded JPEG images the cameras replay ({@link #jpegPhotos})
     */
    /**
     * @param kafka  how the bench reaches the broker (it writes frames and forged control events and
     *               reads every outcome: local mode's admin principal)
     * @param signer signs each frame as its camera (null: the job does not authenticate cameras)
     */
    public PipelineBench(KafkaConnection kafka, FrameSigner signer, Topics topics, Plan plan, List<byte[]> photos,
                         PrintStream progress) {
        if (photos.isEmpty()) {
            throw new IllegalArgumentException("no photos to replay");
        }
        this.kafka = kafka;
        this.signer = signer;
        this.topics = topics;
        this.plan = plan;
        this.photos = List.copyOf(photos);
        this.progress = progress;
    }

    /** The PNG and JPEG photos in {@code dir} (sorted by name), each re-encoded as a camera's JPEG. */
    public static List<byte[]> jpegPhotos(Path dir) throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(p -> p.getFileName().toString().matches("(?i).*\\.(png|jpe?g)")).sorted().toList();
        }
        List<byte[]> jpegs = new ArrayList<>();
        for (Path file : files) {
            BufferedImage image = ImageIO.read(file.toFile());
            if (image == null) {
                continue;
            }
            BufferedImage rgb = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
            rgb.getGraphics().drawImage(image, 0, 0, null);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(rgb, "jpg", out);
            jpegs.add(out.toByteArray());
        }
        return jpegs;
    }

    public Report run() throws Exception {
        AtomicBoolean reading = new AtomicBoolean(true);
        Thread reader = new Thread(() -> read(reading), "bench-reader");
        reader.setDaemon(true);
        reader.start();
        ExecutorService senders = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "bench-sender");
            t.setDaemon(true);
            return t;
        });
        try (FramePublisher frames = new FramePublisher(kafka, topics.frames(), 16 * 1024 * 1024, signer);
             KafkaProducer<byte[], byte[]> control = new KafkaProducer<>(producerProps(), new ByteArraySerializer(),
                     new ByteArraySerializer())) {
            return measure(frames, control, senders, reading);
        } finally {
            senders.shutdownNow();
            reading.set(false);
            reader.join(TimeUnit.SECONDS.toMillis(30));
        }
    }

    private Report measure(FramePublisher frames, KafkaProducer<byte[], byte[]> control, ExecutorService senders,
            AtomicBoolean reading) throws Exception {
        Random random = new Random(plan.seed());
        long total = plan.totalFrames();
        double interval = 1e9 / (plan.framesPerSecond() * plan.cameras());
        double controlInterval = plan.badControlPerSecond() > 0 ? 1e9 / plan.badControlPerSecond() : Double.POSITIVE_INFINITY;
        long[] sequences = new long[plan.cameras()];
        long start = System.nanoTime();
        long measureStart = start + plan.warmup().toNanos();
        long publishDeadline = measureStart + plan.duration().toNanos() + PUBLISH_GRACE.toNanos();
        long cpuAtMeasureStart = -1;
        int controls = 0;
        long nextControl = start + (long) controlInterval / 2;
        Map<BadFrame, Integer> bad = new java.util.EnumMap<>(BadFrame.class);
        int badTurn = 0;
        long good = 0;
        long warmupFrames = 0;
        double lagMax = 0;
        progress.printf("bench pipeline: %d cameras x %.3g frames/s, %d s warm-up + %d s, %.0f%% bad frames, %.1f bad control events/s%n",
                plan.cameras(), plan.framesPerSecond(), plan.warmup().toSeconds(), plan.duration().toSeconds(),
                plan.badFrameRatio() * 100, plan.badControlPerSecond());
        for (long i = 0; i < total; i++) {
            long due = start + (long) (i * interval);
            while (nextControl <= due && nextControl < measureStart + plan.duration().toNanos()) {
                sleepUntil(nextControl);
                int n = controls++;
                ProducerRecord<byte[], byte[]> record = badControl(n, random);
                control.send(record, (metadata, e) -> {
                    if (e == null) {
                        controlByOffset.put(metadata.partition() + "/" + metadata.offset(), n);
                    } else {
                        sendFailures.incrementAndGet();
                    }
                });
                nextControl += (long) controlInterval;
            }
            sleepUntil(due);
            long now = System.nanoTime();
            if (now > publishDeadline) {
                progress.printf("bench pipeline: publishing stopped %d frames short: the broker did not take them in time%n", total - i);
                break;
            }
            if (now >= measureStart && cpuAtMeasureStart < 0) {
                cpuAtMeasureStart = processCpuNanos();
            }
            lagMax = Math.max(lagMax, (now - due) / 1e6);
            int camera = (int) (i % plan.cameras());
            String cameraId = "bench-cam-" + (camera + 1);
            long sequence = ++sequences[camera];
            boolean measured = due >= measureStart;
            BadFrame kind = random.nextDouble() < plan.badFrameRatio() ? BadFrame.values()[badTurn++ % BadFrame.values().length] : null;
            if (kind != null) {
                bad.merge(kind, 1, Integer::sum);
            } else if (measured) {
                good++;
            } else {
                warmupFrames++;
            }
            byte[] photo = photos.get((int) ((sequence + camera) % photos.size()));
            senders.execute(() -> send(frames, cameraId, sequence, kind, measured, photo));
        }
        control.flush();
        senders.shutdown();
        if (!senders.awaitTermination(SEND_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS)) {
            progress.println("bench pipeline: some frames were still being sent after " + SEND_TIMEOUT);
        }
        long published = System.nanoTime();
        progress.printf("bench pipeline: published %d frames (%d bad) and %d bad control events in %.1f s; waiting for their outcomes%n",
                sentByOffset.size(), bad.values().stream().mapToInt(Integer::intValue).sum(), controls, (published - start) / 1e9);

        int expectedControls = controls;
        long drainDeadline = published + plan.drain().toNanos();
        boolean drained = false;
        long lastReport = published;
        while (System.nanoTime() < drainDeadline) {
            int open = open(expectedControls);
            if (open == 0) {
                drained = true;
                break;
            }
            if (System.nanoTime() - lastReport > 15_000_000_000L) {
                progress.printf("bench pipeline: %d records still without an outcome%n", open);
                lastReport = System.nanoTime();
            }
            Thread.sleep(250);
        }
        long drainedAt = System.nanoTime();
        if (drained) {
            Thread.sleep(plan.settle().toMillis());
        }
        reading.set(false);
        return report(good, warmupFrames, bad, controls, measureStart, cpuAtMeasureStart, start, published, drainedAt, drained, lagMax);
    }

    private void send(FramePublisher frames, String camera, long sequence, BadFrame kind, boolean measured, byte[] photo) {
        try {
            long sent = System.nanoTime();
            RecordMetadata metadata = frames.publishRaw(camera, frameBytes(camera, sequence, kind, photo));
            sentByOffset.put(metadata.partition() + "/" + metadata.offset(), new Sent(camera, sequence, kind, measured, sent));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            sendFailures.incrementAndGet();
        }
    }

    private static byte[] frameBytes(String camera, long sequence, BadFrame kind, byte[] photo) throws Exception {
        if (kind == null) {
            return WireFormat.encode(FramePublisher.frame(camera, sequence, photo));
        }
        return switch (kind) {
            case TRUNCATED_JPEG -> {
                Frame whole = FramePublisher.frame(camera, sequence, photo);
                whole.setBytes(ByteBuffer.wrap(java.util.Arrays.copyOf(photo, photo.length / 3)));
                yield WireFormat.encode(whole);
            }
            case FORGED_AVRO_LENGTH -> forgedLength(camera);
            case OVERSIZED_PIXELS -> WireFormat.encode(Frame.newBuilder().setCameraId(camera).setSequence(sequence)
                    .setCaptureTime(Instant.now()).setEncoding("png").setWidth(30_000).setHeight(30_000)
                    .setBytes(ByteBuffer.wrap(pngHeader(30_000, 30_000))).build());
        };
    }

    /** An Avro single-object Frame whose cameraId claims 2^31-9 bytes in a record of a few dozen. */
    private static byte[] forgedLength(String camera) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(0xC3);
        bytes.write(0x01);
        bytes.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(SchemaNormalization.parsingFingerprint64(Frame.getClassSchema())).array());
        var out = org.apache.avro.io.EncoderFactory.get().directBinaryEncoder(bytes, null);
        out.writeLong(Integer.MAX_VALUE - 8);
        out.writeFixed(camera.getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return bytes.toByteArray();
    }

    /** A PNG signature and an IHDR chunk declaring {@code width}x{@code height}, then nothing: a bomb's header. */
    public static byte[] pngHeader(int width, int height) {
        ByteBuffer png = ByteBuffer.allocate(8 + 25);
        png.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A});
        png.putInt(13).put("IHDR".getBytes(StandardCharsets.US_ASCII)).putInt(width).putInt(height)
                .put((byte) 8).put((byte) 2).put((byte) 0).put((byte) 0).put((byte) 0);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(png.array(), 12, 17);
        png.putInt((int) crc.getValue());
        return png.array();
    }

    /** Alternately an unsigned erasure and a threshold change under a signature header of random bytes. */
    private ProducerRecord<byte[], byte[]> badControl(int n, Random random) {
        ControlEvent event = ControlEvent.newBuilder().setEventId("bench-forged-" + UUID.randomUUID()).setTime(Instant.now())
                .setActor("bench").setType(ControlType.SUBJECT_ERASED).setSubjectId("bench-subject-" + n).build();
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(topics.control(),
                event.getSubjectId().getBytes(StandardCharsets.UTF_8), WireFormat.encode(event));
        if (n % 2 == 1) {
            byte[] signature = new byte[69];
            random.nextBytes(signature);
            record.headers().add(ControlSignatures.HEADER, signature);
        }
        return record;
    }

    /** Records published but without an outcome yet. */
    private int open(int expectedControls) {
        Set<String> frameOutcomes = new java.util.HashSet<>();
        Set<String> controlOutcomes = new java.util.HashSet<>();
        Set<String> results = new java.util.HashSet<>();
        synchronized (seen) {
            for (Seen s : seen) {
                if (s.result() != null) {
                    results.add(s.result().getCameraId() + "/" + s.result().getSequence());
                } else if (s.letter().getTopic().equals(topics.frames())) {
                    frameOutcomes.add(s.letter().getPartition() + "/" + s.letter().getOffset());
                } else if (s.letter().getTopic().equals(topics.control())) {
                    controlOutcomes.add(s.letter().getPartition() + "/" + s.letter().getOffset());
                }
            }
        }
        int open = 0;
        for (Map.Entry<String, Sent> sent : sentByOffset.entrySet()) {
            boolean done = sent.getValue().bad() == null
                    ? results.contains(sent.getValue().camera() + "/" + sent.getValue().sequence()) || frameOutcomes.contains(sent.getKey())
                    : frameOutcomes.contains(sent.getKey());
            open += done ? 0 : 1;
        }
        open += Math.max(0, expectedControls - (int) controlByOffset.keySet().stream().filter(controlOutcomes::contains).count());
        return open;
    }

    private Report report(long good, long warmupFrames, Map<BadFrame, Integer> bad, int controls, long measureStart,
            long cpuAtMeasureStart, long start, long published, long drainedAt, boolean drained, double lagMax) {
        List<Seen> all;
        synchronized (seen) {
            all = new ArrayList<>(seen);
        }
        Map<String, Integer> resultCounts = new HashMap<>();
        Map<String, Integer> letterCounts = new HashMap<>();
        Map<String, Integer> reasons = new TreeMap<>();
        Map<String, Integer> controlReasons = new TreeMap<>();
        Map<String, Seen> firstResult = new HashMap<>();
        int wrongReasons = 0;
        int goodLettered = 0;
        for (Seen s : all) {
            if (s.result() != null) {
                String id = s.result().getCameraId() + "/" + s.result().getSequence();
                resultCounts.merge(id, 1, Integer::sum);
                firstResult.putIfAbsent(id, s);
                continue;
            }
            DeadLetter letter = s.letter();
            String offset = letter.getPartition() + "/" + letter.getOffset();
            if (letter.getTopic().equals(topics.frames())) {
                letterCounts.merge("frames " + offset, 1, Integer::sum);
                reasons.merge(letter.getReason().name(), 1, Integer::sum);
                Sent sent = sentByOffset.get(offset);
                if (sent == null || sent.bad() == null) {
                    goodLettered++;
                } else if (!sent.bad().reasons.contains(letter.getReason())) {
                    wrongReasons++;
                }
            } else if (letter.getTopic().equals(topics.control())) {
                letterCounts.merge("control " + offset, 1, Integer::sum);
                controlReasons.merge(letter.getReason().name(), 1, Integer::sum);
                if (letter.getReason() != DeadLetterReason.UNAUTHENTICATED) {
                    wrongReasons++;
                }
            }
        }
        int duplicates = resultCounts.values().stream().mapToInt(n -> n - 1).sum()
                + letterCounts.values().stream().mapToInt(n -> n - 1).sum();
        int missingResults = 0;
        int missingLetters = 0;
        List<Double> latencies = new ArrayList<>();
        List<Double> processed = new ArrayList<>();
        long lastMeasured = measureStart;
        for (Map.Entry<String, Sent> entry : sentByOffset.entrySet()) {
            Sent sent = entry.getValue();
            if (sent.bad() != null) {
                missingLetters += letterCounts.containsKey("frames " + entry.getKey()) ? 0 : 1;
                continue;
            }
            Seen result = firstResult.get(sent.camera() + "/" + sent.sequence());
            if (result == null) {
                missingResults += letterCounts.containsKey("frames " + entry.getKey()) ? 0 : 1;
                continue;
            }
            if (sent.measured()) {
                long capture = result.result().getCaptureTime().toEpochMilli();
                latencies.add((double) (wallMillis(result.seenNanos()) - capture));
                processed.add((double) (result.result().getProcessedTime().toEpochMilli() - capture));
                lastMeasured = Math.max(lastMeasured, result.seenNanos());
            }
        }
        missingLetters += Math.max(0, controls - (int) controlByOffset.keySet().stream()
                .filter(o -> letterCounts.containsKey("control " + o)).count());
        missingLetters += Math.max(0, sendFailures.get());
        // Sustained: what the job delivered while measured frames were in flight, whatever frame it was.
        long from = measureStart;
        long to = lastMeasured;
        int frames = 0;
        int faces = 0;
        long cpuEnd = cpuAtMeasureStart;
        for (Seen s : all) {
            if (s.result() != null && s.seenNanos() > from && s.seenNanos() <= to) {
                frames++;
                faces += s.result().getFaces().size();
                cpuEnd = Math.max(cpuEnd, s.cpuNanos());
            }
        }
        double seconds = (to - from) / 1e9;
        // The cold start: from the first result (the job's own pace while the JIT and oneDNN warm up,
        // whether or not a warm-up ran before it), and from the first frame published (what a camera
        // sees: the job's start, the warm-up included). Only a job with a backlog shows its capacity here.
        long[] resultTimes = all.stream().filter(s -> s.result() != null).mapToLong(Seen::seenNanos).sorted().toArray();
        long[] resultFaces = all.stream().filter(s -> s.result() != null).sorted(java.util.Comparator.comparingLong(Seen::seenNanos))
                .mapToLong(s -> s.result().getFaces().size()).toArray();
        double firstResultSeconds = Double.NaN;
        double coldWindow = Double.NaN;
        double coldFrames = Double.NaN;
        double coldFaces = Double.NaN;
        double fromPublish = Double.NaN;
        if (resultTimes.length > 0) {
            long first = resultTimes[0] - 1; // the first result itself counts
            long end = resultTimes[resultTimes.length - 1];
            firstResultSeconds = (resultTimes[0] - start) / 1e9;
            coldWindow = Math.min(COLD_WINDOW.toNanos(), end - first) / 1e9;
            coldFrames = perSecond(resultTimes, first, COLD_WINDOW, end);
            long faceCount = 0;
            for (int i = 0; i < resultTimes.length && resultTimes[i] <= first + COLD_WINDOW.toNanos(); i++) {
                faceCount += resultFaces[i];
            }
            coldFaces = coldWindow > 0 ? faceCount / coldWindow : Double.NaN;
            fromPublish = perSecond(resultTimes, start, COLD_WINDOW, Math.max(end, start + COLD_WINDOW.toNanos()));
        }
        double sustainedFrames = seconds > 0 ? frames / seconds : Double.NaN;
        double[] latency = latencies.stream().mapToDouble(Double::doubleValue).toArray();
        double[] processedLatency = processed.stream().mapToDouble(Double::doubleValue).toArray();
        Map<String, Integer> badCounts = new LinkedHashMap<>();
        bad.forEach((k, v) -> badCounts.put(k.name(), v));
        return new Report(good, badCounts, controls, warmupFrames, firstResult.size(), reasons, controlReasons,
                missingResults, missingLetters, goodLettered, duplicates, wrongReasons,
                Percentiles.of(latency, 50), Percentiles.of(latency, 95), Percentiles.of(latency, 99),
                latency.length == 0 ? Double.NaN : java.util.Arrays.stream(latency).max().orElse(Double.NaN), latency.length,
                Percentiles.of(processedLatency, 50), Percentiles.of(processedLatency, 99),
                plan.framesPerSecond() * plan.cameras(),
                sustainedFrames, seconds > 0 ? faces / seconds : Double.NaN,
                faces > 0 && cpuAtMeasureStart >= 0 ? (cpuEnd - cpuAtMeasureStart) / 1e9 / faces : Double.NaN,
                seconds, (published - start) / 1e9, lagMax, (drainedAt - published) / 1e9, drained,
                firstResultSeconds, coldWindow, coldFrames, coldFaces, coldFrames / sustainedFrames, fromPublish);
    }

    private final long wallAtStart = System.currentTimeMillis();
    private final long nanosAtStart = System.nanoTime();

    private long wallMillis(long nanos) {
        return wallAtStart + (nanos - nanosAtStart) / 1_000_000;
    }

    /** Reads results and dead letters read_committed from the start, noting when each was seen. */
    private void read(AtomicBoolean reading) {
        Map<String, Object> props = new HashMap<>(clientProps());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 16 * 1024 * 1024);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of(topics.results(), topics.dlq())) {
                consumer.partitionsFor(topic, Duration.ofSeconds(30)).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (reading.get()) {
                var records = consumer.poll(Duration.ofMillis(200));
                long now = System.nanoTime();
                long cpu = processCpuNanos();
                for (ConsumerRecord<byte[], byte[]> record : records) {
                    try {
                        if (record.topic().equals(topics.results())) {
                            seen.add(new Seen(WireFormat.decode(FrameResult.class, record.value()), null, now, cpu));
                        } else {
                            seen.add(new Seen(null, WireFormat.decode(DeadLetter.class, record.value()), now, cpu));
                        }
                    } catch (IOException e) {
                        progress.println("bench pipeline: undecodable record on " + record.topic() + ": " + e.getMessage());
                    }
                }
            }
        } catch (RuntimeException e) {
            progress.println("bench pipeline: the reader stopped: " + e);
        }
    }

    private Map<String, Object> clientProps() {
        return kafka.clientConfig();
    }

    private Map<String, Object> producerProps() {
        Map<String, Object> props = new HashMap<>(clientProps());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        return props;
    }

    private static void sleepUntil(long nanos) throws InterruptedException {
        for (long left = nanos - System.nanoTime(); left > 0; left = nanos - System.nanoTime()) {
            LockSupport.parkNanos(left);
            if (Thread.interrupted()) {
                throw new InterruptedException("bench pipeline interrupted");
            }
        }
    }

    private static long processCpuNanos() {
        return ManagementFactory.getPlatformMXBean(com.sun.management.OperatingSystemMXBean.class).getProcessCpuTime();
    }
}
