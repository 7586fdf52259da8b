package io.biostream.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.biostream.launcher.bench.NetBench;
import io.biostream.launcher.bench.NetBench.Plan;
import io.biostream.launcher.bench.NetBench.Row;
import io.biostream.launcher.bench.PeerBench;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * {@code biostream bench describe|detect}: the face nets alone ({@link NetBench}) by batch size and
 * thread count, optionally beside the JavaScript peer's benchmark ({@code --peer}, {@link PeerBench}).
 *
 * <p>Threads: ND4J reads OMP_NUM_THREADS once, when it starts (NativeOpsHolder sets OpenMP's
 * thread count from it; oneDNN and OpenBLAS follow OpenMP), so a thread count other than this
 * process's runs in a child JVM started with that OMP_NUM_THREADS and the same class path and
 * JVM options; its JSON report is merged into this one.
 */
final class NetBenchCommand {
    static final String USAGE = "usage: biostream bench describe|detect [--batches 1,4,9,16,32] [--threads 1,2]"
            + " [--slots 1,2] [--warmup S] [--seconds S] [--crops DIR] [--photos DIR] [--peer] [--json OUT]";
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Set in a child JVM's environment: it measures its one thread count and starts no JVM itself. */
    static final String CHILD = "BIOSTREAM_BENCH_CHILD";

    enum Kind { DESCRIBE, DETECT }

    record Options(Kind kind, Plan plan, List<Integer> threads, Path crops, Path photos, boolean peer, Path json) {}

    private NetBenchCommand() {}

    static int run(Kind kind, List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        Path home = Path.of(env.getOrDefault("BIOSTREAM_HOME", ".")).toAbsolutePath().normalize();
        Options options;
        try {
            options = parse(kind, args, home);
        } catch (UsageException e) {
            err.println(e.getMessage());
            err.println(USAGE);
            return 2;
        }
        Path inputs = kind == Kind.DESCRIBE ? options.crops() : options.photos();
        if (!Files.isDirectory(inputs)) {
            err.println("bench " + name(kind) + ": SKIPPED: the " + (kind == Kind.DESCRIBE ? "face crops" : "demo photos")
                    + " are not in " + inputs + " (../shared beside the clone, or " + (kind == Kind.DESCRIBE ? "--crops" : "--photos")
                    + " DIR)");
            return 3;
        }
        Map<String, Object> machine = machine();
        err.println("bench " + name(kind) + ": " + machine);
        PeerBench.Outcome peer = options.peer() ? PeerBench.run(PeerBench.Setup.beside(home), err) : null;
        // The thread count ND4J runs with here (from OMP_NUM_THREADS when it started); others need a JVM of their own.
        int current = (Integer) machine.get("ompMaxThreads");
        Map<Integer, List<Row>> byThreads = new LinkedHashMap<>();
        Map<Integer, Object> childMachines = new LinkedHashMap<>();
        List<Integer> failed = new ArrayList<>();
        try {
            for (int threads : options.threads()) {
                if (threads == current) {
                    NetBench bench = new NetBench(options.plan(), err);
                    byThreads.put(threads, kind == Kind.DESCRIBE
                            ? bench.describe(NetBench.crops(options.crops()))
                            : bench.detect(NetBench.pngs(options.photos(), ".png")));
                } else if (env.containsKey(CHILD)) {
                    // A child that did not get its thread count must not start children of its own.
                    err.printf("bench %s: ND4J runs with %d OpenMP threads in this child JVM, not the %d it was started for%n",
                            name(kind), current, threads);
                    return 1;
                } else {
                    JsonNode child = child(options, threads, err);
                    if (child == null) {
                        // What the other thread counts measured is still reported; the status says one failed.
                        failed.add(threads);
                        continue;
                    }
                    childMachines.put(threads, JSON.convertValue(child.path("machine"), Map.class));
                    List<Row> rows = new ArrayList<>();
                    for (JsonNode row : child.path("results")) {
                        rows.add(JSON.treeToValue(row.path("row"), Row.class));
                    }
                    byThreads.put(threads, rows);
                }
            }
        } catch (IOException | RuntimeException e) {
            err.println("bench " + name(kind) + " failed: " + e);
            return 1;
        }
        PeerBench.Figures figures = peer == null ? null : peer.figures();
        out.print(table(options, byThreads, machine, peer));
        if (options.json() != null) {
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("machine", machine);
            if (!childMachines.isEmpty()) {
                report.put("childMachines", childMachines);
            }
            report.put("plan", options.plan());
            report.put("inputs", inputs.toString());
            List<Map<String, Object>> results = new ArrayList<>();
            byThreads.forEach((threads, rows) -> rows.forEach(row -> {
                Map<String, Object> result = new LinkedHashMap<>();
                result.put("threads", threads);
                result.put("row", row);
                Double ratio = peerRatio(row, figures);
                if (ratio != null) {
                    result.put("peerRatio", ratio);
                }
                results.add(result);
            }));
            report.put("results", results);
            if (!failed.isEmpty()) {
                report.put("failedThreadCounts", failed);
            }
            if (peer != null) {
                report.put("peer", figures != null ? figures : Map.of("skipped", peer.skipped()));
            }
            try {
                JSON.writerWithDefaultPrettyPrinter().writeValue(options.json().toFile(), report);
            } catch (IOException e) {
                err.println("bench: cannot write " + options.json() + ": " + e.getMessage());
                return 1;
            }
        }
        if (!failed.isEmpty()) {
            err.printf("bench %s: no figures for %s thread(s): their child JVM failed (above)%n", name(kind), failed);
            return 1;
        }
        return 0;
    }

    /** This row's rate over the peer's figure for the same work (null without one). */
    static Double peerRatio(Row row, PeerBench.Figures peer) {
        if (peer == null) {
            return null;
        }
        return switch (row.net()) {
            // The peer's descriptor figure one crop per call, and all crops in one call.
            case "descriptor" -> row.facesPerSecond() / (row.batch() == 1
                    ? peer.descriptorSingleFacesPerSecond() : peer.descriptorBatchFacesPerSecond());
            case "landmarks" -> row.facesPerSecond() / peer.landmarkBatchFacesPerSecond();
            case "ssd" -> row.imagesPerSecond() / peer.ssdDetectImagesPerSecond();
            // The peer has no detect+landmarks figure; its SSD + landmarks + descriptors is the nearest.
            case "pipeline" -> row.imagesPerSecond() / peer.ssdFullImagesPerSecond();
            default -> null;
        };
    }

    static String table(Options options, Map<Integer, List<Row>> byThreads, Map<String, Object> machine,
            PeerBench.Outcome peer) {
        StringBuilder t = new StringBuilder();
        t.append(String.format(Locale.ROOT, "bench %s: %s; %.0f s warm-up, %.1f s per measurement; inputs decoded beforehand%n",
                name(options.kind()), options.kind() == Kind.DESCRIBE
                        ? "descriptor net on 150x150 crops, landmark net on 112x112 crops (inputs = faces)"
                        : "SSD on photos (batch = photos per forward pass) + landmarks of each photo's faces;"
                                + " pipeline = detect, landmarks, quality, descriptors per photo (inputs = photos)",
                options.plan().warmupSeconds(), options.plan().seconds()));
        t.append(String.format(Locale.ROOT, "machine: %s cores, %s, java %s, %s, %s%n", machine.get("processors"),
                machine.get("cpu"), machine.get("java"), machine.get("nd4jNative"), machine.get("os")));
        PeerBench.Figures f = peer == null ? null : peer.figures();
        if (peer != null && f == null) {
            t.append("peer: SKIPPED: ").append(peer.skipped()).append('\n');
        } else if (f != null) {
            t.append(String.format(Locale.ROOT, "peer (face-api %s, tfjs %s %s, %s thread(s), node %s; load %.1f-%.1f):"
                            + " descriptors %.2f faces/s (batch of %d), %.2f one per call; landmarks %.2f faces/s;"
                            + " SSD %.2f photos/s; SSD+landmarks+descriptors %.2f photos/s, %.2f faces/s over %d photos%n",
                    f.env().get("faceapi"), f.env().get("tfjs"), f.env().get("backend"), f.env().get("wasmThreads"),
                    f.env().get("node"), f.loadBefore(), f.loadAfter(), f.descriptorBatchFacesPerSecond(), f.crops(),
                    f.descriptorSingleFacesPerSecond(), f.landmarkBatchFacesPerSecond(), f.ssdDetectImagesPerSecond(),
                    f.ssdFullImagesPerSecond(), f.ssdFullFacesPerSecond(), f.images()));
        }
        t.append(String.format(Locale.ROOT, "%7s %s %8s%n", "threads", NetBench.header(), "x peer"));
        byThreads.forEach((threads, rows) -> rows.forEach(row -> {
            Double ratio = peerRatio(row, f);
            t.append(String.format(Locale.ROOT, "%7d %s %8s%n", threads, NetBench.format(row),
                    ratio == null ? "-" : String.format(Locale.ROOT, "%.2f", ratio)));
        }));
        return t.toString();
    }

    /** Runs this benchmark for one thread count in a child JVM; its JSON report, or null (said on err) when it failed. */
    private static JsonNode child(Options options, int threads, PrintStream err) throws IOException {
        Path json = Files.createTempFile("biostream-bench-" + threads + "-", ".json");
        try {
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
                // Debuggers, agents and recordings stay with this process.
                if (!arg.startsWith("-agentlib") && !arg.startsWith("-javaagent") && !arg.startsWith("-Xrunjdwp")
                        && !arg.startsWith("-XX:StartFlightRecording") && !arg.startsWith("-XX:FlightRecorderOptions")) {
                    command.add(arg);
                }
            }
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "bench",
                    name(options.kind()), "--threads", Integer.toString(threads),
                    "--batches", String.join(",", options.plan().batches().stream().map(String::valueOf).toList()),
                    "--slots", String.join(",", options.plan().slots().stream().map(String::valueOf).toList()),
                    "--warmup", Double.toString(options.plan().warmupSeconds()),
                    "--seconds", Double.toString(options.plan().seconds()),
                    "--crops", options.crops().toString(), "--photos", options.photos().toString(),
                    "--json", json.toString()));
            // Its table (stdout) is merged into this one; its progress (stderr) is shown as it comes.
            ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            builder.environment().put("OMP_NUM_THREADS", Integer.toString(threads));
            builder.environment().put(CHILD, "1");
            err.printf("bench %s: OMP_NUM_THREADS=%d in a child JVM%n", name(options.kind()), threads);
            Process process = builder.start();
            Thread pump = new Thread(() -> {
                try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                    for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                        err.println("  [threads " + threads + "] " + line);
                    }
                } catch (IOException e) {
                    // the child ended: its status tells
                }
            }, "bench-child-output");
            pump.setDaemon(true);
            pump.start();
            Duration limit = childLimit(options);
            if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                err.printf("bench %s: the child JVM for %d threads ran past %d s: stopped%n", name(options.kind()), threads,
                        limit.toSeconds());
                return null;
            }
            pump.join(5_000);
            if (process.exitValue() != 0 || Files.size(json) == 0) {
                err.printf("bench %s: the child JVM for %d threads failed (exit %d)%n", name(options.kind()), threads,
                        process.exitValue());
                return null;
            }
            return JSON.readTree(json.toFile());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } finally {
            Files.deleteIfExists(json);
        }
    }

    /**
     * A bound against a hung child, not a schedule: 10 min for start-up, loading and the long calls
     * of big batches on a crowded machine (at least three calls a measurement, 30 s and more each for
     * 32 photos), plus five times the planned measuring.
     */
    static Duration childLimit(Options options) {
        double measurements = (options.plan().batches().size() * 2 + 1) * options.plan().slots().size();
        double planned = options.plan().warmupSeconds() + measurements * (options.plan().seconds() * 1.2 + 2);
        return Duration.ofSeconds(600 + Math.round(5 * planned));
    }

    static Options parse(Kind kind, List<String> args, Path home) throws UsageException {
        List<Integer> batches = List.of(1, 4, 9, 16, 32);
        List<Integer> threads = List.of(1, 2);
        List<Integer> slots = List.of(1);
        double warmup = 20;
        double seconds = 10;
        Path crops = home.resolve("../shared/goldens/crops").normalize();
        Path photos = home.resolve("../shared/goldens/images").normalize();
        boolean peer = false;
        Path json = null;
        List<String> rest = new ArrayList<>();
        for (String arg : args) {
            if (arg.equals("--peer")) {
                peer = true;
            } else {
                rest.add(arg);
            }
        }
        for (BenchCommand.Flag flag : BenchCommand.flags(rest, 0)) {
            String name = flag.name();
            String value = flag.value();
            switch (name) {
                case "--batches" -> batches = list(name, value, 1, 256);
                case "--threads" -> threads = list(name, value, 1, 256);
                case "--slots" -> slots = list(name, value, 1, 64);
                case "--warmup" -> warmup = number(name, value, 0);
                case "--seconds" -> seconds = number(name, value, 0.001);
                case "--crops" -> crops = Path.of(value);
                case "--photos" -> photos = Path.of(value);
                case "--json" -> json = Path.of(value);
                default -> throw new UsageException("bench: unexpected argument '" + flag.arg() + "'");
            }
        }
        BenchCommand.requireFolderOf(json);
        return new Options(kind, new Plan(batches, warmup, seconds, slots), threads, crops, photos, peer, json);
    }

    private static List<Integer> list(String name, String value, int min, int max) throws UsageException {
        List<Integer> values = new ArrayList<>();
        for (String part : value.split(",")) {
            int n = BenchCommand.integer(name, part.trim(), min, max);
            if (values.contains(n)) {
                throw new UsageException("bench: " + name + " lists " + n + " twice");
            }
            values.add(n);
        }
        return List.copyOf(values);
    }

    private static double number(String name, String value, double min) throws UsageException {
        try {
            double n = Double.parseDouble(value);
            if (!(n >= min && n <= 3600)) {
                throw new UsageException("bench: " + name + " must be in " + min + "..3600, not " + value);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException("bench: " + name + " must be a number, not '" + value + "'");
        }
    }

    static String name(Kind kind) {
        return kind.name().toLowerCase(Locale.ROOT);
    }

    /** {@link BenchCommand#machine()} with the native ND4J build and the OpenMP threads ND4J set. */
    static Map<String, Object> machine() {
        Map<String, Object> machine = BenchCommand.machine();
        machine.put("ompMaxThreads", NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads());
        machine.put("nd4jNative", List.of(System.getProperty("java.class.path").split(java.io.File.pathSeparator)).stream()
                .filter(p -> !p.isBlank())
                .map(p -> Path.of(p).getFileName().toString())
                .filter(jar -> jar.startsWith("nd4j-native-") && !jar.startsWith("nd4j-native-api")
                        && !jar.startsWith("nd4j-native-preset"))
                .sorted().reduce((a, b) -> a + " " + b).orElse("nd4j-native (in a shaded jar)"));
        machine.put("loadAverage", NetBench.loadAverage());
        return machine;
    }
}
