package io.biostream.launcher.local;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kafka broker in this JVM: one KRaft node acting as broker and controller, every listener
 * on 127.0.0.1, data in a directory the caller owns. A directory formatted by an earlier start is
 * reused as is, so topics and records survive a restart.
 *
 * <p>Started from {@link KafkaRaftServer} (what {@code kafka-server-start} runs) rather than
 * Kafka's test kit, which binds every address.
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    /**
     * The longest transaction the broker accepts (Kafka's default, 15 min). A transactional
     * producer's {@code transaction.timeout.ms}, such as an exactly-once Flink KafkaSink's, must not
     * exceed it or its InitProducerId request is refused.
     */
    public static final Duration TRANSACTION_MAX_TIMEOUT = Duration.ofMinutes(15);

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    private static final int NODE_ID = 1;
    private static final String BROKER_LISTENER = "PLAINTEXT";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

    private final Path dataDir;
    private final int requestedBrokerPort;

    private KafkaRaftServer server;
    private int brokerPort;
    private Duration startDuration = Duration.ZERO;

    /** A broker on a free port, keeping its data in {@code dataDir}. */
    public EmbeddedKafkaBroker(Path dataDir) {
        this(dataDir, 0);
    }

    /** A broker on {@code brokerPort} (0: a free port), keeping its data in {@code dataDir}. */
    public EmbeddedKafkaBroker(Path dataDir, int brokerPort) {
        if (brokerPort < 0 || brokerPort > 65535) {
            throw new IllegalArgumentException("broker port out of range: " + brokerPort);
        }
        this.dataDir = dataDir.toAbsolutePath().normalize();
        this.requestedBrokerPort = brokerPort;
    }

    /** Formats the data directory if it is new, starts the node and waits until it serves clients. */
    public synchronized EmbeddedKafkaBroker start() {
        if (server != null) {
            throw new IllegalStateException("broker already started on " + bootstrapServers());
        }
        long begin = System.nanoTime();
        brokerPort = requestedBrokerPort == 0 ? Loopback.freePort() : requestedBrokerPort;
        int controllerPort = Loopback.freePort();
        Properties props = serverProperties(dataDir, brokerPort, controllerPort);
        try {
            formatIfNew(dataDir);
            KafkaRaftServer starting = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
            server = starting;
            starting.startup();
            awaitReady();
        } catch (RuntimeException | IOException e) {
            close();
            throw new IllegalStateException("Kafka broker did not start in " + dataDir, e);
        }
        startDuration = Duration.ofNanos(System.nanoTime() - begin);
        LOG.info("Kafka broker on {} (data {}) ready in {} ms", bootstrapServers(), dataDir, startDuration.toMillis());
        return this;
    }

    /** {@code 127.0.0.1:port}, for a client's {@code bootstrap.servers}. */
    public String bootstrapServers() {
        requireStarted();
        return Loopback.HOST + ":" + brokerPort;
    }

    /** The port clients connect to. */
    public int port() {
        requireStarted();
        return brokerPort;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** How long the last {@link #start()} took, from formatting to the first answered request. */
    public Duration startDuration() {
        return startDuration;
    }

    /** Same as {@link #TRANSACTION_MAX_TIMEOUT}. */
    public Duration transactionMaxTimeout() {
        return TRANSACTION_MAX_TIMEOUT;
    }

    /** Creates the topics that do not exist yet; existing ones are left untouched. */
    public void createTopics(Collection<NewTopic> topics) {
        try (Admin admin = Admin.create(adminConfig())) {
            Map<String, KafkaFuture<Void>> results = admin.createTopics(topics).values();
            for (Map.Entry<String, KafkaFuture<Void>> result : results.entrySet()) {
                awaitCreated(result.getKey(), result.getValue());
            }
        }
    }

    /** Stops the node (waiting at most 30 s) and keeps its data directory. */
    @Override
    public synchronized void close() {
        KafkaRaftServer stopping = server;
        server = null;
        if (stopping == null) {
            return;
        }
        long begin = System.nanoTime();
        Thread shutdown = new Thread(() -> {
            stopping.shutdown();
            stopping.awaitShutdown();
        }, "kafka-broker-shutdown");
        shutdown.setDaemon(true);
        shutdown.start();
        try {
            shutdown.join(SHUTDOWN_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (shutdown.isAlive()) {
            LOG.warn("Kafka broker in {} did not stop within {} s", dataDir, SHUTDOWN_TIMEOUT.toSeconds());
        } else {
            LOG.info("Kafka broker in {} stopped in {} ms", dataDir, Duration.ofNanos(System.nanoTime() - begin).toMillis());
        }
    }

    /** Client settings that reach this broker, for an Admin client. */
    public Properties adminConfig() {
        Properties config = new Properties();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, "biostream-embedded-admin");
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) ADMIN_TIMEOUT.toMillis());
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) ADMIN_TIMEOUT.toMillis());
        return config;
    }

    static Properties serverProperties(Path dataDir, int brokerPort, int controllerPort) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(NODE_ID));
        // Static quorum of this one node: nothing to discover, nothing to join.
        p.put("controller.quorum.voters", NODE_ID + "@" + Loopback.HOST + ":" + controllerPort);
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("inter.broker.listener.name", BROKER_LISTENER);
        p.put("listeners", BROKER_LISTENER + "://" + Loopback.HOST + ":" + brokerPort + ","
                + CONTROLLER_LISTENER + "://" + Loopback.HOST + ":" + controllerPort);
        p.put("advertised.listeners", BROKER_LISTENER + "://" + Loopback.HOST + ":" + brokerPort);
        p.put("listener.security.protocol.map", BROKER_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.put("log.dirs", dataDir.toString());
        p.put("metadata.log.dir", dataDir.toString());

        // One node: every internal topic has one replica, and one partition is plenty.
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("num.partitions", "1");

        p.put("transaction.max.timeout.ms", Long.toString(TRANSACTION_MAX_TIMEOUT.toMillis()));
        // A lone consumer need not wait for others to join.
        p.put("group.initial.rebalance.delay.ms", "0");
        // Topics are declared (Topics); a typo must fail, not create a topic.
        p.put("auto.create.topics.enable", "false");

        // Sized for a small shared host: the cleaner's 128 MiB default buffer is far more than
        // a handful of compacted topics needs.
        p.put("log.cleaner.dedupe.buffer.size", Integer.toString(8 * 1024 * 1024));
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "4");
        p.put("background.threads", "4");
        return p;
    }

    /** Writes meta.properties and the bootstrap metadata into a new directory. */
    private static void formatIfNew(Path dataDir) throws IOException {
        if (Files.exists(dataDir.resolve("meta.properties"))) {
            LOG.info("Reusing formatted Kafka data directory {}", dataDir);
            return;
        }
        Files.createDirectories(dataDir);
        Formatter formatter = new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setNodeId(NODE_ID)
                .setClusterId(Uuid.randomUuid().toString())
                .setDirectories(List.of(dataDir.toString()))
                .setMetadataLogDirectory(dataDir.toString())
                .setControllerListenerName(CONTROLLER_LISTENER); // release version: latest production
        try {
            formatter.run();
        } catch (Exception e) {
            throw new IOException("could not format Kafka data directory " + dataDir, e);
        }
        LOG.info("Formatted Kafka data directory {} (cluster {})", dataDir, formatter.clusterId());
    }

    /** Waits until the broker answers a metadata request, i.e. it is registered and unfenced. */
    private void awaitReady() {
        try (Admin admin = Admin.create(adminConfig())) {
            int nodes = admin.describeCluster().nodes().get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).size();
            if (nodes != 1) {
                throw new IllegalStateException("expected one live broker, saw " + nodes);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the broker", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("broker not ready within " + READY_TIMEOUT.toSeconds() + " s", e);
        }
    }

    private static void awaitCreated(String topic, KafkaFuture<Void> creation) {
        try {
            creation.get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            LOG.info("Created topic {}", topic);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("could not create topic " + topic, e.getCause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topic " + topic, e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("topic " + topic + " not created within " + ADMIN_TIMEOUT.toSeconds() + " s", e);
        }
    }

    private void requireStarted() {
        if (server == null) {
            throw new IllegalStateException("broker not started");
        }
    }
}
