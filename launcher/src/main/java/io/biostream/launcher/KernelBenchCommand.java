package io.biostream.launcher;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * {@code biostream bench kernels [JMH options] [benchmark regex]}: the JMH microbenchmarks of the
 * kernels around the nets (package {@code io.biostream.launcher.bench.kernels}: 1:N matching,
 * frame decode, template sealing), with JMH's own options (e.g. {@code -f 1 -wi 3 -i 5 -rf json
 * -rff out.json}, {@code -p templates=1000000}, {@code -h}). Forks run on this process's class
 * path and JVM options. Without a regex, all of them.
 */
final class KernelBenchCommand {
    static final String USAGE = "usage: biostream bench kernels [JMH options, -h lists them] [benchmark regex]";
    /** Where the kernel benchmarks live: the default selection. */
    static final String PACKAGE = "io.biostream.launcher.bench.kernels";

    private KernelBenchCommand() {}

    static int run(List<String> args, PrintStream err) {
        List<String> options = new ArrayList<>(args);
        CommandLineOptions parsed;
        try {
            parsed = new CommandLineOptions(options.toArray(String[]::new));
            if (parsed.getIncludes().isEmpty()) {
                options.add(PACKAGE.replace(".", "\\.") + "\\..*");
                parsed = new CommandLineOptions(options.toArray(String[]::new));
            }
        } catch (CommandLineOptionException e) {
            err.println("bench kernels: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
        try {
            if (parsed.shouldHelp()) {
                parsed.showHelp();
                return 0;
            }
            if (parsed.shouldList()) {
                new Runner(parsed).list();
                return 0;
            }
            // JMH prints its progress and tables to stdout; a failed benchmark is an empty result.
            int results = new Runner(parsed).run().size();
            if (results == 0) {
                err.println("bench kernels: no benchmark ran (none matched, or each failed: above)");
                return 1;
            }
            return 0;
        } catch (RunnerException | IOException e) {
            err.println("bench kernels failed: " + e.getMessage());
            return 1;
        }
    }
}
