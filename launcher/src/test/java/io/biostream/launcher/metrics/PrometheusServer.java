package io.biostream.launcher.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.biostream.launcher.local.Loopback;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Prometheus server (Debian's {@code prometheus} package, unpacked under target/ with
 * {@code apt-get download} and {@code dpkg -x}: nothing installed) on 127.0.0.1, scraping the given
 * targets every second.
 */
public final class PrometheusServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path UNPACKED = Path.of(System.getProperty("user.dir"), "target", "prometheus");
    private static final Duration FETCH_TIMEOUT = Duration.ofMinutes(4);

    private final Process process;
    private final URI url;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private PrometheusServer(Process process, URI url) {
        this.process = process;
        this.url = url;
    }

    /** A scrape job: its {@code host:port} target and, for the API, the file holding a bearer key. */
    public record ScrapeJob(String name, String target, Path bearerKeyFile) {}

    /** Starts Prometheus with its data under {@code dir}, scraping each job's target every second. */
    public static PrometheusServer start(Path dir, List<ScrapeJob> jobs) throws IOException, InterruptedException {
        Path binary = binary();
        Path config = dir.resolve("prometheus.yml");
        StringBuilder yaml = new StringBuilder("""
                global:
                  scrape_interval: 1s
                  evaluation_interval: 1s
                scrape_configs:
                """);
        for (ScrapeJob job : jobs) {
            yaml.append("  - job_name: ").append(job.name()).append('\n')
                    .append("    static_configs: [{targets: ['").append(job.target()).append("']}]\n");
            if (job.bearerKeyFile() != null) {
                yaml.append("    authorization: {type: Bearer, credentials_file: '").append(job.bearerKeyFile()).append("'}\n");
            }
        }
        Files.writeString(config, yaml);
        int port = Loopback.freePort();
        Process process = new ProcessBuilder(binary.toString(),
                "--config.file=" + config,
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=" + Loopback.HOST + ":" + port,
                "--log.level=warn")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("prometheus.log").toFile())
                .start();
        PrometheusServer server = new PrometheusServer(process, URI.create("http://" + Loopback.HOST + ":" + port));
        server.awaitReady(Duration.ofSeconds(60));
        return server;
    }

    /** The prometheus binary, fetched and unpacked on first use. */
    static synchronized Path binary() throws IOException, InterruptedException {
        Path binary = UNPACKED.resolve("usr/bin/prometheus");
        if (Files.isExecutable(binary)) {
            return binary;
        }
        Path debs = Files.createDirectories(UNPACKED.resolveSibling("prometheus-deb"));
        if (run(debs, "apt-get", "download", "prometheus") != 0) {
            // A fresh machine may have no package lists yet.
            run(debs, "apt-get", "update", "-qq");
            if (run(debs, "apt-get", "download", "prometheus") != 0) {
                throw new IllegalStateException("could not fetch Debian's prometheus package with apt-get download (see "
                        + debs.resolve("apt.log") + ")");
            }
        }
        try (Stream<Path> files = Files.list(debs)) {
            Path deb = files.filter(f -> f.getFileName().toString().endsWith(".deb")).findFirst().orElseThrow();
            if (run(debs, "dpkg", "-x", deb.toString(), UNPACKED.toString()) != 0 || !Files.isExecutable(binary)) {
                throw new IllegalStateException("could not unpack " + deb + " into " + UNPACKED);
            }
        }
        return binary;
    }

    private static int run(Path dir, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("apt.log").toFile())).start();
        if (!p.waitFor(FETCH_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException(String.join(" ", command) + " did not finish within " + FETCH_TIMEOUT);
        }
        return p.exitValue();
    }

    private void awaitReady(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("prometheus exited with " + process.exitValue());
            }
            try {
                if (get("/-/ready").statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("prometheus not ready within " + timeout);
    }

    /** The PromQL query's result vector ({@code data.result}) at the current time. */
    public JsonNode query(String promql) throws IOException, InterruptedException {
        HttpResponse<String> response = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        JsonNode body = JSON.readTree(response.body());
        if (response.statusCode() != 200 || !"success".equals(body.path("status").asText())) {
            throw new IllegalStateException("query " + promql + " failed: " + response.statusCode() + " " + response.body());
        }
        return body.get("data").get("result");
    }

    /** The scrape targets and their health, as Prometheus reports them. */
    public JsonNode targets() throws IOException, InterruptedException {
        return JSON.readTree(get("/api/v1/targets").body()).get("data").get("activeTargets");
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(url.resolve(path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
