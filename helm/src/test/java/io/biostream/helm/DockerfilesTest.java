package io.biostream.helm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * jobs/Dockerfile and api/Dockerfile, read as text (no Docker daemon here, so they are not built):
 * the base images, a non-root user that matches the chart's pods, the paths the chart relies on,
 * and nothing secret baked in.
 */
class DockerfilesTest {
    static final Path JOBS = HelmChart.REPO.resolve("jobs/Dockerfile");
    static final Path API = HelmChart.REPO.resolve("api/Dockerfile");
    private static final Pattern SECRETISH = Pattern.compile("(?i)(secret|passw|token|credential|private|\\.p12|\\.jks|api-keys|kek)");

    record Instruction(String keyword, String args) {}

    @Test
    void jobImageIsTheOfficialFlinkImageWithTheJarWhereTheChartLooks() {
        List<Instruction> file = parse(JOBS);
        Map<String, String> args = argDefaults(file);
        assertThat(expand(only(file, "FROM").args(), args)).isEqualTo("flink:2.1.0-java17");
        assertThat(args).containsEntry("VERSION", System.getProperty("biostream.version")).containsEntry("FLINK_VERSION", "2.1.0");

        List<String> copies = file.stream().filter(i -> i.keyword().equals("COPY")).map(i -> expand(i.args(), args)).toList();
        assertThat(copies).hasSize(2);
        assertThat(copies.get(0)).isEqualTo("--chown=flink:flink jobs/target/flink-lib/flink-queryable-state-runtime-2.1.0.jar"
                + " /opt/flink/lib/flink-queryable-state-runtime-2.1.0.jar");
        assertThat(HelmChart.REPO.resolve("jobs/pom.xml")).content().contains("<outputDirectory>${project.build.directory}/flink-lib</outputDirectory>");
        String copy = copies.get(1);
        String version = System.getProperty("biostream.version");
        assertThat(copy).endsWith("jobs/target/biostream-pipeline-" + version + ".jar /opt/flink/usrlib/biostream-pipeline-" + version + ".jar");
        String jarUri = HelmChart.render(HelmChart.values("minimal.yaml")).single("FlinkDeployment")
                .path("spec").path("job").path("jarURI").asText();
        assertThat(jarUri).isEqualTo("local://" + copy.substring(copy.lastIndexOf(' ') + 1));

        String run = expand(only(file, "RUN").args(), args);
        assertThat(run).contains("plugins/metrics-prometheus/");
        assertThat(HelmChart.read(JOBS)).as("nothing fetched from the network at image build").doesNotContain("http");
        assertThat(last(file, "USER").args()).isEqualTo("flink");
        assertNoSecrets(file);
    }

    @Test
    void apiImageRunsAsTheUserTheChartRunsItAsWithTheChartsCommand() {
        List<Instruction> file = parse(API);
        assertThat(only(file, "FROM").args()).isEqualTo("eclipse-temurin:17-jre");
        String user = last(file, "USER").args();
        assertThat(user).matches("[1-9][0-9]*:[1-9][0-9]*");

        JsonNode pod = HelmChart.render(HelmChart.values("minimal.yaml")).get("Deployment", RenderedChartTest.API)
                .path("spec").path("template").path("spec");
        assertThat(user).isEqualTo(pod.path("securityContext").path("runAsUser").asText() + ":"
                + pod.path("securityContext").path("runAsGroup").asText());
        assertThat(only(file, "CMD").args()).isEqualTo("[\"api\", \"--config\", \"/etc/biostream/api.yaml\"]");
        List<String> chartArgs = new ArrayList<>();
        pod.path("containers").get(0).path("args").forEach(a -> chartArgs.add(a.asText()));
        assertThat(chartArgs).containsExactly("api", "--config", "/etc/biostream/api.yaml");
        assertThat(file).anyMatch(i -> i.keyword().equals("RUN") && i.args().contains("--home-dir /home/biostream"));
        assertNoSecrets(file);
    }

    /** No secret-looking ARG or ENV, and nothing copied in but build output. */
    private static void assertNoSecrets(List<Instruction> file) {
        for (Instruction i : file) {
            if (i.keyword().equals("ENV") || i.keyword().equals("ARG")) {
                assertThat(i.args()).as("%s %s", i.keyword(), i.args()).doesNotContainPattern(SECRETISH);
            }
            if (i.keyword().equals("COPY") || i.keyword().equals("ADD")) {
                assertThat(i.args()).as("%s %s", i.keyword(), i.args()).doesNotContainPattern(SECRETISH)
                        .doesNotContain("var/").doesNotContain("../shared");
            }
        }
    }

    /** Instructions with their continuation lines joined, comments dropped. */
    static List<Instruction> parse(Path dockerfile) {
        List<Instruction> instructions = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : HelmChart.read(dockerfile).split("\n")) {
            String trimmed = line.strip();
            if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.isEmpty())) {
                continue;
            }
            boolean continues = trimmed.endsWith("\\");
            current.append(continues ? trimmed.substring(0, trimmed.length() - 1) : trimmed).append(' ');
            if (!continues) {
                String text = current.toString().strip();
                int space = text.indexOf(' ');
                instructions.add(new Instruction(text.substring(0, space).toUpperCase(), text.substring(space + 1).strip()));
                current.setLength(0);
            }
        }
        return instructions;
    }

    private static Map<String, String> argDefaults(List<Instruction> file) {
        Map<String, String> args = new HashMap<>();
        for (Instruction i : file) {
            if (i.keyword().equals("ARG") && i.args().contains("=")) {
                String[] kv = i.args().split("=", 2);
                args.put(kv[0], expand(kv[1], args));
            }
        }
        return args;
    }

    private static String expand(String text, Map<String, String> args) {
        Matcher m = Pattern.compile("\\$\\{([A-Z_]+)}").matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, Matcher.quoteReplacement(args.getOrDefault(m.group(1), m.group())));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static Instruction only(List<Instruction> file, String keyword) {
        List<Instruction> found = file.stream().filter(i -> i.keyword().equals(keyword)).toList();
        assertThat(found).as("%s instructions", keyword).hasSize(1);
        return found.get(0);
    }

    private static Instruction last(List<Instruction> file, String keyword) {
        List<Instruction> found = file.stream().filter(i -> i.keyword().equals(keyword)).toList();
        assertThat(found).as("%s instructions", keyword).isNotEmpty();
        return found.get(found.size() - 1);
    }
}
