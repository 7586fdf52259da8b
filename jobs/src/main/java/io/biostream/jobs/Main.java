package io.biostream.jobs;

import io.biostream.operators.config.Settings;
import java.util.Arrays;
import java.util.List;

/** {@code bin/biostream COMMAND ...}: local mode and the command-line tools. */
public final class Main {
    private Main() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            usage();
            System.exit(2);
        }
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        Settings settings = new Settings(Settings.parseFlags(args), System.getenv(), java.util.Map.of());
        int status = switch (args[0]) {
            case "local" -> LocalCommand.run(rest, System.getenv(), System.out, System.err);
            case "describe" -> DescribeCommand.run(rest, settings, System.out, System.err);
            case "eval" -> EvalCommand.run(rest, settings, System.out, System.err);
            case "bench" -> BenchCommand.run(rest, System.out, System.err);
            default -> {
                usage();
                yield 2;
            }
        };
        System.exit(status);
    }

    private static void usage() {
        System.err.println("""
                usage: biostream COMMAND [ARGS]
                  local [--demo] [--key=value...]   run Kafka, Flink, the pipeline job and the API on this machine
                  describe [--crop] FILE...          print faces and 128-d descriptors of image files as JSON lines
                  eval verify DIR [--json OUT] [--threshold T] [--border F] [--no-fallback]
                                                     verification figures over a folder of identity folders
                  bench gallery [--sizes 1000,10000,100000,1000000] [--probes N] [--batch B] [--k K]
                                [--seconds S] [--templates-per-subject T] [--seed X] [--json OUT]
                                                     1:N matching latency, throughput and memory on synthetic galleries
                """);
    }
}
