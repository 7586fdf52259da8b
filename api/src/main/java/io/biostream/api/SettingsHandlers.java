package io.biostream.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.biostream.api.auth.AccessControl;
import io.biostream.api.auth.ApiKey;
import io.biostream.api.identity.IdentityServices;
import io.biostream.operators.audit.AuditActions;
import io.biostream.operators.audit.AuditEntry;
import io.biostream.operators.config.CameraIds;
import io.biostream.operators.identity.MatchSettingsRules;
import io.biostream.operators.identity.PrivacyMode;
import io.biostream.operators.vision.VisionConfig;
import io.biostream.schemas.AuditOutcome;
import io.biostream.schemas.CameraOverride;
import io.biostream.schemas.MatchSettings;
import io.javalin.http.Context;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GET/PUT /api/v1/config: the live match settings. A PUT names the fields it changes (the others
 * keep their values; {@code cameras}, when given, replaces all overrides), is validated field by
 * field, and travels over the control topic as SETTINGS_CHANGED with the next version. A PUT
 * carrying {@code version} applies only if that is still the current version (409 otherwise).
 * {@code privacyMode} and {@code retentionSeconds} (of unenrolled faces' templates) are set
 * globally and per camera like the matching fields.
 */
final class SettingsHandlers {
    private static final Logger LOG = LoggerFactory.getLogger(SettingsHandlers.class);
    static final float MAX_THRESHOLD = 2f;
    static final int MAX_MIN_FACE_SIZE = 10_000;
    static final int MAX_TOP_K = 100;
    static final int MAX_CAMERA_OVERRIDES = 1000;
    private static final Set<String> FIELDS = Set.of("threshold", "minFaceSize", "minQuality", "detector", "topK",
            "cameras", "version", "privacyMode", "retentionSeconds");
    private static final Set<String> OVERRIDE_FIELDS = Set.of("threshold", "minFaceSize", "minQuality", "privacyMode",
            "retentionSeconds");
    private static final String OVERRIDE_SHAPE = "{threshold?, minFaceSize?, minQuality?, privacyMode?, retentionSeconds?}";

    private final IdentityServices identity;
    private final IdentityAudit audit;

    SettingsHandlers(IdentityServices identity, IdentityAudit audit) {
        this.identity = identity;
        this.audit = audit;
    }

    /** GET /api/v1/config */
    void get(Context ctx) {
        ctx.json(IdentityJson.settings(identity.commands().ledger().settings()));
    }

    /** PUT /api/v1/config */
    void put(Context ctx) {
        ApiKey caller = AccessControl.caller(ctx);
        ObjectNode body = JsonRequests.object(ctx);
        MatchSettings changed;
        try {
            changed = identity.commands().changeSettings(caller.id(), current -> merge(current, body),
                    SettingsHandlers::summary); // audited in the same transaction
        } catch (ApiError refused) {
            audit.record(caller, AuditActions.CONFIG_CHANGE, null, AuditOutcome.DENIED,
                    Map.of("error", refused.code(), "reason", AuditEntry.clip(refused.getMessage(), 256)));
            throw refused;
        }
        LOG.info("match settings changed to version {} by key {}", changed.getVersion(), caller.id());
        ctx.json(IdentityJson.settings(changed));
    }

    /** The current settings with the body's fields applied, or 400 naming the first invalid field. */
    static MatchSettings merge(MatchSettings current, ObjectNode body) {
        JsonRequests.onlyFields(body, FIELDS, "");
        if (body.has("version") && !body.get("version").isNull()) {
            JsonNode version = body.get("version");
            if (!version.canConvertToLong() || !version.isIntegralNumber()) {
                throw JsonRequests.invalid("version", "must be an integer");
            }
            if (version.asLong() != current.getVersion()) {
                throw new ApiError(409, "version_conflict", "the settings are at version " + current.getVersion()
                        + ", not " + version.asLong() + "; read them again and reapply the change");
            }
        }
        MatchSettings.Builder next = MatchSettings.newBuilder(current);
        if (present(body, "threshold")) {
            next.setThreshold(threshold(body.get("threshold"), "threshold"));
        }
        if (present(body, "minFaceSize")) {
            next.setMinFaceSize(minFaceSize(body.get("minFaceSize"), "minFaceSize"));
        }
        if (present(body, "minQuality")) {
            next.setMinQuality(minQuality(body.get("minQuality"), "minQuality"));
        }
        if (present(body, "detector")) {
            JsonNode detector = body.get("detector");
            if (!detector.isTextual() || !VisionConfig.DETECTORS.contains(detector.asText())) {
                throw JsonRequests.invalid("detector", "must be one of " + VisionConfig.DETECTORS);
            }
            next.setDetector(detector.asText());
        }
        if (present(body, "topK")) {
            JsonNode topK = body.get("topK");
            if (!topK.isIntegralNumber() || !topK.canConvertToInt() || topK.asInt() < 1 || topK.asInt() > MAX_TOP_K) {
                throw JsonRequests.invalid("topK", "must be an integer from 1 to " + MAX_TOP_K);
            }
            next.setTopK(topK.asInt());
        }
        if (present(body, "privacyMode")) {
            next.setPrivacyMode(privacyMode(body.get("privacyMode"), "privacyMode"));
        }
        if (present(body, "retentionSeconds")) {
            next.setRetentionSeconds(retentionSeconds(body.get("retentionSeconds"), "retentionSeconds"));
        }
        if (body.has("cameras")) {
            next.setCameras(cameras(body.get("cameras")));
        }
        return next.build();
    }

    private static Map<String, CameraOverride> cameras(JsonNode node) {
        Map<String, CameraOverride> cameras = new TreeMap<>();
        if (node.isNull()) {
            return cameras;
        }
        if (!node.isObject() || node.size() > MAX_CAMERA_OVERRIDES) {
            throw JsonRequests.invalid("cameras", "must be an object of at most " + MAX_CAMERA_OVERRIDES
                    + " camera ids to " + OVERRIDE_SHAPE);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!CameraIds.isValid(e.getKey())) {
                throw JsonRequests.invalid("cameras", "keys must be camera ids of " + CameraIds.RULE + ", got '"
                        + JsonRequests.clip(e.getKey()) + "'");
            }
            String where = "cameras." + e.getKey() + ".";
            JsonNode o = e.getValue();
            if (!o.isObject()) {
                throw JsonRequests.invalid("cameras." + e.getKey(), "must be an object " + OVERRIDE_SHAPE);
            }
            JsonRequests.onlyFields(o, OVERRIDE_FIELDS, where);
            cameras.put(e.getKey(), CameraOverride.newBuilder()
                    .setThreshold(present(o, "threshold") ? threshold(o.get("threshold"), where + "threshold") : null)
                    .setMinFaceSize(present(o, "minFaceSize") ? minFaceSize(o.get("minFaceSize"), where + "minFaceSize") : null)
                    .setMinQuality(present(o, "minQuality") ? minQuality(o.get("minQuality"), where + "minQuality") : null)
                    .setPrivacyMode(present(o, "privacyMode") ? privacyMode(o.get("privacyMode"), where + "privacyMode") : null)
                    .setRetentionSeconds(present(o, "retentionSeconds")
                            ? retentionSeconds(o.get("retentionSeconds"), where + "retentionSeconds") : null)
                    .build());
        }
        return cameras;
    }

    private static boolean present(JsonNode object, String field) {
        return object.has(field) && !object.get(field).isNull();
    }

    private static float threshold(JsonNode value, String field) {
        if (!value.isNumber() || !(value.asDouble() > 0 && value.asDouble() <= MAX_THRESHOLD)) {
            throw JsonRequests.invalid(field, "must be a number more than 0 and at most " + MAX_THRESHOLD
                    + " (Euclidean distance)");
        }
        return (float) value.asDouble();
    }

    private static int minFaceSize(JsonNode value, String field) {
        if (!value.isIntegralNumber() || !value.canConvertToInt() || value.asInt() < 1 || value.asInt() > MAX_MIN_FACE_SIZE) {
            throw JsonRequests.invalid(field, "must be an integer from 1 to " + MAX_MIN_FACE_SIZE + " (pixels)");
        }
        return value.asInt();
    }

    private static float minQuality(JsonNode value, String field) {
        if (!value.isNumber() || !(value.asDouble() >= 0 && value.asDouble() <= 1)) {
            throw JsonRequests.invalid(field, "must be a number from 0 to 1");
        }
        return (float) value.asDouble();
    }

    private static String privacyMode(JsonNode value, String field) {
        if (!value.isTextual() || PrivacyMode.fromWire(value.asText()).isEmpty()) {
            throw JsonRequests.invalid(field, "must be one of " + PrivacyMode.wireNames());
        }
        return value.asText();
    }

    private static long retentionSeconds(JsonNode value, String field) {
        if (!value.isIntegralNumber() || !value.canConvertToLong()
                || value.asLong() < MatchSettingsRules.MIN_RETENTION_SECONDS || value.asLong() > MatchSettingsRules.MAX_RETENTION_SECONDS) {
            throw JsonRequests.invalid(field, "must be an integer from " + MatchSettingsRules.MIN_RETENTION_SECONDS + " to "
                    + MatchSettingsRules.MAX_RETENTION_SECONDS + " (seconds, at most 3 years)");
        }
        return value.asLong();
    }

    private static Map<String, String> summary(MatchSettings s) {
        Map<String, String> details = new TreeMap<>();
        details.put("version", Long.toString(s.getVersion()));
        details.put("threshold", Float.toString(s.getThreshold()));
        details.put("minFaceSize", Integer.toString(s.getMinFaceSize()));
        details.put("minQuality", Float.toString(s.getMinQuality()));
        details.put("detector", s.getDetector());
        details.put("topK", Integer.toString(s.getTopK()));
        details.put("privacyMode", s.getPrivacyMode());
        details.put("retentionSeconds", Long.toString(s.getRetentionSeconds()));
        details.put("cameraOverrides", Integer.toString(s.getCameras().size()));
        return details;
    }
}
