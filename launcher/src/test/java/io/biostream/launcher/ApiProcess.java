package io.biostream.launcher;

import io.biostream.api.ApiCommand;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code biostream api --config FILE} in a JVM process of its own, on this test's class path, as
 * the API runs beside a remote cluster; its stdout and stderr go to files in {@code dir}.
 * Closing it sends SIGTERM (the service's shutdown hook stops it) and kills it if it has not
 * exited within a minute.
 */
final class ApiProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("biostream API listening on (\\S+)");

    final Process process;
    final Path stdout;
    final Path stderr;
    private final long startedNanos = System.nanoTime();

    private ApiProcess(Process process, Path stdout, Path stderr) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /**
     * Starts {@code ApiCommand api --config configFile} with only {@code env} of the biostream
     * variables in its environment (none is inherited from this JVM).
     */
    static ApiProcess start(Path dir, Path configFile, Map<String, String> env) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx1g");
        // The module opens this JVM runs with (Flink's), as bin/biostream passes them.
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens") || a.startsWith("--add-exports"))
                .forEach(command::add);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), ApiCommand.class.getName(),
                "api", "--config", configFile.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile());
        builder.environment().keySet().removeIf(name -> name.startsWith("BIOSTREAM_"));
        builder.environment().putAll(env);
        Path out = dir.resolve("api-stdout.txt");
        Path err = dir.resolve("api-stderr.txt");
        builder.redirectOutput(out.toFile()).redirectError(err.toFile());
        return new ApiProcess(builder.start(), out, err);
    }

    /** The URL the service printed once it listens; fails if it exits first or the timeout passes. */
    String awaitListening(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Matcher m = LISTENING.matcher(read(stdout));
            if (m.find()) {
                return m.group(1);
            }
            if (!process.isAlive()) {
                throw new AssertionError("the API process exited with " + process.exitValue() + " before listening:\n"
                        + tail(stderr));
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the API process did not listen within " + timeout + ":\n" + tail(stderr));
    }

    /** Time from the process start until now. */
    Duration sinceStart() {
        return Duration.ofNanos(System.nanoTime() - startedNanos);
    }

    /** The exit status, waiting at most {@code timeout}; fails when it is still running then. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the API process did not exit within " + timeout);
        }
        return process.exitValue();
    }

    /**
     * The API's settings against {@code cluster} as the chart renders them: key store, audit signing
     * keyset (and head file) in {@code apiDir}, the cluster's broker, proxy, REST API and KEK.
     */
    static Map<String, String> settings(PipelineCluster cluster, Path apiDir) {
        Map<String, String> settings = new java.util.LinkedHashMap<>();
        settings.put("api.host", "127.0.0.1");
        settings.put("api.port", "0");
        settings.put("api.state.proxy.host", "127.0.0.1");
        settings.put("api.state.proxy.port", Integer.toString(cluster.flink.queryableStateProxyPort()));
        settings.put("api.state.query-timeout", "5s");
        settings.put("api.state.retry-deadline", "10s");
        settings.put("api.flink.rest-url", cluster.flink.restUrl().toString());
        settings.put("api.flink.refresh-interval", "1s");
        settings.put("api.keys.file", apiDir.resolve("api-keys.json").toString());
        settings.put("api.audit.signing-keyset-file", apiDir.resolve("audit-signing.json").toString());
        settings.putAll(cluster.apiKafka().settings());
        settings.put("biostream.crypto.kek-uri", cluster.keySettings.get(io.biostream.operators.crypto.CryptoConfig.KEK_URI));
        settings.put(io.biostream.operators.identity.ControlSigningConfig.SIGNING_KEYSET_FILE,
                cluster.keySettings.get(io.biostream.operators.identity.ControlSigningConfig.SIGNING_KEYSET_FILE));
        settings.put("biostream.decode.max-frame-bytes", Integer.toString(PipelineCluster.MAX_FRAME_BYTES));
        return settings;
    }

    /** The settings as the chart's api.yaml writes them: one quoted string per flink-conf style key. */
    static Path writeConfig(Path file, Map<String, String> settings) throws IOException {
        StringBuilder yaml = new StringBuilder("# biostream api settings (as helm/biostream renders api.yaml)\n");
        settings.forEach((key, value) -> yaml.append(key).append(": \"").append(value).append("\"\n"));
        return Files.writeString(file, yaml);
    }

    /** The master secret as the chart passes it: from a Secret, in the environment only. */
    static Map<String, String> secretEnvironment(PipelineCluster cluster) throws IOException {
        String secret = Files.readString(Path.of(cluster.keySettings.get(io.biostream.operators.crypto.CryptoConfig.MASTER_SECRET_FILE))).trim();
        return Map.of(io.biostream.operators.crypto.MasterSecret.ENV, secret);
    }

    static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }

    String tail(Path file) throws IOException {
        String text = read(file);
        return text.length() <= 6000 ? text : text.substring(text.length() - 6000);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
