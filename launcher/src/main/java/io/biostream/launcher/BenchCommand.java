package io.biostream.launcher;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.biostream.launcher.bench.GalleryBench;
import io.biostream.launcher.bench.GalleryBench.Plan;
import io.biostream.launcher.bench.GalleryBench.Result;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code biostream bench gallery [--sizes 1000,10000,100000,1000000] [--probes N] [--batch B]
 * [--k K] [--seconds S] [--templates-per-subject T] [--seed X] [--json OUT]}: 1:N matching
 * latency, throughput and memory over synthetic galleries (see {@link GalleryBench}).
 * {@code biostream bench pipeline [...]}: the load test of the whole pipeline in local mode (see
 * {@link PipelineBenchCommand}). {@code biostream bench describe|detect [...]}: the face nets alone (see
 * {@link NetBenchCommand}). {@code biostream bench kernels [JMH options]}: the JMH microbenchmarks
 * (see {@link KernelBenchCommand}). Progress to stderr, the table to stdout.
 */
public final class BenchCommand {
    static final String USAGE = "usage: biostream bench gallery [--sizes 1000,10000,100000,1000000] [--probes N]"
            + " [--batch B] [--k K] [--seconds S] [--templates-per-subject T] [--seed X] [--json OUT]";
    /** 16M templates would need 8 GiB of matrix: beyond any one instance this command is for. */
    static final int MAX_SIZE = 1 << 24;
    private static final ObjectMapper JSON = new ObjectMapper();

    record Options(List<Integer> sizes, Plan plan, Path json) {}


    private BenchCommand() {}

    public static int run(List<String> args, PrintStream out, PrintStream err) {
        return run(args, Map.of(), out, err);
    }

    /** @param env the environment: BIOSTREAM_HOME locates flink-conf and ../shared for {@code bench pipeline} */
    public static int run(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) {
        if (!args.isEmpty() && args.get(0).equals("pipeline")) {
            return PipelineBenchCommand.run(args.subList(1, args.size()), env, out, err);
        }
        if (!args.isEmpty() && args.get(0).equals("kernels")) {
            return KernelBenchCommand.run(args.subList(1, args.size()), err);
        }
        if (!args.isEmpty() && (args.get(0).equals("describe") || args.get(0).equals("detect"))) {
            return NetBenchCommand.run(args.get(0).equals("describe") ? NetBenchCommand.Kind.DESCRIBE : NetBenchCommand.Kind.DETECT,
                    args.subList(1, args.size()), env, out, err);
        }
        Options options;
        try {
            options = parse(args);
        } catch (UsageException e) {
            err.println(e.getMessage());
            err.println(USAGE);
            return 2;
        }
        Map<String, Object> machine = machine();
        err.println("bench gallery: " + machine);
        List<Result> results = new ArrayList<>();
        for (int size : options.sizes()) {
            results.add(GalleryBench.run(size, options.plan(), err));
            err.println(row(results.get(results.size() - 1)));
        }
        out.print(table(options.plan(), results));
        if (options.json() != null) {
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("machine", machine);
            report.put("plan", options.plan());
            report.put("results", results);
            try {
                JSON.writerWithDefaultPrettyPrinter().writeValue(options.json().toFile(), report);
            } catch (IOException e) {
                err.println("bench: cannot write " + options.json() + ": " + e.getMessage());
                return 1;
            }
        }
        return 0;
    }

    static Options parse(List<String> args) throws UsageException {
        if (args.isEmpty() || !args.get(0).equals("gallery")) {
            throw new UsageException("bench: the benchmarks are 'gallery', 'pipeline', 'describe' and 'detect'");
        }
        List<Integer> sizes = List.of(1_000, 10_000, 100_000, 1_000_000);
        int probes = 1000;
        int batch = 64;
        int k = 5;
        double seconds = 20;
        int perSubject = 2;
        long seed = 42;
        Path json = null;
        for (Flag flag : flags(args, 1)) {
            String name = flag.name();
            String value = flag.value();
            switch (name) {
                case "--sizes" -> sizes = sizes(value);
                case "--probes" -> probes = integer(name, value, 2, 1_000_000);
                case "--batch" -> batch = integer(name, value, 1, 4096);
                case "--k" -> k = integer(name, value, 1, 10_000);
                case "--seconds" -> seconds = seconds(value);
                case "--templates-per-subject" -> perSubject = integer(name, value, 1, 1000);
                case "--seed" -> seed = integer(name, value, 0, Integer.MAX_VALUE);
                case "--json" -> json = Path.of(value);
                default -> throw new UsageException("bench: unexpected argument '" + flag.arg() + "'");
            }
        }
        requireFolderOf(json);
        return new Options(sizes, new Plan(probes, batch, k, seconds, perSubject, seed), json);
    }

    /** One "--name value" or "--name=value" argument of a bench. */
    record Flag(String name, String value, boolean inline, String arg) {}

    /** The flags from {@code args[from]} on, each with its value. */
    static List<Flag> flags(List<String> args, int from) throws UsageException {
        List<Flag> flags = new ArrayList<>();
        for (int i = from; i < args.size(); i++) {
            String arg = args.get(i);
            boolean inline = arg.contains("=");
            String name = inline ? arg.substring(0, arg.indexOf('=')) : arg;
            if (inline) {
                flags.add(new Flag(name, arg.substring(arg.indexOf('=') + 1), true, arg));
            } else if (i + 1 < args.size()) {
                flags.add(new Flag(name, args.get(++i), false, arg));
            } else {
                throw new UsageException("bench: " + name + " needs a value");
            }
        }
        return flags;
    }

    /** Refuses a --json file whose folder does not exist, before a bench runs for minutes. */
    static void requireFolderOf(Path json) throws UsageException {
        if (json != null && json.toAbsolutePath().getParent() != null && !Files.isDirectory(json.toAbsolutePath().getParent())) {
            throw new UsageException("bench: folder of " + json + " does not exist");
        }
    }

    static String table(Plan plan, List<Result> results) {
        return GalleryBench.table(plan, results);
    }

    static String row(Result r) {
        return GalleryBench.row(r);
    }

    static Map<String, Object> machine() {
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("processors", Runtime.getRuntime().availableProcessors());
        machine.put("cpu", cpuModel());
        machine.put("OMP_NUM_THREADS", System.getenv().getOrDefault("OMP_NUM_THREADS", "unset"));
        machine.put("blasThreads", Nd4j.factory().blas().getMaxThreads());
        machine.put("blas", String.valueOf(Nd4j.factory().blas().getBlasVendor()));
        machine.put("nd4jBackend", Nd4j.getBackend().getClass().getSimpleName());
        machine.put("maxHeapMB", Runtime.getRuntime().maxMemory() / (1 << 20));
        machine.put("java", System.getProperty("java.version"));
        machine.put("jvm", System.getProperty("java.vm.name") + " " + System.getProperty("java.vm.version"));
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
        return machine;
    }

    private static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(line -> line.startsWith("model name"))
                    .map(line -> line.substring(line.indexOf(':') + 1).trim())
                    .findFirst().orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static List<Integer> sizes(String value) throws UsageException {
        List<Integer> sizes = new ArrayList<>();
        for (String part : value.split(",")) {
            sizes.add(integer("--sizes", part.trim().replace("_", ""), 1, MAX_SIZE));
        }
        return List.copyOf(sizes);
    }

    static int integer(String name, String value, int min, int max) throws UsageException {
        try {
            int n = Integer.parseInt(value);
            if (n < min || n > max) {
                throw new UsageException("bench: " + name + " must be in " + min + ".." + max + ", not " + n);
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException("bench: " + name + " must be a whole number, not '" + value + "'");
        }
    }

    private static double seconds(String value) throws UsageException {
        try {
            double s = Double.parseDouble(value);
            if (!(s > 0 && s <= 3600)) {
                throw new UsageException("bench: --seconds must be in (0, 3600], not " + value);
            }
            return s;
        } catch (NumberFormatException e) {
            throw new UsageException("bench: --seconds must be a number, not '" + value + "'");
        }
    }
}
