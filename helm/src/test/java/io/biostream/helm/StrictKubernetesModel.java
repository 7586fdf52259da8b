package io.biostream.helm;

import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.DeserializationConfig;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.BeanDeserializerBuilder;
import com.fasterxml.jackson.databind.deser.BeanDeserializerModifier;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.util.Map;

/**
 * Parses rendered objects into the fabric8 Kubernetes model and refuses any field the model does
 * not know. fabric8's classes keep unknown fields in an "additionalProperties" map (as the API
 * server would silently prune them); here that catch-all is removed, so a misspelt or misplaced
 * field fails the parse with Jackson's UnrecognizedPropertyException naming it.
 */
final class StrictKubernetesModel {
    /** The kinds the chart renders from Kubernetes' own API groups, by apiVersion/kind. */
    static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
            "v1/ServiceAccount", ServiceAccount.class,
            "v1/Service", Service.class,
            "v1/ConfigMap", ConfigMap.class,
            "apps/v1/Deployment", Deployment.class,
            "rbac.authorization.k8s.io/v1/Role", Role.class,
            "rbac.authorization.k8s.io/v1/RoleBinding", RoleBinding.class,
            "networking.k8s.io/v1/Ingress", Ingress.class,
            "networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class,
            "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class);

    private static final ObjectMapper STRICT = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .registerModule(new SimpleModule("no-additional-properties").setDeserializerModifier(new BeanDeserializerModifier() {
                @Override
                public BeanDeserializerBuilder updateBuilder(DeserializationConfig config, BeanDescription bean,
                                                             BeanDeserializerBuilder builder) {
                    if (bean.getBeanClass().getName().startsWith("io.fabric8.")) {
                        builder.setAnySetter(null);
                    }
                    return builder;
                }
            }));

    private StrictKubernetesModel() {}

    static boolean isKnownKind(JsonNode object) {
        return KINDS.containsKey(key(object));
    }

    /** The object as its fabric8 class; IllegalArgumentException naming the object and the problem. */
    static HasMetadata parse(JsonNode object) {
        Class<? extends HasMetadata> type = KINDS.get(key(object));
        if (type == null) {
            throw new IllegalArgumentException(Rendered.describe(object) + ": " + key(object)
                    + " is not a kind this chart is expected to render");
        }
        return parse(object, type);
    }

    static <T> T parse(JsonNode object, Class<T> type) {
        try {
            return STRICT.treeToValue(object, type);
        } catch (Exception e) {
            throw new IllegalArgumentException(Rendered.describe(object) + " does not parse strictly as "
                    + type.getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    /** A pod as the operator would merge it: the FlinkDeployment's podTemplate, parsed strictly as a Pod. */
    static Pod parsePodTemplate(JsonNode flinkDeployment) {
        return parse(flinkDeployment.path("spec").path("podTemplate"), Pod.class);
    }

    private static String key(JsonNode object) {
        return object.path("apiVersion").asText() + "/" + object.path("kind").asText();
    }
}
