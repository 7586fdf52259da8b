package io.biostream.launcher.cluster;

import io.biostream.launcher.local.DemoCamera;
import io.biostream.launcher.local.EmbeddedKafkaBroker;
import io.biostream.launcher.local.FramePublisher;
import io.biostream.launcher.local.KafkaAccess;
import io.biostream.launcher.local.KafkaCredentials;
import io.biostream.operators.config.Settings;
import io.biostream.operators.config.Topics;
import io.biostream.operators.functions.PipelineConfig;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code biostream broker --biostream.cluster.kafka-dir=DIR [--biostream.cluster.kafka-port=N] [--demo]}:
 * the Kafka broker of the cluster on one machine as its own process (a KRaft node on 127.0.0.1,
 * data in DIR), with the pipeline's topics, and the demo camera if asked; runs until SIGTERM.
 */
public final class BrokerCommand {
    static final String DATA_DIR = "biostream.cluster.kafka-dir";
    static final String READY_FILE = "biostream.cluster.ready-file";

    private BrokerCommand() {}

    public static int run(List<String> args, Settings settings, PrintStream out) throws Exception {
        if (args.contains("--help") || args.contains("-h")) {
            out.println("usage: biostream broker --" + DATA_DIR + "=DIR [--" + ClusterPorts.KAFKA_PORT + "=N] [--demo]"
                    + " [--" + READY_FILE + "=FILE] [--biostream.*=...]");
            return 0;
        }
        Path dataDir = Path.of(settings.require(DATA_DIR));
        EmbeddedKafkaBroker broker = new EmbeddedKafkaBroker(dataDir, settings.getInt(ClusterPorts.KAFKA_PORT, 9092, 0, 65_535));
        FramePublisher[] publisher = new FramePublisher[1];
        DemoCamera[] camera = new DemoCamera[1];
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                if (camera[0] != null) {
                    camera[0].close();
                }
                if (publisher[0] != null) {
                    publisher[0].close();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                broker.close();
                stopped.countDown();
            }
        }, "broker-shutdown"));
        broker.start();
        // The job's and the API's SCRAM principals, their ACLs and the demo camera's, before the ready file says "up".
        PipelineConfig pipeline = PipelineConfig.from(settings.with(broker.connection(KafkaCredentials.JOB).settings()));
        Topics topics = pipeline.topics();
        broker.createTopics(topics.newTopics(Topics.DEFAULT_STREAM_PARTITIONS, Math.toIntExact(pipeline.decodeLimits().maxFrameBytes())));
        broker.grant(KafkaAccess.job(pipeline));
        broker.grant(KafkaAccess.api(topics));
        broker.grant(KafkaAccess.camera(DemoCamera.CAMERA_ID, topics));
        broker.connection(KafkaCredentials.API);
        broker.adminConnection();
        if (args.contains("--demo")) {
            publisher[0] = new FramePublisher(broker.connection(KafkaCredentials.camera(DemoCamera.CAMERA_ID)),
                    topics.frames(), 16 * 1024 * 1024, DemoCamera.issueKey(pipeline));
            camera[0] = new DemoCamera(publisher[0]).start(
                    Duration.ofMillis(settings.getLong("biostream.local.demo-interval-ms", 2000, 100, 600_000)));
        }
        String ready = settings.get(READY_FILE, null);
        if (ready != null) {
            Files.writeString(Path.of(ready), broker.bootstrapServers() + "\n");
        }
        out.println("Kafka broker on " + broker.bootstrapServers() + " (data " + dataDir + ")"
                + (camera[0] != null ? ", demo camera " + DemoCamera.CAMERA_ID : ""));
        out.flush();
        stopped.await();
        return 0;
    }
}
