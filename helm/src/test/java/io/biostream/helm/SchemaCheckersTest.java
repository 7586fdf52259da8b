package io.biostream.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.ValidationMessage;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The checkers RenderedChartTest relies on refuse what they must: objects rendered from
 * minimal.yaml, each broken in one place, fail with the broken field named.
 */
class SchemaCheckersTest {
    static Rendered rendered;

    @BeforeAll
    static void render() {
        rendered = HelmChart.render(HelmChart.values("minimal.yaml"));
    }

    @Test
    void theRenderedFlinkDeploymentPassesAsIs() {
        assertThat(FlinkDeploymentCrd.validate(flinkDeployment(d -> { }))).isEmpty();
    }

    @Test
    void anUnknownFieldInTheJobIsRefused() {
        assertThat(messages(flinkDeployment(d -> job(d).put("paralellism", 4)))).contains("paralellism");
    }

    @Test
    void anUnknownUpgradeModeIsRefused() {
        assertThat(messages(flinkDeployment(d -> job(d).put("upgradeMode", "fast")))).contains("upgradeMode");
    }

    @Test
    void aNonStringFlinkSettingIsRefused() {
        assertThat(messages(flinkDeployment(d -> ((ObjectNode) d.path("spec").path("flinkConfiguration"))
                .put("taskmanager.numberOfTaskSlots", 2)))).contains("taskmanager.numberOfTaskSlots");
    }

    @Test
    void aMisplacedPodTemplateFieldIsRefused() {
        assertThat(messages(flinkDeployment(d -> ((ObjectNode) d.path("spec").path("podTemplate").path("spec")
                .path("containers").get(0)).put("envFrom2", "x")))).contains("envFrom2");
    }

    @Test
    void flinkTwoVersionsAreAddedToTheCrdsEnumOnly() {
        assertThat(FlinkDeploymentCrd.crdSchema().path("properties").path("spec").path("properties")
                .path("flinkVersion").path("enum").toString()).doesNotContain("v2_").contains("v1_20");
        assertThat(messages(flinkDeployment(d -> ((ObjectNode) d.path("spec")).put("flinkVersion", "v2_9")))).contains("flinkVersion");
        assertThat(FlinkDeploymentCrd.validate(flinkDeployment(d -> ((ObjectNode) d.path("spec")).put("flinkVersion", "v2_2")))).isEmpty();
    }

    @Test
    void aWrongKindOrMissingNameIsRefused() {
        assertThat(messages(flinkDeployment(d -> ((ObjectNode) d).put("kind", "FlinkSessionJob")))).contains("kind");
        assertThat(messages(flinkDeployment(d -> ((ObjectNode) d.path("metadata")).remove("name")))).contains("name");
    }

    /** fabric8's own mapping keeps an unknown field aside; the strict one refuses it. */
    @Test
    void anUnknownDeploymentFieldIsRefusedByTheStrictModelOnly() throws Exception {
        JsonNode deployment = rendered.get("Deployment", RenderedChartTest.API).deepCopy();
        ((ObjectNode) deployment.path("spec").path("template").path("spec").path("containers").get(0)).put("envv", "x");

        Deployment lenient = new ObjectMapper().treeToValue(deployment, Deployment.class);
        assertThat(lenient.getSpec().getTemplate().getSpec().getContainers().get(0).getAdditionalProperties()).containsKey("envv");
        assertThatThrownBy(() -> StrictKubernetesModel.parse(deployment))
                .hasMessageContaining("Deployment/" + RenderedChartTest.API).hasMessageContaining("envv");
    }

    @Test
    void aKindTheChartShouldNotRenderIsRefused() {
        ObjectNode secret = new ObjectMapper().createObjectNode().put("apiVersion", "v1").put("kind", "Secret");
        secret.putObject("metadata").put("name", "leaked");
        assertThatThrownBy(() -> StrictKubernetesModel.parse(secret)).hasMessageContaining("not a kind");
    }

    private static JsonNode flinkDeployment(Consumer<JsonNode> change) {
        JsonNode copy = rendered.single("FlinkDeployment").deepCopy();
        change.accept(copy);
        return copy;
    }

    private static ObjectNode job(JsonNode flinkDeployment) {
        return (ObjectNode) flinkDeployment.path("spec").path("job");
    }

    private static String messages(JsonNode flinkDeployment) {
        Set<ValidationMessage> errors = FlinkDeploymentCrd.validate(flinkDeployment);
        assertThat(errors).as("the broken FlinkDeployment is refused").isNotEmpty();
        return errors.toString();
    }
}
