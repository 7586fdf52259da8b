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

import io.biostream.operators.config.KafkaConnection;
import java.util.Locale;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.errors.ResourceNotFoundException;
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
 * <p>Nobody connects without credentials, not even from this host: both listeners are
 * SASL_PLAINTEXT. The node's own principal ({@value KafkaCredentials#BROKER}, a super user) uses
 * PLAIN on both (KRaft controllers cannot use SCRAM: they authenticate before the metadata log that
 * holds SCRAM credentials is read); every client principal uses SCRAM-SHA-512, with credentials the
 * broker creates on start from {@link KafkaCredentials} (generated passwords, owner-only files in
 * {@code <dataDir>-credentials}, reused on every start). StandardAuthorizer refuses whatever no
 * ACL allows ({@link KafkaAccess}).
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
    private static final String BROKER_LISTENER = "BROKER";
    private static final String CONTROLLER_LISTENER = "CONTROLLER";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
    /** Kafka's minimum for SCRAM-SHA-512 is 4096. */
    private static final int SCRAM_ITERATIONS = 8192;

    private final Path dataDir;
    private final Path credentialsDir;
    private final int requestedBrokerPort;
    private KafkaCredentials credentials;
    /** The client principals whose credential this start has put on the broker. */
    private final Map<String, KafkaConnection> connections = new java.util.HashMap<>();
    private String brokerPassword;

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
        this.credentialsDir = credentialsDir(this.dataDir);
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
        try {
            credentials = KafkaCredentials.open(credentialsDir);
            brokerPassword = credentials.password(KafkaCredentials.BROKER);
            Properties props = serverProperties(dataDir, brokerPort, controllerPort, brokerPassword);
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

    /** Where the principals' password files are: {@code <dataDir>-credentials}. */
    public Path credentialsDir() {
        return credentialsDir;
    }

    /** Where a broker on {@code dataDir} keeps its principals' password files: {@code <dataDir>-credentials} beside it. */
    public static Path credentialsDir(Path dataDir) {
        Path data = dataDir.toAbsolutePath().normalize();
        return data.resolveSibling(data.getFileName() + "-credentials");
    }

    /**
     * The connection of SCRAM principal {@code principal} (such as {@link KafkaCredentials#JOB}):
     * its credential is created on the broker now (password generated, or the stored one reused);
     * what it may do is what {@link #grant} allowed it.
     */
    public synchronized KafkaConnection connection(String principal) {
        requireStarted();
        if (KafkaCredentials.BROKER.equals(principal)) {
            throw new IllegalArgumentException("the broker principal uses PLAIN and is no client principal");
        }
        KafkaConnection made = connections.get(principal);
        if (made != null) {
            return made;
        }
        try (Admin admin = Admin.create(adminConfig())) {
            String password = credentials.password(principal);
            admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(principal,
                    new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, SCRAM_ITERATIONS), password)))
                    .all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            awaitScramCredential(admin, principal);
        } catch (IOException e) {
            throw new IllegalStateException("could not read or write the Kafka password of " + principal, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating the Kafka credential of " + principal, e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not create the Kafka credential of " + principal, e);
        }
        made = KafkaConnection.scram(bootstrapServers(), principal, credentials.passwordFile(principal));
        connections.put(principal, made);
        return made;
    }

    /** The connection of {@link KafkaCredentials#ADMIN}, a super user: for tools and tests that reach every topic. */
    public KafkaConnection adminConnection() {
        return connection(KafkaCredentials.ADMIN);
    }

    /** Adds ACLs (see {@link KafkaAccess}); ones that exist already are left as they are. */
    public void grant(Collection<AclBinding> acls) {
        try (Admin admin = Admin.create(adminConfig())) {
            admin.createAcls(acls).all().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating ACLs", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not create ACLs " + acls, e);
        }
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
        connections.clear();
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

    /**
     * Client settings of the broker's own principal (a super user): for the Admin client that
     * creates topics, credentials and ACLs, and for tools and tests that must reach every topic.
     * They hold its password: never hand them to a component.
     */
    public Properties adminConfig() {
        Properties config = new Properties();
        config.putAll(superUserConfig());
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, "biostream-embedded-admin");
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) ADMIN_TIMEOUT.toMillis());
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) ADMIN_TIMEOUT.toMillis());
        return config;
    }

    /** {@link #adminConfig()}'s connection settings alone (bootstrap servers, SASL), for any client of the super user. */
    public Map<String, Object> superUserConfig() {
        requireStarted();
        return Map.of(
                CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT",
                SaslConfigs.SASL_MECHANISM, "PLAIN",
                SaslConfigs.SASL_JAAS_CONFIG, plainJaas(brokerPassword, false));
    }

    static Properties serverProperties(Path dataDir, int brokerPort, int controllerPort, String brokerPassword) {
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
        p.put("listener.security.protocol.map", BROKER_LISTENER + ":SASL_PLAINTEXT," + CONTROLLER_LISTENER + ":SASL_PLAINTEXT");
        // Clients: SCRAM-SHA-512; the node itself: PLAIN, on both listeners (see the class comment).
        String broker = "listener.name." + BROKER_LISTENER.toLowerCase(Locale.ROOT) + ".";
        String controller = "listener.name." + CONTROLLER_LISTENER.toLowerCase(Locale.ROOT) + ".";
        p.put("sasl.enabled.mechanisms", "SCRAM-SHA-512,PLAIN");
        p.put(broker + "sasl.enabled.mechanisms", "SCRAM-SHA-512,PLAIN");
        p.put(controller + "sasl.enabled.mechanisms", "PLAIN");
        p.put("sasl.mechanism.inter.broker.protocol", "PLAIN");
        p.put("sasl.mechanism.controller.protocol", "PLAIN");
        p.put(broker + "plain.sasl.jaas.config", plainJaas(brokerPassword, true));
        p.put(broker + "scram-sha-512.sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required;");
        p.put(controller + "plain.sasl.jaas.config", plainJaas(brokerPassword, true));
        p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        p.put("super.users", KafkaAccess.user(KafkaCredentials.BROKER) + ";" + KafkaAccess.user(KafkaCredentials.ADMIN));
        p.put("allow.everyone.if.no.acl.found", "false");
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

    /** PLAIN for the broker principal; on a listener ({@code server}) also the one user it accepts. */
    private static String plainJaas(String password, boolean server) {
        return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + KafkaCredentials.BROKER
                + "\" password=\"" + password + "\"" + (server ? " user_" + KafkaCredentials.BROKER + "=\"" + password + "\"" : "") + ";";
    }

    /** Waits until the broker's metadata holds {@code principal}'s SCRAM credential, so a client can log in at once. */
    private static void awaitScramCredential(Admin admin, String principal)
            throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + ADMIN_TIMEOUT.toNanos();
        while (true) {
            try {
                if (!admin.describeUserScramCredentials(List.of(principal)).description(principal)
                        .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).credentialInfos().isEmpty()) {
                    return;
                }
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof ResourceNotFoundException)) {
                    throw e;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("the SCRAM credential of " + principal + " did not appear within "
                        + ADMIN_TIMEOUT.toSeconds() + " s");
            }
            Thread.sleep(50);
        }
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
