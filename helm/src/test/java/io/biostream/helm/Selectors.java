package io.biostream.helm;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.Map;

/** Label selectors of rendered objects, applied to the labels a pod will carry. */
final class Selectors {
    private Selectors() {}

    /** matchLabels semantics; a selector with matchExpressions is refused (the chart renders none). */
    static boolean matches(JsonNode selector, Map<String, String> labels) {
        if (selector.has("matchExpressions")) {
            throw new IllegalArgumentException("matchExpressions not expected in " + selector);
        }
        JsonNode matchLabels = selector.has("matchLabels") ? selector.get("matchLabels") : selector;
        for (var it = matchLabels.fields(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().asText().equals(labels.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    static Map<String, String> labels(JsonNode labelsNode) {
        Map<String, String> labels = new HashMap<>();
        labelsNode.fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
        return labels;
    }

    /**
     * The labels of a JobManager or TaskManager pod: the FlinkDeployment's podTemplate labels plus
     * those Flink's native Kubernetes mode adds (app = cluster id = the FlinkDeployment's name,
     * type = flink-native-kubernetes, component = jobmanager or taskmanager).
     */
    static Map<String, String> flinkPodLabels(JsonNode flinkDeployment, String component) {
        Map<String, String> labels = labels(flinkDeployment.path("spec").path("podTemplate").path("metadata").path("labels"));
        labels.put("app", flinkDeployment.path("metadata").path("name").asText());
        labels.put("type", "flink-native-kubernetes");
        labels.put("component", component);
        return labels;
    }

    /** The labels of the API's pods, from its Deployment's pod template. */
    static Map<String, String> podLabels(JsonNode deployment) {
        return labels(deployment.path("spec").path("template").path("metadata").path("labels"));
    }
}
