package io.biostream.launcher.cluster;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.client.deployment.StandaloneClusterId;
import org.apache.flink.client.program.PackagedProgram;
import org.apache.flink.client.program.PackagedProgramUtils;
import org.apache.flink.client.program.rest.RestClusterClient;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;

/**
 * What {@code flink run} does, as a JVM of its own with Flink's lib/ as its classpath (and this
 * class): runs the job jar's main in the jar's class loader to build the job graph, then submits
 * graph and jar to the JobManager's REST API. Its own JVM because the launcher's classpath holds
 * the job's libraries (the Kafka connector, Kafka's client): a jar whose classes meet a second copy
 * of them fails with loader constraint violations, as it would on a cluster whose lib/ held them.
 *
 * <p>{@code JobSubmitter CONF_DIR JAR PARALLELISM RESTORE_PATH|- JOB_ID_FILE [JOB_ARG...]}
 */
public final class JobSubmitter {
    private JobSubmitter() {}

    public static void main(String[] args) throws Exception {
        Path confDir = Path.of(args[0]);
        Path jar = Path.of(args[1]);
        int parallelism = Integer.parseInt(args[2]);
        String restorePath = args[3];
        Path jobIdFile = Path.of(args[4]);
        List<String> jobArgs = Arrays.asList(args).subList(5, args.length);

        Configuration conf = GlobalConfiguration.loadConfiguration(confDir.toString());
        SavepointRestoreSettings restore = restorePath.equals("-") ? SavepointRestoreSettings.none()
                : SavepointRestoreSettings.forPath(restorePath, false);
        SavepointRestoreSettings.toConfiguration(restore, conf);
        JobGraph graph;
        try (PackagedProgram program = PackagedProgram.newBuilder()
                .setJarFile(jar.toFile())
                .setArguments(jobArgs.toArray(String[]::new))
                .setConfiguration(conf)
                .setSavepointRestoreSettings(restore)
                .build()) {
            graph = PackagedProgramUtils.createJobGraph(program, conf, parallelism, null, false);
        }
        graph.setSavepointRestoreSettings(restore);
        try (RestClusterClient<StandaloneClusterId> client = new RestClusterClient<>(conf, StandaloneClusterId.getInstance())) {
            JobID id = client.submitJob(graph).get(5, TimeUnit.MINUTES);
            Files.writeString(jobIdFile, id.toHexString() + "\n", StandardCharsets.UTF_8);
        }
        System.exit(0); // the REST client's threads must not keep this JVM
    }
}
