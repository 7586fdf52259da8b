package io.biostream.launcher.cluster;

import java.nio.file.Path;

/**
 * Where the cluster keeps its state under one directory (./var/cluster): the generated Flink
 * configuration, logs, pid files, Kafka's data, keys, checkpoints and savepoints. {@code cluster
 * down} leaves all of it; the next {@code cluster up} resumes from it.
 */
public record ClusterLayout(Path varDir) {
    public Path conf() { return varDir.resolve("conf"); }
    public Path log() { return varDir.resolve("log"); }
    public Path run() { return varDir.resolve("run"); }
    public Path kafka() { return varDir.resolve("kafka"); }
    public Path keys() { return varDir.resolve("keys"); }
    public Path flink() { return varDir.resolve("flink"); }
    public Path checkpoints() { return flink().resolve("checkpoints"); }
    public Path savepoints() { return flink().resolve("savepoints"); }
    public Path flinkTmp() { return flink().resolve("tmp"); }
    /** The cluster's record: ports, REST URL, the job's id and the last savepoint (a properties file). */
    public Path stateFile() { return run().resolve("cluster.properties"); }
    public Path pidFile(String role) { return run().resolve(role + ".pid"); }
    public Path logFile(String role) { return log().resolve(role + ".log"); }
    /** stdout and stderr of the process (the JVM's own messages; the log has the rest). */
    public Path outFile(String role) { return log().resolve(role + ".out"); }
    /** Written by the broker process once it serves clients and the topics exist. */
    public Path brokerReadyFile() { return run().resolve("broker.ready"); }
}
