package io.biostream.launcher;

import io.biostream.api.ApiCommand;
import io.biostream.launcher.cluster.BrokerCommand;
import io.biostream.launcher.cluster.ClusterCommand;
import io.biostream.operators.config.PortCheck;
import io.biostream.operators.config.Settings;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code bin/biostream COMMAND ...}: local mode, the API service and the command-line tools. */
public final class Main {
    private static final Logger LOG = LoggerFactory.getLogger(Main.class);
    private Main() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0) {
            usage();
            System.exit(2);
        }
        // System.exit in every case: a failed start may leave non-daemon threads of Kafka or Flink
        // behind, which would keep the JVM (and the ports) alive after main returns.
        System.exit(run(args, System.err));
    }

    /** Runs one command; a failure is reported on {@code err} in one line (the log has the stack) and gives status 1. */
    static int run(String[] args, PrintStream err) {
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        try {
            Settings settings = new Settings(Settings.parseFlags(args), System.getenv(), java.util.Map.of());
            return switch (args[0]) {
                case "local" -> LocalCommand.run(rest, System.getenv(), System.out, err);
                case "api" -> ApiCommand.run(rest, System.getenv(), System.out, err);
                case "describe" -> DescribeCommand.run(rest, settings, System.out, err);
                case "eval" -> EvalCommand.run(rest, settings, System.out, err);
                case "bench" -> BenchCommand.run(rest, System.getenv(), System.out, err);
                case "camera" -> CameraCommand.run(rest, settings, System.out, err);
                case "cluster" -> ClusterCommand.run(rest, System.getenv(), System.out, err);
                case "broker" -> BrokerCommand.run(rest, settings, System.out);
                case "keys" -> KeysCommand.run(rest, settings, System.out, err);
                default -> {
                    usage();
                    yield 2;
                }
            };
        } catch (Exception | LinkageError e) {
            LOG.error("biostream {} failed", args[0], e);
            err.println("biostream " + args[0] + " failed: " + PortCheck.reason(e));
            return 1;
        }
    }

    private static void usage() {
        System.err.println("""
                usage: biostream COMMAND [ARGS]
                  local [--demo] [--key=value...]   run Kafka, Flink, the pipeline job and the API on this machine
                  api [--config FILE] [--key=value...]
                                                     run the API alone, against a Kafka cluster and a Flink
                                                     cluster's queryable-state proxy
                  describe [--crop] FILE...          print faces and 128-d descriptors of image files as JSON lines
                  eval verify DIR [--json OUT] [--threshold T] [--border F] [--no-fallback]
                              [--crop face-api|aligned] [--mirror|--no-mirror] [--cascade[=STAGES|off]]
                                                     verification figures over a folder of identity folders
                  eval identify DIR [--strangers DIR2] [--seed S] [--json OUT] [--threshold T] [--border F]
                                [--no-fallback] [--crop face-api|aligned] [--mirror] [--cascade[=STAGES]]
                                                     1:N identification: rank-1, rank-5, FNIR at FPIR 1e-2
                  bench gallery [--sizes 1000,10000,100000,1000000] [--probes N] [--batch B] [--k K]
                                [--seconds S] [--templates-per-subject T] [--seed X] [--json OUT]
                                                     1:N matching latency, throughput and memory on synthetic galleries
                  bench pipeline [--cameras N] [--fps F] [--seconds D] [--warmup W] [--bad-ratio R]
                                 [--bad-control-per-second C] [--drain S] [--photos DIR] [--peer] [--json OUT]
                                                     the load test: N cameras through Kafka, the job and back, with bad
                                                     frames and forged control events (local mode in a temporary folder)
                  bench describe|detect [--batches 1,4,9,16,32] [--threads 1,2] [--slots 1,2] [--warmup S]
                                 [--seconds S] [--crops DIR] [--photos DIR] [--peer] [--json OUT]
                                                     the face nets alone by batch size, OpenMP thread count and slots
                                                     (net instances at once); --peer: beside the JavaScript peer's
                                                     benchmark, with ratios
                  bench kernels [JMH options, -h lists them] [regex]
                                                     JMH microbenchmarks: 1:N matching, frame decode, template sealing
                  camera (--video FILE | --images DIR | --device /dev/videoN) --camera-id ID [--fps N]
                         [--max-side PX] [--jpeg-quality Q] [--session-id ID] [--max-frames N] [--duration S]
                         [--loop] [--bootstrap-servers HOST:PORT] [--biostream.kafka.*=...]
                                                     publish a video file, a folder of images or a V4L2 camera
                                                     to the frames topic as JPEG frames
                  cluster up [--demo] | status | down | taskmanager N | stop | submit [--from=PATH]
                                                     a Flink cluster of separate processes on this machine (JobManager,
                                                     two TaskManagers, Kafka), the job jar submitted over REST
                  keys control-signing init|add-key|promote --dir=DIR --biostream.crypto.kek-uri=URI
                                                     the keyset that signs control events (sealed under the KEK)
                                                     and its public half, for a deployment's Secret
                  keys camera init|issue --camera-id=ID|rotate|retire --dir=DIR --biostream.crypto.kek-uri=URI
                                                     the camera master (sealed under the KEK) the job authenticates
                                                     frames with, and each camera's key derived from it
                  broker --biostream.cluster.kafka-dir=DIR [--biostream.cluster.kafka-port=N] [--demo]
                                                     the Kafka broker alone (the cluster starts it as its own process)
                """);
    }
}
