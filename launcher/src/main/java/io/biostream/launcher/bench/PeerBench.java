package io.biostream.launcher.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The JavaScript peer's own benchmark (face-api 1.7.15 on tfjs wasm: {@code scripts/bench.js} of
 * ../shared/goldens/tools), run in a cache folder under target/ so that ../shared is only read:
 * package.json, the lock file and the scripts are copied there, {@code npm ci} runs once (again
 * only when the lock file changes), and the crops and photos are linked in. Its JSON output is
 * read into the figures the Java benchmarks compare with.
 */
public final class PeerBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The photos bench.js reads, in its order: sample1.png ... sample6.png. */
    static final int MAX_SAMPLES = 6;

    /**
     * The peer's figures: per-second rates from its medians. {@code ssd*} are over its photos,
     * rates from the sum of the per-photo medians (the peer times each photo 5 times).
     */
    public record Figures(Map<String, Object> env, int crops, double descriptorBatchFacesPerSecond,
                          double descriptorSingleFacesPerSecond, double landmarkBatchFacesPerSecond, int images,
                          int faces, double ssdDetectImagesPerSecond, double ssdFullImagesPerSecond,
                          double ssdFullFacesPerSecond, double loadBefore, double loadAfter) {}

    /** Either the figures or why there are none. */
    public record Outcome(Figures figures, String skipped) {
        static Outcome skipped(String why) {
            return new Outcome(null, why);
        }
    }

    /**
     * @param tools   ../shared/goldens/tools (package.json, package-lock.json, scripts/)
     * @param cache   the writable copy, e.g. target/peer-bench
     * @param timeout for npm ci and for the benchmark, each
     */
    public record Setup(Path tools, Path cache, int descriptorReps, int pipelineReps, Duration timeout) {
        /** The tools in ../shared beside the clone at {@code home}, the cache in its target/, bench.js's own repetitions. */
        public static Setup beside(Path home) {
            return new Setup(home.resolve("../shared/goldens/tools").normalize(), home.resolve("target/peer-bench"), 7, 5,
                    Duration.ofMinutes(15));
        }
    }

    private PeerBench() {}

    /** The benchmark, or why it was skipped (no ../shared, no node or npm, npm ci or the run failed). */
    public static Outcome run(Setup setup, PrintStream progress) {
        Path tools = setup.tools();
        Path goldens = tools.toAbsolutePath().normalize().getParent();
        if (!Files.isRegularFile(tools.resolve("package.json")) || !Files.isRegularFile(tools.resolve("scripts/bench.js"))) {
            return Outcome.skipped("the JavaScript peer's tools are not in " + tools + " (../shared beside the clone)");
        }
        int images = sampleCount(goldens.resolve("images"));
        if (images == 0 || !Files.isRegularFile(goldens.resolve("crops/crops.json"))) {
            return Outcome.skipped("no sample1.png or crops/crops.json in " + goldens);
        }
        try {
            for (String tool : List.of("node", "npm")) {
                if (exec(List.of(tool, "--version"), null, Duration.ofSeconds(60), progress, false) != 0) {
                    return Outcome.skipped(tool + " --version failed: node and npm are needed on the PATH");
                }
            }
        } catch (IOException e) {
            return Outcome.skipped("node and npm are needed on the PATH (" + e.getMessage() + ")");
        }
        try {
            Path cache = prepare(tools, goldens, setup.cache());
            Path lock = cache.resolve("package-lock.json");
            Path installed = cache.resolve("node_modules/.biostream-installed-lock.json");
            if (!Files.exists(installed) || Files.mismatch(lock, installed) != -1) {
                progress.println("peer: npm ci in " + cache + " (once; needs the npm registry unless npm's cache has the packages)");
                int status = exec(List.of("npm", "ci", "--prefer-offline", "--no-audit", "--no-fund"), cache, setup.timeout(),
                        progress, true);
                if (status != 0) {
                    return Outcome.skipped("npm ci failed in " + cache + " (exit " + status + ")");
                }
                Files.copy(lock, installed, StandardCopyOption.REPLACE_EXISTING);
            }
            Path output = cache.resolve("timing/bench_wasm.json");
            Files.deleteIfExists(output);
            double loadBefore = NetBench.loadAverage();
            progress.printf("peer: node scripts/bench.js wasm %d %d %d (%d photos)%n", setup.descriptorReps(),
                    setup.pipelineReps(), images, images);
            int status = exec(List.of("node", "scripts/bench.js", "wasm", Integer.toString(setup.descriptorReps()),
                    Integer.toString(setup.pipelineReps()), Integer.toString(images)), cache, setup.timeout(), progress, true);
            if (status != 0 || !Files.isRegularFile(output)) {
                return Outcome.skipped("the peer's benchmark failed (exit " + status + "; no " + output + ")");
            }
            return new Outcome(parse(JSON.readTree(output.toFile()), loadBefore, NetBench.loadAverage()), null);
        } catch (IOException e) {
            return Outcome.skipped("the peer's benchmark could not run: " + e.getMessage());
        }
    }

    /** The figures of bench.js's JSON ({@code timing/bench_<backend>.json}). */
    static Figures parse(JsonNode json, double loadBefore, double loadAfter) throws IOException {
        JsonNode rows = json.path("pipeline");
        if (!rows.isArray() || rows.isEmpty() || json.at("/descriptorBatch/facesPerSec").isMissingNode()) {
            throw new IOException("not the output of the peer's bench.js: no descriptorBatch or pipeline");
        }
        double detectMs = 0;
        double fullMs = 0;
        int faces = 0;
        for (JsonNode row : rows) {
            detectMs += required(row, "/ssdDetectOnly/medianMs");
            fullMs += required(row, "/ssdFull/medianMs");
            faces += (int) required(row, "/ssdFull/faces");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> env = JSON.convertValue(json.path("env"), Map.class);
        return new Figures(env, json.at("/descriptorBatch/faces").asInt(), required(json, "/descriptorBatch/facesPerSec"),
                required(json, "/descriptorSingle/facesPerSec"), required(json, "/landmarkBatch/facesPerSec"), rows.size(),
                faces, rows.size() / (detectMs / 1000), rows.size() / (fullMs / 1000), faces / (fullMs / 1000),
                loadBefore, loadAfter);
    }

    private static double required(JsonNode node, String pointer) throws IOException {
        JsonNode value = node.at(pointer);
        if (!value.isNumber()) {
            throw new IOException("the peer's output has no number at " + pointer);
        }
        return value.asDouble();
    }

    /** How many of sample1.png, sample2.png, ... (in order, without a gap) are in {@code images}. */
    static int sampleCount(Path images) {
        int n = 0;
        while (n < MAX_SAMPLES && Files.isRegularFile(images.resolve("sample" + (n + 1) + ".png"))) {
            n++;
        }
        return n;
    }

    /** The writable copy: the tools' package files and scripts, and links to the goldens' crops and photos. */
    private static Path prepare(Path tools, Path goldens, Path cache) throws IOException {
        Files.createDirectories(cache.resolve("scripts"));
        for (String file : List.of("package.json", "package-lock.json")) {
            Files.copy(tools.resolve(file), cache.resolve(file), StandardCopyOption.REPLACE_EXISTING);
        }
        try (Stream<Path> scripts = Files.list(tools.resolve("scripts"))) {
            for (Path script : scripts.filter(Files::isRegularFile).toList()) {
                Files.copy(script, cache.resolve("scripts").resolve(script.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        for (String folder : List.of("crops", "images")) {
            Path link = cache.resolve(folder);
            Path target = goldens.resolve(folder);
            if (Files.isSymbolicLink(link) && Files.readSymbolicLink(link).equals(target)) {
                continue;
            }
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, target);
        }
        return cache;
    }

    /** Runs a command, its output (stdout and stderr) line by line to {@code progress} when {@code echo}. */
    private static int exec(List<String> command, Path dir, Duration timeout, PrintStream progress, boolean echo)
            throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        if (dir != null) {
            builder.directory(dir.toFile());
        }
        Process process = builder.start();
        Deque<String> tail = new ArrayDeque<>();
        Thread pump = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (echo) {
                        progress.println("peer: " + line);
                    }
                    synchronized (tail) {
                        tail.addLast(line);
                        if (tail.size() > 20) {
                            tail.removeFirst();
                        }
                    }
                }
            } catch (IOException e) {
                // the process ended or was killed: its exit status says what happened
            }
        }, "peer-output");
        pump.setDaemon(true);
        pump.start();
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                progress.println("peer: " + String.join(" ", command) + " ran past " + timeout.toSeconds() + " s: stopped");
                return 124;
            }
            pump.join(5_000);
            if (process.exitValue() != 0 && !echo) {
                synchronized (tail) {
                    tail.forEach(line -> progress.println("peer: " + line));
                }
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            return 130;
        }
    }
}
