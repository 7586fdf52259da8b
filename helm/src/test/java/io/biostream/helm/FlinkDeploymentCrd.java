package io.biostream.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The FlinkDeployment schema of the Flink Kubernetes Operator 1.10.0 (the CRD YAML that
 * flink-kubernetes-operator-api carries), made as strict as `kubectl apply --validate=strict`:
 * <ul>
 *   <li>flinkVersion also accepts v2_0, v2_1, v2_2: the 1.10 CRD predates Flink 2, and operator releases
 *       from 1.13 on list them (the image runs Flink 2.1.0);</li>
 *   <li>an object schema that lists its properties refuses others (the API server would prune them
 *       silently, and the setting would be lost), unless it preserves unknown fields;</li>
 *   <li>apiVersion, kind and metadata, which the CRD leaves to the API server, are checked too.</li>
 * </ul>
 */
final class FlinkDeploymentCrd {
    static final String RESOURCE = "META-INF/fabric8/flinkdeployments.flink.apache.org-v1.yml";
    static final List<String> FLINK_2_VERSIONS = List.of("v2_0", "v2_1", "v2_2");
    private static final JsonSchema SCHEMA = load();

    private FlinkDeploymentCrd() {}

    static Set<ValidationMessage> validate(JsonNode flinkDeployment) {
        return SCHEMA.validate(flinkDeployment);
    }

    /** The CRD's openAPIV3Schema, as amended (for the tests that check the amendments). */
    static ObjectNode amendedSchema() {
        return amend(crdSchema());
    }

    static ObjectNode crdSchema() {
        try (InputStream in = FlinkDeploymentCrd.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " not on the classpath (flink-kubernetes-operator-api 1.10.0)");
            }
            JsonNode crd = new YAMLMapper().readTree(in);
            for (JsonNode version : crd.path("spec").path("versions")) {
                if ("v1beta1".equals(version.path("name").asText())) {
                    return (ObjectNode) version.path("schema").path("openAPIV3Schema").deepCopy();
                }
            }
            throw new IllegalStateException(RESOURCE + " has no v1beta1 version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonSchema load() {
        return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(amendedSchema());
    }

    private static ObjectNode amend(ObjectNode schema) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode properties = (ObjectNode) schema.get("properties");
        properties.set("apiVersion", f.objectNode().set("enum", f.arrayNode().add("flink.apache.org/v1beta1")));
        properties.set("kind", f.objectNode().set("enum", f.arrayNode().add("FlinkDeployment")));
        ObjectNode metadata = f.objectNode().put("type", "object");
        metadata.set("required", f.arrayNode().add("name"));
        metadata.set("properties", f.objectNode()
                .<ObjectNode>set("name", f.objectNode().put("type", "string")
                        .put("pattern", "^[a-z]([-a-z0-9]*[a-z0-9])?$").put("maxLength", 45))
                .<ObjectNode>set("namespace", f.objectNode().put("type", "string"))
                .<ObjectNode>set("labels", f.objectNode().put("type", "object")
                        .set("additionalProperties", f.objectNode().put("type", "string")))
                .set("annotations", f.objectNode().put("type", "object")
                        .set("additionalProperties", f.objectNode().put("type", "string"))));
        properties.set("metadata", metadata);
        schema.set("required", f.arrayNode().add("apiVersion").add("kind").add("metadata").add("spec"));

        ArrayNode versions = (ArrayNode) properties.path("spec").path("properties").path("flinkVersion").path("enum");
        FLINK_2_VERSIONS.forEach(versions::add);

        strict(schema);
        return schema;
    }

    /** additionalProperties: false wherever properties are listed; drops the x-kubernetes-* markers. */
    private static void strict(JsonNode node) {
        if (node instanceof ObjectNode object) {
            boolean preserves = object.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
            List<String> markers = new ArrayList<>();
            object.fieldNames().forEachRemaining(name -> {
                if (name.startsWith("x-kubernetes-")) {
                    markers.add(name);
                }
            });
            object.remove(markers);
            if (object.has("properties") && !object.has("additionalProperties") && !preserves) {
                object.put("additionalProperties", false);
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("properties")) {
                    // A map of field names to schemas, not a schema itself.
                    e.getValue().forEach(FlinkDeploymentCrd::strict);
                } else {
                    strict(e.getValue());
                }
            }
        } else if (node instanceof ArrayNode array) {
            array.forEach(FlinkDeploymentCrd::strict);
        }
    }
}
