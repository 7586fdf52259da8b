package io.biostream.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.ValidationMessage;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The chart rendered with minimal.yaml and production.yaml: every object is valid for what will
 * read it (the operator's CRD schema, the Kubernetes model, the Prometheus operator's shapes), and
 * the rendered objects do what the chart promises.
 */
class RenderedChartTest {
    static final String FLINK = HelmChart.RELEASE + "-biostream";
    static final String API = FLINK + "-api";
    static final int STATE_PROXY_PORT = 9069;
    private static final YAMLMapper YAML = new YAMLMapper();

    record Case(String name, Rendered rendered, JsonNode values) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Case minimal;
    static Case production;

    @BeforeAll
    static void render() {
        minimal = render("minimal.yaml");
        production = render("production.yaml");
    }

    private static Case render(String file) {
        return new Case(file, HelmChart.render(HelmChart.values(file)), HelmChart.readYaml(HelmChart.values(file)));
    }

    static Stream<Case> cases() {
        return Stream.of(minimal, production);
    }

    // ------------------------------------------------------------------ valid objects

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void everyObjectIsValidForWhatReadsIt(Case c) {
        Map<String, Integer> kinds = new TreeMap<>();
        for (JsonNode object : c.rendered().objects()) {
            String kind = object.path("kind").asText();
            kinds.merge(kind, 1, Integer::sum);
            switch (kind) {
                case "FlinkDeployment" -> {
                    Set<ValidationMessage> errors = FlinkDeploymentCrd.validate(object);
                    assertThat(errors).as("FlinkDeployment against the operator's CRD schema").isEmpty();
                    StrictKubernetesModel.parsePodTemplate(object);
                }
                case "PodMonitor" -> checkPodMonitor(c, object);
                case "PrometheusRule" -> checkPrometheusRule(object);
                default -> {
                    assertThat(StrictKubernetesModel.isKnownKind(object)).as(Rendered.describe(object)).isTrue();
                    StrictKubernetesModel.parse(object);
                }
            }
            assertThat(object.path("metadata").path("labels").path("app.kubernetes.io/instance").asText())
                    .as("release label of %s", Rendered.describe(object)).isEqualTo(HelmChart.RELEASE);
        }
        assertThat(kinds).containsEntry("FlinkDeployment", 1).containsEntry("Deployment", 1)
                .containsKeys("Service", "ConfigMap", "ServiceAccount", "Role", "RoleBinding", "NetworkPolicy",
                        "PrometheusRule");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void noSecretIsRendered(Case c) {
        assertThat(c.rendered().ofKind("Secret")).isEmpty();
        assertThat(c.rendered().text()).doesNotContainPattern("(?m)^kind:\\s*Secret\\s*$");
    }

    // ------------------------------------------------------------------ FlinkDeployment

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void pipelineUpgradesThroughSavepointsWithKubernetesHaAndIncrementalCheckpoints(Case c) {
        JsonNode spec = c.rendered().get("FlinkDeployment", FLINK).path("spec");
        JsonNode conf = spec.path("flinkConfiguration");
        JsonNode storage = c.values().path("flink").path("storage");

        assertThat(spec.path("job").path("upgradeMode").asText()).isEqualTo("savepoint");
        assertThat(spec.path("flinkVersion").asText()).isEqualTo("v2_1");
        assertThat(conf.path("high-availability.type").asText()).isEqualTo("kubernetes");
        assertThat(conf.path("high-availability.storageDir").asText()).isEqualTo(storage.path("ha").asText());
        assertThat(conf.path("state.backend.type").asText()).isEqualTo("rocksdb");
        assertThat(conf.path("execution.checkpointing.incremental").asText()).isEqualTo("true");
        assertThat(conf.path("execution.checkpointing.mode").asText()).isEqualTo("EXACTLY_ONCE");
        assertThat(conf.path("state.savepoints.dir").asText()).isEqualTo(storage.path("savepoints").asText()).isNotBlank();
        assertThat(conf.path("execution.checkpointing.savepoint-dir").asText()).isEqualTo(storage.path("savepoints").asText());
        assertThat(conf.path("execution.checkpointing.dir").asText()).isEqualTo(storage.path("checkpoints").asText()).isNotBlank();
        assertThat(conf.path("queryable-state.enable").asText()).isEqualTo("true");
        assertThat(conf.path("queryable-state.proxy.ports").asText()).isEqualTo(String.valueOf(STATE_PROXY_PORT));
        assertThat(conf.path("web.submit.enable").asText()).isEqualTo("false");
        assertThat(spec.path("serviceAccount").asText()).isEqualTo(FLINK + "-flink");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void jobRunsTheShadedJarOfThisVersionAndItsEntryClass(Case c) {
        JsonNode job = c.rendered().get("FlinkDeployment", FLINK).path("spec").path("job");
        String appVersion = HelmChart.readYaml(HelmChart.DIR.resolve("Chart.yaml")).path("appVersion").asText();
        assertThat(appVersion).as("Chart.yaml appVersion is the biostream version the images are built from")
                .isEqualTo(System.getProperty("biostream.version"));
        assertThat(job.path("jarURI").asText()).isEqualTo("local:///opt/flink/usrlib/biostream-pipeline-" + appVersion + ".jar");
        assertThat(job.path("entryClass").asText()).isEqualTo("io.biostream.jobs.PipelineJob");
        assertThat(HelmChart.REPO.resolve("jobs/src/main/java/io/biostream/jobs/PipelineJob.java")).isRegularFile();
        assertThat(job.path("parallelism").asInt()).isEqualTo(c.values().path("flink").path("parallelism").asInt(2));
    }

    @Test
    void minimalPodTemplateSetsOmpThreadsAndGivesTheLocalKekToFlink() {
        JsonNode flinkDeployment = minimal.rendered().get("FlinkDeployment", FLINK);
        Pod pod = StrictKubernetesModel.parsePodTemplate(flinkDeployment);
        Container main = container(pod.getSpec().getContainers(), "flink-main-container");

        assertThat(env(main, "OMP_NUM_THREADS").getValue()).isEqualTo("1");
        EnvVar master = env(main, "BIOSTREAM_MASTER_SECRET");
        assertThat(master.getValueFrom().getSecretKeyRef().getName()).isEqualTo("biostream-kek");
        assertThat(master.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("master.secret");

        // The keyset the KEK URI names is the copy the init container makes, owner-only, of the Secret's file.
        String kekUri = flinkDeployment.path("spec").path("flinkConfiguration").path("biostream.crypto.kek-uri").asText();
        assertThat(kekUri).isEqualTo("biostream-local:///etc/biostream/secrets/kek.json");
        assertThat(main.getVolumeMounts()).anyMatch(m -> m.getName().equals("owner-only-secrets")
                && m.getMountPath().equals("/etc/biostream/secrets") && Boolean.TRUE.equals(m.getReadOnly()));
        Container init = container(pod.getSpec().getInitContainers(), "owner-only-secrets");
        assertThat(String.join(" ", init.getCommand()))
                .contains("install -m 0600 /etc/biostream/secret-src/kek/kek.json /etc/biostream/secrets/kek.json");
        Volume kek = volume(pod.getSpec().getVolumes(), "kek");
        assertThat(kek.getSecret().getSecretName()).isEqualTo("biostream-kek");
        assertThat(volume(pod.getSpec().getVolumes(), "owner-only-secrets").getEmptyDir().getMedium()).isEqualTo("Memory");
        assertThat(volume(pod.getSpec().getVolumes(), "flink-data").getPersistentVolumeClaim().getClaimName())
                .isEqualTo("biostream-flink-data");
        assertThat(pod.getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();

        // Finding 7 of the hardening issue: every frame must carry its camera's MAC; the job reads the
        // camera master from the init container's owner-only copy of the Secret's file.
        JsonNode conf = flinkDeployment.path("spec").path("flinkConfiguration");
        assertThat(conf.path("biostream.cameras.authentication").asText()).isEqualTo("required");
        assertThat(conf.path("biostream.cameras.master-file").asText()).isEqualTo("/etc/biostream/secrets/camera-master.keyset");
        assertThat(conf.has("biostream.cameras.allowed")).as("no allow-list unless values name one").isFalse();
        assertThat(String.join(" ", init.getCommand())).contains(
                "install -m 0600 /etc/biostream/secret-src/camera-master/camera-master.keyset /etc/biostream/secrets/camera-master.keyset");
        assertThat(volume(pod.getSpec().getVolumes(), "camera-master").getSecret().getSecretName()).isEqualTo("biostream-cameras");
    }

    @Test
    void productionUsesTheKmsKekObjectStorageAndAStandbyJobManager() {
        JsonNode spec = production.rendered().get("FlinkDeployment", FLINK).path("spec");
        JsonNode conf = spec.path("flinkConfiguration");
        Pod pod = StrictKubernetesModel.parsePodTemplate(production.rendered().get("FlinkDeployment", FLINK));
        Container main = container(pod.getSpec().getContainers(), "flink-main-container");

        assertThat(conf.path("biostream.crypto.kek-uri").asText())
                .isEqualTo("gcp-kms://projects/vision-prod/locations/europe-west4/keyRings/biostream/cryptoKeys/kek");
        assertThat(main.getEnv()).noneMatch(e -> e.getName().equals("BIOSTREAM_MASTER_SECRET"));
        // No KEK file to copy with a KMS KEK: the camera master and the job's Kafka password only.
        assertThat(String.join(" ", container(pod.getSpec().getInitContainers(), "owner-only-secrets").getCommand()))
                .contains("install -m 0600 /etc/biostream/secret-src/camera-master/camera-master.keyset")
                .contains("/etc/biostream/secret-src/kafka-password/password")
                .doesNotContain("kek.json");
        assertThat(conf.path("biostream.cameras.allowed").asText()).isEqualTo("door-1,door-2,lobby");
        assertThat(env(main, "OMP_NUM_THREADS").getValue()).isEqualTo("1");
        assertThat(env(main, "ENABLE_BUILT_IN_PLUGINS").getValue()).isEqualTo("flink-gs-fs-hadoop-2.1.0.jar");
        assertThat(spec.path("jobManager").path("replicas").asInt()).isEqualTo(2);
        assertThat(spec.path("job").path("parallelism").asInt()).isEqualTo(8);
        assertThat(conf.path("taskmanager.numberOfTaskSlots").asText()).isEqualTo("4");
        assertThat(conf.path("kubernetes.operator.periodic.savepoint.interval").asText()).isEqualTo("6h");
        // flink.configuration merges over the chart's defaults; settings reach the job.
        assertThat(conf.path("execution.checkpointing.timeout").asText()).isEqualTo("5min");
        assertThat(conf.path("kubernetes.operator.job.upgrade.last-state-fallback.enabled").asText()).isEqualTo("false");
        assertThat(conf.path("biostream.identity.retention").asText()).isEqualTo("7d");
        assertThat(conf.path("biostream.kafka.transactional-id-prefix").asText()).isEqualTo("biostream-prod");
        assertThat(spec.path("image").asText()).isEqualTo("registry.example.com/biostream/pipeline:0.1.0");
    }

    /** GPUs go through Flink's external resource framework: Flink asks Kubernetes for them per TaskManager pod. */
    @Test
    void gpusPerTaskManagerTurnOnFlinksExternalResourceFrameworkAndNothingElse() {
        JsonNode cpuOnly = minimal.rendered().get("FlinkDeployment", FLINK).path("spec").path("flinkConfiguration");
        cpuOnly.fieldNames().forEachRemaining(key -> assertThat(key).as("CPU-only configuration").doesNotStartWith("external-resource"));

        Rendered gpu = HelmChart.render(HelmChart.values("minimal.yaml"), HelmChart.values("gpu.yaml"));
        JsonNode deployment = gpu.get("FlinkDeployment", FLINK);
        assertThat(FlinkDeploymentCrd.validate(deployment)).as("FlinkDeployment against the operator's CRD schema").isEmpty();
        JsonNode conf = deployment.path("spec").path("flinkConfiguration");
        assertThat(conf.path("external-resources").asText()).isEqualTo("gpu");
        assertThat(conf.path("external-resource.gpu.amount").asText()).isEqualTo("1");
        assertThat(conf.path("external-resource.gpu.kubernetes.config-key").asText()).isEqualTo("nvidia.com/gpu");
        assertThat(conf.path("external-resource.gpu.driver-factory.class").asText())
                .isEqualTo("org.apache.flink.externalresource.gpu.GPUDriverFactory");
        // The shared pod template is the JobManager's too: the GPU request must not be in it.
        assertThat(deployment.path("spec").path("podTemplate").toString()).doesNotContain("nvidia.com/gpu");
        // Everything else renders as without GPUs.
        assertThat(conf.path("taskmanager.numberOfTaskSlots").asText()).isEqualTo(cpuOnly.path("taskmanager.numberOfTaskSlots").asText());
    }

    // ------------------------------------------------------------------ settings

    /** Every key the chart writes for the job or the API is one the code reads: a typo would be ignored or refuse the start. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void everyBiostreamSettingTheChartWritesIsOneTheCodeReads(Case c) throws IOException {
        List<String> unknown = new ArrayList<>();
        c.rendered().get("FlinkDeployment", FLINK).path("spec").path("flinkConfiguration").fieldNames().forEachRemaining(key -> {
            if (key.startsWith("biostream.") && !CodeSettings.isRead(key)) {
                unknown.add("flinkConfiguration " + key);
            }
        });
        JsonNode apiYaml = apiSettings(c);
        assertThat(apiYaml.path("biostream.kafka.bootstrap-servers").asText())
                .isEqualTo(c.values().path("kafka").path("bootstrapServers").asText());
        apiYaml.fieldNames().forEachRemaining(key -> {
            if (!CodeSettings.isRead(key)) {
                unknown.add("api.yaml " + key);
            }
        });
        assertThat(unknown).as("keys no main source names").isEmpty();
        assertThat(CodeSettings.isRead("api.tls.keystore-password")).isTrue();
    }

    // ------------------------------------------------------------------ Secrets

    @Test
    void minimalSecretsAreTheOnesNamedInValues() {
        assertThat(secretReferences(minimal)).containsExactlyInAnyOrder(
                "biostream-kek/master.secret", "biostream-kek/kek.json",
                "biostream-api-keys/api-keys.json", "biostream-audit-signing/audit-signing.json",
                "biostream-control-signing/control-signing.keyset", "biostream-control-signing/control-verify.json",
                "biostream-cameras/camera-master.keyset",
                "biostream-kafka-job/kafka-job.password", "biostream-kafka-api/kafka-api.password");
    }

    @Test
    void productionSecretsAreTheOnesNamedInValues() {
        assertThat(secretReferences(production)).containsExactlyInAnyOrder(
                "biostream-api-keys/api-keys.json", "biostream-audit-signing/audit-signing.json",
                "biostream-control-signing/control-signing.keyset", "biostream-control-signing/control-verify.json",
                "biostream-cameras/camera-master.keyset", "biostream-api-tls/keystore.p12", "biostream-api-tls/password",
                "biostream-example-com-tls/*", "biostream-kafka-job/password", "biostream-kafka-api/password", "kafka-ca/ca.crt");
        JsonNode apiYaml = apiSettings(production);
        assertThat(apiYaml.path("api.tls.keystore").asText()).isEqualTo("/etc/biostream/tls/keystore.p12");
        assertThat(apiYaml.has("api.tls.keystore-password")).as("no password in a ConfigMap").isFalse();
        Container api = apiContainer(production);
        assertThat(env(api, "BIOSTREAM_API_TLS_KEYSTORE_PASSWORD").getValueFrom().getSecretKeyRef().getName())
                .isEqualTo("biostream-api-tls");
    }

    // ------------------------------------------------------------------ NetworkPolicies

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void onlyTheApiPodsReachTheQueryableStateProxy(Case c) {
        JsonNode flinkDeployment = c.rendered().get("FlinkDeployment", FLINK);
        Map<String, String> taskManager = Selectors.flinkPodLabels(flinkDeployment, "taskmanager");
        Map<String, String> jobManager = Selectors.flinkPodLabels(flinkDeployment, "jobmanager");
        Map<String, String> api = Selectors.podLabels(c.rendered().get("Deployment", API));

        int allowingApi = 0;
        for (JsonNode policy : c.rendered().ofKind("NetworkPolicy")) {
            if (!Selectors.matches(policy.path("spec").path("podSelector"), taskManager)) {
                continue;
            }
            for (JsonNode rule : policy.path("spec").path("ingress")) {
                if (!allowsPort(rule, STATE_PROXY_PORT)) {
                    continue;
                }
                String where = policy.path("metadata").path("name").asText() + " ingress " + rule;
                assertThat(rule.path("from").size()).as("peers of %s", where).isPositive();
                for (JsonNode peer : rule.path("from")) {
                    assertThat(peer.has("namespaceSelector") || peer.has("ipBlock")).as(where).isFalse();
                    assertThat(Selectors.matches(peer.path("podSelector"), api)).as(where).isTrue();
                    assertThat(Selectors.matches(peer.path("podSelector"), taskManager)
                            || Selectors.matches(peer.path("podSelector"), jobManager)).as(where).isFalse();
                }
                allowingApi++;
            }
        }
        assertThat(allowingApi).as("rules letting the API reach the proxy").isEqualTo(1);

        JsonNode apiPolicy = c.rendered().get("NetworkPolicy", API);
        assertThat(apiPolicy.path("spec").path("egress")).anyMatch(rule -> allowsPort(rule, STATE_PROXY_PORT)
                && Selectors.matches(rule.path("to").get(0).path("podSelector"), taskManager));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void everyPodIsDeniedByDefault(Case c) {
        JsonNode deny = c.rendered().get("NetworkPolicy", FLINK + "-default-deny").path("spec");
        JsonNode flinkDeployment = c.rendered().get("FlinkDeployment", FLINK);
        assertThat(deny.path("policyTypes")).extracting(JsonNode::asText).containsExactlyInAnyOrder("Ingress", "Egress");
        assertThat(deny.has("ingress") || deny.has("egress")).isFalse();
        for (Map<String, String> pod : List.of(Selectors.flinkPodLabels(flinkDeployment, "taskmanager"),
                Selectors.flinkPodLabels(flinkDeployment, "jobmanager"),
                Selectors.podLabels(c.rendered().get("Deployment", API)))) {
            assertThat(Selectors.matches(deny.path("podSelector"), pod)).as("default deny selects %s", pod).isTrue();
        }
    }

    /** A rule without ports allows every port; a named port is taken as allowing (none is rendered). */
    private static boolean allowsPort(JsonNode rule, int port) {
        if (!rule.has("ports") || rule.path("ports").isEmpty()) {
            return true;
        }
        for (JsonNode p : rule.path("ports")) {
            if (!p.path("port").isInt() || p.path("port").asInt() == port
                    || (p.has("endPort") && p.path("port").asInt() <= port && port <= p.path("endPort").asInt())) {
                return true;
            }
        }
        return false;
    }

    // ------------------------------------------------------------------ API

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void apiServiceReachesTheApiPortOfItsPods(Case c) {
        JsonNode service = c.rendered().get("Service", API).path("spec");
        JsonNode apiValues = c.values().path("api");
        int apiPort = apiValues.path("port").asInt(7070);
        assertThat(service.path("ports")).hasSize(1);
        JsonNode port = service.path("ports").get(0);
        assertThat(port.path("port").asInt()).isEqualTo(apiValues.path("service").path("port").asInt(7070));
        assertThat(port.path("targetPort").asText()).isEqualTo("http");
        Container api = apiContainer(c);
        assertThat(api.getPorts()).singleElement().satisfies(p -> {
            assertThat(p.getName()).isEqualTo("http");
            assertThat(p.getContainerPort()).isEqualTo(apiPort);
        });
        assertThat(apiSettings(c).path("api.port").asText()).isEqualTo(String.valueOf(apiPort));
        // The API finds the job on the JobManager's REST Service unless a job id is pinned (never both).
        if (apiValues.path("jobId").asText("").isEmpty()) {
            assertThat(apiSettings(c).path("api.flink.rest-url").asText()).isEqualTo("http://" + FLINK + "-rest:8081");
            assertThat(apiSettings(c).has("api.state.job-id")).isFalse();
        } else {
            assertThat(apiSettings(c).has("api.flink.rest-url")).isFalse();
        }
        assertThat(api.getArgs()).containsExactly("api", "--config", "/etc/biostream/api.yaml");
        assertThat(Selectors.matches(service.path("selector"), Selectors.podLabels(c.rendered().get("Deployment", API)))).isTrue();
        assertThat(c.rendered().get("NetworkPolicy", API).path("spec").path("ingress"))
                .anyMatch(rule -> allowsPort(rule, apiPort));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void apiReadsStateThroughTheTaskManagersProxyService(Case c) {
        JsonNode apiYaml = apiSettings(c);
        String host = apiYaml.path("api.state.proxy.host").asText();
        JsonNode service = c.rendered().get("Service", host).path("spec");
        JsonNode flinkDeployment = c.rendered().get("FlinkDeployment", FLINK);
        assertThat(Selectors.matches(service.path("selector"), Selectors.flinkPodLabels(flinkDeployment, "taskmanager"))).isTrue();
        assertThat(Selectors.matches(service.path("selector"), Selectors.flinkPodLabels(flinkDeployment, "jobmanager"))).isFalse();
        assertThat(service.path("ports").get(0).path("port").asInt()).isEqualTo(STATE_PROXY_PORT);
        assertThat(apiYaml.path("api.state.proxy.port").asText()).isEqualTo(String.valueOf(STATE_PROXY_PORT));
        assertThat(apiYaml.path("biostream.crypto.kek-uri").asText()).isEqualTo(
                flinkDeployment.path("spec").path("flinkConfiguration").path("biostream.crypto.kek-uri").asText());
    }

    @Test
    void productionServesHttpsBehindAnIngressWithTls() {
        JsonNode ingress = production.rendered().get("Ingress", API).path("spec");
        assertThat(ingress.path("ingressClassName").asText()).isEqualTo("nginx");
        assertThat(ingress.path("tls")).singleElement().satisfies(tls -> {
            assertThat(tls.path("secretName").asText()).isEqualTo("biostream-example-com-tls");
            assertThat(tls.path("hosts")).extracting(JsonNode::asText).containsExactly("biostream.example.com");
        });
        JsonNode backend = ingress.path("rules").get(0).path("http").path("paths").get(0).path("backend").path("service");
        assertThat(backend.path("name").asText()).isEqualTo(API);
        assertThat(backend.path("port").path("number").asInt()).isEqualTo(443);
        assertThat(apiContainer(production).getReadinessProbe().getHttpGet().getScheme()).isEqualTo("HTTPS");
        JsonNode apiDeployment = production.rendered().get("Deployment", API).path("spec");
        assertThat(apiDeployment.path("replicas").asInt()).as("one audit writer").isEqualTo(1);
        assertThat(apiDeployment.path("strategy").path("type").asText()).as("the old writer stops first").isEqualTo("Recreate");
    }

    @Test
    void minimalRendersNeitherIngressNorPodMonitorNorDashboard() {
        assertThat(minimal.rendered().ofKind("Ingress")).isEmpty();
        assertThat(minimal.rendered().ofKind("PodMonitor")).isEmpty();
        assertThat(minimal.rendered().ofKind("ConfigMap")).extracting(o -> o.path("metadata").path("name").asText())
                .containsExactly(API);
        assertThat(apiContainer(minimal).getReadinessProbe().getHttpGet().getScheme()).isEqualTo("HTTP");
    }

    // ------------------------------------------------------------------ RBAC

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void onlyTheFlinkAccountMayTouchPodsAndConfigMapsAndTheApiAccountNothing(Case c) {
        Role role = StrictKubernetesModel.parse(c.rendered().get("Role", FLINK + "-flink"), Role.class);
        Set<String> resources = new HashSet<>();
        for (PolicyRule rule : role.getRules()) {
            resources.addAll(rule.getResources());
            assertThat(rule.getVerbs()).doesNotContain("*");
        }
        assertThat(resources).containsExactlyInAnyOrder("pods", "configmaps", "deployments", "deployments/finalizers");
        assertThat(c.rendered().ofKind("RoleBinding")).singleElement().satisfies(binding -> {
            assertThat(binding.path("subjects")).singleElement()
                    .satisfies(s -> assertThat(s.path("name").asText()).isEqualTo(FLINK + "-flink"));
            assertThat(binding.path("roleRef").path("name").asText()).isEqualTo(FLINK + "-flink");
        });
        assertThat(c.rendered().ofKind("ClusterRole")).isEmpty();
        assertThat(c.rendered().get("ServiceAccount", API).path("automountServiceAccountToken").asBoolean(true)).isFalse();
        Deployment api = StrictKubernetesModel.parse(c.rendered().get("Deployment", API), Deployment.class);
        assertThat(api.getSpec().getTemplate().getSpec().getServiceAccountName()).isEqualTo(API);
        assertThat(api.getSpec().getTemplate().getSpec().getAutomountServiceAccountToken()).isFalse();
    }

    // ------------------------------------------------------------------ monitoring

    @Test
    void prometheusRuleAlertsOnTheFiveConditions() {
        JsonNode rule = production.rendered().single("PrometheusRule");
        assertThat(rule.path("metadata").path("labels").path("release").asText()).isEqualTo("kube-prometheus-stack");
        List<String> alerts = new ArrayList<>();
        rule.path("spec").path("groups").forEach(g -> g.path("rules").forEach(r -> alerts.add(r.path("alert").asText())));
        assertThat(alerts).containsExactlyInAnyOrder("BiostreamJobNotRunning", "BiostreamCheckpointsFailing",
                "BiostreamDeadLetterRate", "BiostreamConsumerLag", "BiostreamApi5xxRate");
        assertThat(rule.toString()).contains("flink_jobmanager_numRunningJobs", "numberOfFailedCheckpoints",
                "status=~\\\"5..\\\"", "namespace=\\\"" + HelmChart.NAMESPACE + "\\\"");
    }

    @Test
    void productionScrapesFlinkAndTheApiAndShipsTheDashboard() {
        assertThat(production.rendered().ofKind("PodMonitor")).extracting(o -> o.path("metadata").path("name").asText())
                .containsExactlyInAnyOrder(FLINK + "-flink", API);
        // The API's /metrics takes an API key with role monitor, from the Secret named in values.
        JsonNode apiScrape = production.rendered().get("PodMonitor", API).path("spec").path("podMetricsEndpoints").get(0);
        assertThat(apiScrape.path("path").asText()).isEqualTo("/metrics");
        assertThat(apiScrape.path("authorization").path("type").asText()).isEqualTo("Bearer");
        assertThat(apiScrape.path("authorization").path("credentials").path("name").asText()).isEqualTo("biostream-monitor-key");
        JsonNode dashboard = production.rendered().get("ConfigMap", FLINK + "-dashboard");
        assertThat(dashboard.path("metadata").path("labels").path("grafana_dashboard").asText()).isEqualTo("1");
        JsonNode json;
        try {
            json = new ObjectMapper().readTree(dashboard.path("data").path("biostream.json").asText());
        } catch (IOException e) {
            throw new AssertionError("dashboard JSON does not parse", e);
        }
        assertThat(json.path("panels").size()).isGreaterThanOrEqualTo(6);
        json.path("panels").forEach(panel -> assertThat(panel.path("targets")).isNotEmpty()
                .allMatch(t -> !t.path("expr").asText().isBlank()));
        JsonNode metrics = production.rendered().get("NetworkPolicy", FLINK + "-metrics").path("spec");
        assertThat(metrics.path("ingress").get(0).path("ports")).extracting(p -> p.path("port").asInt())
                .containsExactlyInAnyOrder(9249, 8443);
    }

    /** PodMonitor is the Prometheus operator's CRD (monitoring.coreos.com/v1): checked by hand. */
    private static void checkPodMonitor(Case c, JsonNode monitor) {
        assertThat(monitor.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
        assertThat(fieldNames(monitor)).containsExactlyInAnyOrder("apiVersion", "kind", "metadata", "spec");
        JsonNode spec = monitor.path("spec");
        assertThat(fieldNames(spec)).containsExactlyInAnyOrder("selector", "podMetricsEndpoints");
        assertThat(spec.path("podMetricsEndpoints")).isNotEmpty();

        // The selected pods must have a container port of the endpoint's name.
        JsonNode flinkDeployment = c.rendered().get("FlinkDeployment", FLINK);
        List<Container> containers;
        if (Selectors.matches(spec.path("selector"), Selectors.flinkPodLabels(flinkDeployment, "taskmanager"))) {
            assertThat(Selectors.matches(spec.path("selector"), Selectors.flinkPodLabels(flinkDeployment, "jobmanager"))).isTrue();
            containers = StrictKubernetesModel.parsePodTemplate(flinkDeployment).getSpec().getContainers();
        } else if (Selectors.matches(spec.path("selector"), Selectors.podLabels(c.rendered().get("Deployment", API)))) {
            containers = List.of(apiContainer(c));
        } else {
            throw new AssertionError(Rendered.describe(monitor) + " selects no pod of the chart");
        }
        for (JsonNode endpoint : spec.path("podMetricsEndpoints")) {
            assertThat(fieldNames(endpoint)).isSubsetOf("port", "path", "interval", "scheme", "tlsConfig", "authorization");
            assertThat(endpoint.path("path").asText()).startsWith("/");
            assertThat(endpoint.path("interval").asText()).matches("[0-9]+(ms|s|m|h)");
            assertThat(containers).flatExtracting(Container::getPorts)
                    .anyMatch(p -> endpoint.path("port").asText().equals(p.getName()));
        }
    }

    /** PrometheusRule (monitoring.coreos.com/v1), checked by hand. */
    private static void checkPrometheusRule(JsonNode rule) {
        assertThat(rule.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
        assertThat(fieldNames(rule.path("spec"))).containsExactly("groups");
        for (JsonNode group : rule.path("spec").path("groups")) {
            assertThat(fieldNames(group)).containsExactlyInAnyOrder("name", "rules");
            for (JsonNode r : group.path("rules")) {
                assertThat(fieldNames(r)).isSubsetOf("alert", "expr", "for", "labels", "annotations");
                assertThat(r.path("alert").asText()).matches("[A-Z][A-Za-z0-9]+");
                assertThat(r.path("expr").asText()).isNotBlank();
                assertThat(balanced(r.path("expr").asText())).as("brackets of %s", r.path("expr").asText()).isTrue();
                if (r.has("for")) {
                    assertThat(r.path("for").asText()).matches("[0-9]+(s|m|h)");
                }
                assertThat(r.path("labels").path("severity").asText()).isIn("critical", "warning");
                assertThat(r.path("annotations").path("summary").asText()).isNotBlank();
            }
        }
    }

    private static boolean balanced(String expr) {
        int round = 0, curly = 0, square = 0;
        for (char ch : expr.toCharArray()) {
            switch (ch) {
                case '(' -> round++;
                case ')' -> round--;
                case '{' -> curly++;
                case '}' -> curly--;
                case '[' -> square++;
                case ']' -> square--;
                default -> { }
            }
            if (round < 0 || curly < 0 || square < 0) {
                return false;
            }
        }
        return round == 0 && curly == 0 && square == 0;
    }

    /** The audit writer's head file (kept outside the topic) is on a writable volume: a PVC when named, else an emptyDir. */
    @Test
    void theAuditHeadFileIsOnAWritableVolume() {
        for (Case c : List.of(minimal, production)) {
            assertThat(apiSettings(c).path("api.audit.head-file").asText()).isEqualTo("/var/lib/biostream/audit/audit-head.properties");
            assertThat(apiContainer(c).getVolumeMounts()).anySatisfy(m -> {
                assertThat(m.getName()).isEqualTo("audit-head");
                assertThat(m.getMountPath()).isEqualTo("/var/lib/biostream/audit");
                assertThat(m.getReadOnly()).isNotEqualTo(Boolean.TRUE);
            });
        }
        Deployment production = StrictKubernetesModel.parse(RenderedChartTest.production.rendered().get("Deployment", API), Deployment.class);
        assertThat(volume(production.getSpec().getTemplate().getSpec().getVolumes(), "audit-head").getPersistentVolumeClaim()
                .getClaimName()).isEqualTo("biostream-audit-head");
        Deployment minimal = StrictKubernetesModel.parse(RenderedChartTest.minimal.rendered().get("Deployment", API), Deployment.class);
        assertThat(volume(minimal.getSpec().getTemplate().getSpec().getVolumes(), "audit-head").getEmptyDir()).isNotNull();
    }

    // ------------------------------------------------------------------ Kafka access

    /**
     * The job (JobManager and every TaskManager: one pod template) and the API each authenticate as
     * their own SCRAM principal, with the password copied owner-only from its own Secret into the
     * in-memory secrets volume; the settings name the file, never the password.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void jobAndApiAuthenticateToKafkaWithTheirOwnOwnerOnlyPasswordFiles(Case c) {
        JsonNode kafka = c.values().path("kafka");
        JsonNode conf = c.rendered().get("FlinkDeployment", FLINK).path("spec").path("flinkConfiguration");
        JsonNode api = apiSettings(c);
        String jobUser = kafka.path("sasl").path("job").path("username").asText("biostream-job");
        String apiUser = kafka.path("sasl").path("api").path("username").asText("biostream-api");
        String jobKey = kafka.path("sasl").path("job").path("passwordKey").asText("kafka-job.password");
        String apiKey = kafka.path("sasl").path("api").path("passwordKey").asText("kafka-api.password");

        for (JsonNode settings : List.of(conf, api)) {
            assertThat(settings.path("biostream.kafka.security-protocol").asText()).isEqualTo("SASL_SSL");
            assertThat(settings.path("biostream.kafka.sasl.mechanism").asText()).isEqualTo("SCRAM-SHA-512");
        }
        assertThat(conf.path("biostream.kafka.sasl.username").asText()).isEqualTo(jobUser);
        assertThat(conf.path("biostream.kafka.sasl.password-file").asText()).isEqualTo("/etc/biostream/secrets/" + jobKey);
        assertThat(api.path("biostream.kafka.sasl.username").asText()).isEqualTo(apiUser);
        assertThat(api.path("biostream.kafka.sasl.password-file").asText()).isEqualTo("/etc/biostream/secrets/" + apiKey);

        Pod flink = StrictKubernetesModel.parsePodTemplate(c.rendered().get("FlinkDeployment", FLINK));
        Deployment apiDeployment = StrictKubernetesModel.parse(c.rendered().get("Deployment", API), Deployment.class);
        io.fabric8.kubernetes.api.model.PodSpec apiPod = apiDeployment.getSpec().getTemplate().getSpec();
        checkOwnerOnlyPassword(flink.getSpec(), "biostream-kafka-job", jobKey);
        checkOwnerOnlyPassword(apiPod, "biostream-kafka-api", apiKey);
        assertThat(container(flink.getSpec().getContainers(), "flink-main-container").getVolumeMounts())
                .anyMatch(m -> m.getName().equals("owner-only-secrets") && m.getMountPath().equals("/etc/biostream/secrets"));

        boolean truststore = !kafka.path("truststore").path("secretName").asText("").isEmpty();
        for (JsonNode settings : List.of(conf, api)) {
            assertThat(settings.path("biostream.kafka.ssl.truststore-file").asText(null))
                    .isEqualTo(truststore ? "/etc/biostream/kafka-truststore/ca.crt" : null);
        }
        if (truststore) {
            assertThat(volume(flink.getSpec().getVolumes(), "kafka-truststore").getSecret().getSecretName()).isEqualTo("kafka-ca");
            assertThat(volume(apiPod.getVolumes(), "kafka-truststore").getSecret().getSecretName()).isEqualTo("kafka-ca");
            assertThat(apiContainer(c).getVolumeMounts()).anyMatch(m -> m.getName().equals("kafka-truststore")
                    && m.getMountPath().equals("/etc/biostream/kafka-truststore") && Boolean.TRUE.equals(m.getReadOnly()));
        }
    }

    private static void checkOwnerOnlyPassword(io.fabric8.kubernetes.api.model.PodSpec pod, String secret, String key) {
        Volume source = volume(pod.getVolumes(), "kafka-password");
        assertThat(source.getSecret().getSecretName()).isEqualTo(secret);
        assertThat(source.getSecret().getItems()).singleElement().satisfies(item -> assertThat(item.getKey()).isEqualTo(key));
        assertThat(String.join(" ", container(pod.getInitContainers(), "owner-only-secrets").getCommand()))
                .contains("umask 077")
                .contains("install -m 0600 /etc/biostream/secret-src/kafka-password/" + key + " /etc/biostream/secrets/" + key);
        assertThat(volume(pod.getVolumes(), "owner-only-secrets").getEmptyDir().getMedium()).isEqualTo("Memory");
    }

    // ------------------------------------------------------------------ helpers

    private static JsonNode apiSettings(Case c) {
        try {
            return YAML.readTree(c.rendered().get("ConfigMap", API).path("data").path("api.yaml").asText());
        } catch (IOException e) {
            throw new AssertionError("api.yaml does not parse", e);
        }
    }

    private static Container apiContainer(Case c) {
        Deployment deployment = StrictKubernetesModel.parse(c.rendered().get("Deployment", API), Deployment.class);
        return container(deployment.getSpec().getTemplate().getSpec().getContainers(), "api");
    }

    /** "secret/key" for each Secret the objects reference ("secret/*" for a whole TLS Secret). */
    private static List<String> secretReferences(Case c) {
        List<String> refs = new ArrayList<>();
        collectSecretReferences(c.rendered().objects(), refs);
        return refs.stream().distinct().toList();
    }

    private static void collectSecretReferences(Iterable<JsonNode> nodes, List<String> refs) {
        for (JsonNode node : nodes) {
            if (node.isObject()) {
                if (node.has("secretKeyRef")) {
                    refs.add(node.path("secretKeyRef").path("name").asText() + "/" + node.path("secretKeyRef").path("key").asText());
                }
                if (node.has("secret") && node.path("secret").has("secretName")) {
                    JsonNode secret = node.path("secret");
                    if (secret.path("items").isEmpty()) {
                        fail("secret volume without items: " + secret);
                    }
                    secret.path("items").forEach(i -> refs.add(secret.path("secretName").asText() + "/" + i.path("key").asText()));
                }
                if (node.has("hosts") && node.has("secretName")) {
                    refs.add(node.path("secretName").asText() + "/*");
                }
                collectSecretReferences(node, refs);
            } else if (node.isArray()) {
                collectSecretReferences(node, refs);
            }
        }
    }

    private static Container container(List<Container> containers, String name) {
        return containers.stream().filter(c -> c.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no container " + name));
    }

    private static Volume volume(List<Volume> volumes, String name) {
        return volumes.stream().filter(v -> v.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no volume " + name));
    }

    private static EnvVar env(Container container, String name) {
        return container.getEnv().stream().filter(e -> e.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + " in the environment of " + container.getName()));
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
