package io.biostream.launcher;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.biostream.launcher.bench.PeerBench;
import io.biostream.launcher.bench.PipelineBench;
import io.biostream.launcher.bench.PipelineBench.Plan;
import io.biostream.launcher.bench.PipelineBench.Report;
import io.biostream.launcher.local.KafkaCredentials;
import io.biostream.operators.config.Settings;
import io.biostream.operators.config.Topics;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.flink.configuration.GlobalConfiguration;

/**
 * {@code biostream bench pipeline}: local mode (as {@code biostream local} wires it: KRaft broker,
 * Flink MiniCluster with RocksDB, the pipeline job, the API) in a temporary folder, loaded by
 * {@link PipelineBench}; prints a table, optionally writes the report as JSON, removes the folder.
 * Exit status 1 when a record was lost, duplicated or dead-lettered for the wrong reason.
 */
final class PipelineBenchCommand {
    static final String USAGE = "usage: biostream bench pipeline [--cameras N] [--fps F | --rate-of-sustained R --sustained S]"
            + " [--seconds D] [--warmup W] [--bad-ratio R] [--bad-control-per-second C] [--drain S] [--photos DIR] [--seed X] [--peer] [--json OUT]"
            + " [--key=value... (local mode and job settings)]";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param rateOfSustained with {@code sustained}: the share of a sustained rate measured before that is
     *                        offered (NaN: the rate is {@code --fps} per camera)
     * @param sustained       frames/s the job sustained in an earlier run (NaN: not given)
     */
    record Options(Plan plan, Path photos, Path json, Map<String, String> settings, boolean peer,
                   double rateOfSustained, double sustained) {}

    private PipelineBenchCommand() {}

    static int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        Path home = Path.of(env.getOrDefault("BIOSTREAM_HOME", ".")).toAbsolutePath().normalize();
        Options options;
        try {
            options = parse(args, home);
        } catch (UsageException e) {
            err.println(e.getMessage());
            err.println(USAGE);
            return 2;
        }
        if (!Files.isDirectory(options.photos())) {
            err.println("bench pipeline: SKIPPED: the demo photos are not in " + options.photos()
                    + " (../shared beside the clone, or --photos DIR)");
            return 3;
        }
        try {
            List<byte[]> photos = PipelineBench.jpegPhotos(options.photos());
            if (photos.isEmpty()) {
                err.println("bench pipeline: SKIPPED: no PNG or JPEG photos in " + options.photos());
                return 3;
            }
            Path var = Files.createTempDirectory("biostream-bench-");
            try {
                return run(options, photos, home, var, env, out, err);
            } finally {
                deleteTree(var);
            }
        } catch (Exception e) {
            err.println("bench pipeline failed: " + e);
            return 1;
        }
    }

    private static int run(Options options, List<byte[]> photos, Path home, Path var, Map<String, String> env,
            PrintStream out, PrintStream err) throws Exception {
        Map<String, String> flags = new HashMap<>(Map.of(
                "biostream.local.var-dir", var.toString(),
                "rest.port", "0",
                "api.port", "0",
                "queryable-state.proxy.ports", "0",
                LocalOptions.METRICS_PORT, "0"));
        flags.putAll(options.settings());
        Path confDir = Path.of(flags.getOrDefault("biostream.local.flink-conf-dir", home.resolve("flink-conf").toString()));
        // As `biostream local` layers them: flags over the environment over flink-conf/config.yaml.
        Settings settings = new Settings(flags, env, GlobalConfiguration.loadConfiguration(confDir.toString()).toMap());
        LocalOptions local = LocalOptions.from(settings, false, home);
        // Results commit with checkpoints: a duplicate would show within two intervals of the last outcome.
        Duration checkpoints = org.apache.flink.util.TimeUtils.parseDuration(settings.get("execution.checkpointing.interval", "5s"));
        Plan given = options.plan();
        Plan plan = new Plan(given.cameras(), given.framesPerSecond(), given.duration(), given.warmup(), given.badFrameRatio(),
                given.badControlPerSecond(), given.drain(), checkpoints.multipliedBy(2).plusSeconds(2), given.seed());
        Map<String, Object> machine = BenchCommand.machine();
        err.println("bench pipeline: " + machine);
        // The peer first, alone on the machine, then the pipeline.
        PeerBench.Outcome peer = options.peer() ? PeerBench.run(PeerBench.Setup.beside(home), err) : null;
        long started = System.nanoTime();
        Report report;
        try (LocalMode mode = LocalMode.start(local)) {
            err.printf("bench pipeline: local mode started in %.1f s (job %s)%n", (System.nanoTime() - started) / 1e9, mode.jobId());
            report = new PipelineBench(mode.kafkaConnection(KafkaCredentials.ADMIN), mode.cameraSigner(), Topics.from(settings),
                    plan, photos, err).run();
        }
        Map<String, Object> used = new LinkedHashMap<>();
        used.put("photos", options.photos().toString());
        used.put("photoCount", photos.size());
        used.put("parallelism", settings.get("parallelism.default", "?"));
        used.put("checkpointInterval", settings.get("execution.checkpointing.interval", "?"));
        used.put("overrides", options.settings());
        if (!Double.isNaN(options.rateOfSustained())) {
            used.put("rateOfSustained", options.rateOfSustained());
            used.put("sustainedGiven", options.sustained());
        }
        out.print(table(plan, report, machine, used));
        if (peer != null) {
            out.print(peerLines(report, peer));
        }
        if (options.json() != null) {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("machine", machine);
            json.put("plan", planJson(plan));
            json.put("settings", used);
            json.put("report", report);
            if (peer != null) {
                json.put("peer", peer.figures() != null ? peer.figures() : Map.of("skipped", peer.skipped()));
                if (peer.figures() != null) {
                    json.put("peerRatio", Map.of(
                            "framesPerSecond", report.sustainedFramesPerSecond() / peer.figures().ssdFullImagesPerSecond(),
                            "facesPerSecond", report.sustainedFacesPerSecond() / peer.figures().ssdFullFacesPerSecond()));
                }
            }
            json.put("lost", report.lost());
            json.put("clean", report.clean());
            JSON.writerWithDefaultPrettyPrinter().writeValue(options.json().toFile(), json);
        }
        if (!report.clean()) {
            // Without the drain finished, a record without an outcome may still be queued in the frames topic.
            err.printf("bench pipeline: NOT CLEAN: %d records without an outcome%s, %d duplicates, %d wrong reasons,"
                    + " %d good frames dead-lettered%n", report.lost(),
                    report.drained() ? "" : " when the drain wait ran out (the job's backlog or lost: raise --drain to tell)",
                    report.duplicates(), report.wrongReasons(), report.goodFramesDeadLettered());
            return 1;
        }
        return 0;
    }

    private static Map<String, Object> planJson(Plan plan) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("cameras", plan.cameras());
        json.put("framesPerSecond", plan.framesPerSecond());
        json.put("seconds", plan.duration().toMillis() / 1000.0);
        json.put("warmupSeconds", plan.warmup().toMillis() / 1000.0);
        json.put("badFrameRatio", plan.badFrameRatio());
        json.put("badControlPerSecond", plan.badControlPerSecond());
        json.put("drainSeconds", plan.drain().toMillis() / 1000.0);
        json.put("seed", plan.seed());
        return json;
    }

    /** Frames/s per camera that offer {@code share} of {@code sustained} frames/s over {@code cameras} cameras. */
    static double framesPerCamera(double share, double sustained, int cameras) {
        return share * sustained / cameras;
    }

    static String table(Plan plan, Report r, Map<String, Object> machine, Map<String, Object> used) {
        StringBuilder t = new StringBuilder();
        t.append(String.format(Locale.ROOT, "pipeline load: %d cameras x %.3g frames/s (%.3g offered), %.0f s after %.0f s warm-up,"
                        + " %.0f%% bad frames, %.1f bad control events/s%n", plan.cameras(), plan.framesPerSecond(),
                r.offeredFramesPerSecond(), plan.duration().toMillis() / 1000.0, plan.warmup().toMillis() / 1000.0,
                plan.badFrameRatio() * 100, plan.badControlPerSecond()));
        t.append(String.format(Locale.ROOT, "machine: %s cores, %s, java %s (%s), %s; parallelism %s, checkpoints every %s%n",
                machine.get("processors"), machine.get("cpu"), machine.get("java"), machine.get("jvm"), machine.get("os"),
                used.get("parallelism"), used.get("checkpointInterval")));
        row(t, "published good frames (measured)", Long.toString(r.publishedGood()));
        row(t, "published warm-up frames", Long.toString(r.warmupFrames()));
        row(t, "published bad frames", r.publishedBad().toString());
        row(t, "published bad control events", Integer.toString(r.publishedBadControl()));
        row(t, "results (distinct frames)", Integer.toString(r.results()));
        row(t, "frame dead letters by reason", r.deadLettersByReason().toString());
        row(t, "control dead letters by reason", r.controlDeadLettersByReason().toString());
        row(t, "missing results / dead letters", r.missingResults() + " / " + r.missingDeadLetters());
        row(t, "duplicates", Integer.toString(r.duplicates()));
        row(t, "wrong reasons / good frames dead-lettered", r.wrongReasons() + " / " + r.goodFramesDeadLettered());
        row(t, "capture-to-result p50 / p95 / p99 / max ms", String.format(Locale.ROOT, "%.0f / %.0f / %.0f / %.0f (n=%d)",
                r.latencyP50Ms(), r.latencyP95Ms(), r.latencyP99Ms(), r.latencyMaxMs(), r.latencySamples()));
        row(t, "capture-to-processed p50 / p99 ms", String.format(Locale.ROOT, "%.0f / %.0f",
                r.processedLatencyP50Ms(), r.processedLatencyP99Ms()));
        row(t, "sustained frames/s (offered)", String.format(Locale.ROOT, "%.2f (%.1f)", r.sustainedFramesPerSecond(),
                r.offeredFramesPerSecond()));
        row(t, "sustained faces/s", String.format(Locale.ROOT, "%.2f", r.sustainedFacesPerSecond()));
        row(t, "CPU seconds per face (whole process)", String.format(Locale.ROOT, "%.3f", r.cpuSecondsPerFace()));
        row(t, "first result after the first frame s", String.format(Locale.ROOT, "%.1f", r.firstResultSeconds()));
        row(t, "cold first minute frames/s (x warm)", String.format(Locale.ROOT, "%.2f (%.2fx), %.2f faces/s over %.0f s"
                + " from the first result", r.coldFirstMinuteFramesPerSecond(), r.coldToWarmRatio(),
                r.coldFirstMinuteFacesPerSecond(), r.coldWindowSeconds()));
        row(t, "first minute frames/s from the first frame", String.format(Locale.ROOT, "%.2f (job start included)",
                r.firstMinuteFromPublishFramesPerSecond()));
        row(t, "publish s / max publish lag ms / drain s", String.format(Locale.ROOT, "%.1f / %.0f / %.1f%s", r.publishSeconds(),
                r.publishLagMaxMs(), r.drainSeconds(), r.drained() ? "" : " (drain wait ran out)"));
        return t.toString();
    }

    /** The sustained rates over the peer's SSD + landmarks + descriptors on the same photos (decode excluded there). */
    static String peerLines(Report r, PeerBench.Outcome peer) {
        StringBuilder t = new StringBuilder();
        PeerBench.Figures f = peer.figures();
        if (f == null) {
            t.append("peer: SKIPPED: ").append(peer.skipped()).append('\n');
            return t.toString();
        }
        t.append(String.format(Locale.ROOT, "peer: face-api %s on tfjs %s %s (%s thread(s)), SSD + landmarks + descriptors over"
                + " %d photos, decode excluded (load %.1f-%.1f)%n", f.env().get("faceapi"), f.env().get("tfjs"),
                f.env().get("backend"), f.env().get("wasmThreads"), f.images(), f.loadBefore(), f.loadAfter()));
        row(t, "sustained frames/s : peer photos/s", String.format(Locale.ROOT, "%.2f : %.2f = %.2fx",
                r.sustainedFramesPerSecond(), f.ssdFullImagesPerSecond(), r.sustainedFramesPerSecond() / f.ssdFullImagesPerSecond()));
        row(t, "sustained faces/s : peer faces/s", String.format(Locale.ROOT, "%.2f : %.2f = %.2fx",
                r.sustainedFacesPerSecond(), f.ssdFullFacesPerSecond(), r.sustainedFacesPerSecond() / f.ssdFullFacesPerSecond()));
        return t.toString();
    }

    private static void row(StringBuilder t, String name, String value) {
        t.append(String.format(Locale.ROOT, "  %-44s %s%n", name, value));
    }

    static Options parse(List<String> args, Path home) throws UsageException {
        int cameras = 8;
        double fps = 5;
        boolean fpsGiven = false;
        double rateOfSustained = Double.NaN;
        double sustained = Double.NaN;
        double seconds = 120;
        double warmup = 30;
        double badRatio = 0.10;
        double badControl = 1;
        double drain = 600;
        long seed = 42;
        Path photos = home.resolve("../shared/goldens/images").normalize();
        Path json = null;
        Map<String, String> settings = new LinkedHashMap<>();
        boolean peer = args.contains("--peer");
        for (BenchCommand.Flag flag : BenchCommand.flags(args.stream().filter(a -> !a.equals("--peer")).toList(), 0)) {
            String name = flag.name();
            String value = flag.value();
            switch (name) {
                case "--cameras" -> cameras = BenchCommand.integer(name, value, 1, 1000);
                case "--fps" -> {
                    fps = number(name, value, 0.01, 1000);
                    fpsGiven = true;
                }
                case "--rate-of-sustained" -> rateOfSustained = number(name, value, 0.01, 10);
                case "--sustained" -> sustained = number(name, value, 0.01, 10_000);
                case "--seconds" -> seconds = number(name, value, 1, 3600);
                case "--warmup" -> warmup = number(name, value, 0, 3600);
                case "--bad-ratio" -> badRatio = number(name, value, 0, 0.99);
                case "--bad-control-per-second" -> badControl = number(name, value, 0, 1000);
                case "--drain" -> drain = number(name, value, 1, 3600);
                case "--seed" -> seed = BenchCommand.integer(name, value, 0, Integer.MAX_VALUE);
                case "--photos" -> photos = Path.of(value);
                case "--json" -> json = Path.of(value);
                default -> {
                    if (flag.inline() && name.startsWith("--") && name.length() > 2 && !name.startsWith("--bench")) {
                        settings.put(name.substring(2), value);
                    } else {
                        throw new UsageException("bench: unexpected argument '" + flag.arg() + "'");
                    }
                }
            }
        }
        BenchCommand.requireFolderOf(json);
        if (Double.isNaN(rateOfSustained) != Double.isNaN(sustained)) {
            throw new UsageException("bench: --rate-of-sustained and --sustained go together (the share of a sustained"
                    + " frames/s measured before, e.g. --rate-of-sustained 0.8 --sustained 11.4)");
        }
        if (!Double.isNaN(rateOfSustained)) {
            if (fpsGiven) {
                throw new UsageException("bench: --fps or --rate-of-sustained, not both");
            }
            fps = framesPerCamera(rateOfSustained, sustained, cameras);
            if (!(fps >= 0.01)) {
                throw new UsageException("bench: --rate-of-sustained x --sustained over " + cameras + " cameras is under 0.01 frames/s per camera");
            }
        }
        Plan plan = new Plan(cameras, fps, millis(seconds), millis(warmup), badRatio, badControl, millis(drain),
                Duration.ZERO, seed);
        return new Options(plan, photos, json, Map.copyOf(settings), peer, rateOfSustained, sustained);
    }

    private static Duration millis(double seconds) {
        return Duration.ofMillis(Math.round(seconds * 1000));
    }

    private static double number(String name, String value, double min, double max) throws UsageException {
        try {
            double n = Double.parseDouble(value);
            if (!(n >= min && n <= max)) {
                throw new UsageException("bench: " + name + " must be in " + min + ".." + max + ", not " + value);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException("bench: " + name + " must be a number, not '" + value + "'");
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
