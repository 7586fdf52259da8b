package io.biostream.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.biostream.api.auth.AccessControl;
import io.biostream.api.auth.ApiKey;
import io.biostream.api.identity.IdentityCommands;
import io.biostream.api.identity.IdentityServices;
import io.biostream.api.state.StateUnavailableException;
import io.biostream.operators.audit.AuditActions;
import io.biostream.operators.identity.IdentityLedger;
import io.biostream.operators.identity.SubjectIds;
import io.biostream.schemas.AuditOutcome;
import io.biostream.schemas.Consent;
import io.biostream.schemas.Sightings;
import io.biostream.schemas.Subject;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Routes under /api/v1/subjects: register, list, read, erase, export, and where a subject was seen. */
final class SubjectHandlers {
    private static final Logger LOG = LoggerFactory.getLogger(SubjectHandlers.class);
    static final int MAX_PAGE_SIZE = 500;
    static final int DEFAULT_PAGE_SIZE = 50;
    private static final int MAX_ATTRIBUTES = 32;
    private static final int MAX_ATTRIBUTE_KEY = 64;
    private static final int MAX_ATTRIBUTE_VALUE = 1024;

    private final IdentityServices identity;
    private final IdentityAudit audit;

    SubjectHandlers(IdentityServices identity, IdentityAudit audit) {
        this.identity = identity;
        this.audit = audit;
    }

    /** POST /api/v1/subjects */
    void create(Context ctx) {
        ApiKey caller = AccessControl.caller(ctx);
        Instant now = identity.commands().clock().instant();
        Subject subject = parseSubject(JsonRequests.object(ctx), now);
        identity.commands().createSubject(caller.id(), subject); // audited in the same transaction
        LOG.info("subject created: {} by key {}", subject.getSubjectId(), caller.id());
        ctx.status(201).json(IdentityJson.subject(ledger().subject(subject.getSubjectId())
                .orElseThrow(() -> IdentityCommands.subjectNotFound(subject.getSubjectId())), identity.commands()::personalData, now));
    }

    /** GET /api/v1/subjects?page=P&size=N */
    void list(Context ctx) {
        int page = intParam(ctx, "page", 0, 0, Integer.MAX_VALUE / MAX_PAGE_SIZE);
        int size = intParam(ctx, "size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
        ctx.json(IdentityJson.page(ledger().subjects(page, size), identity.commands()::personalData,
                identity.commands().clock().instant()));
    }

    /** GET /api/v1/subjects/{id} */
    void get(Context ctx) {
        ctx.json(IdentityJson.subject(existing(ctx), identity.commands()::personalData, identity.commands().clock().instant()));
    }

    /** DELETE /api/v1/subjects/{id} */
    void erase(Context ctx) {
        ApiKey caller = AccessControl.caller(ctx);
        String subjectId = subjectId(ctx);
        IdentityCommands.Erasure erasure = identity.commands().erase(caller.id(), subjectId); // audited in the same transaction
        LOG.info("subject erased: {} ({} templates) by key {}", subjectId, erasure.templatesRemoved(), caller.id());
        ctx.json(Map.of("subjectId", subjectId, "erased", true, "templatesRemoved", erasure.templatesRemoved(),
                "keysDestroyed", erasure.keysDestroyed()));
    }

    /** GET /api/v1/subjects/{id}/sightings */
    void sightings(Context ctx) throws StateUnavailableException {
        ApiKey caller = AccessControl.caller(ctx);
        IdentityLedger.SubjectEntry subject = existing(ctx);
        Optional<Sightings> sightings = identity.state().sightings(subject.subjectId());
        IdentityJson.SightingsView body = IdentityJson.sightings(subject.subjectId(), sightings.orElse(null));
        audit.record(caller, AuditActions.SIGHTINGS_READ, subject.subjectId(), AuditOutcome.SUCCESS,
                Map.of("sightings", Integer.toString(body.sightings().size())));
        ctx.json(body);
    }

    /**
     * GET /api/v1/subjects/{id}/export: everything held about the subject, machine-readable (the
     * record and consent, template metadata without ciphertext, sightings from the job's state).
     * Each export is an audit event, recorded before the answer leaves.
     */
    void export(Context ctx) throws StateUnavailableException {
        ApiKey caller = AccessControl.caller(ctx);
        IdentityLedger.SubjectEntry subject = existing(ctx);
        Optional<Sightings> sightings = identity.state().sightings(subject.subjectId());
        IdentityJson.SubjectExport body = IdentityJson.export(subject, identity.commands()::personalData, sightings.orElse(null),
                identity.commands().clock().instant());
        audit.record(caller, AuditActions.SUBJECT_EXPORT, subject.subjectId(), AuditOutcome.SUCCESS,
                Map.of("templates", Integer.toString(body.templates().size()),
                        "sightings", Integer.toString(body.sightings().sightings().size())));
        LOG.info("subject exported: {} by key {}", subject.subjectId(), caller.id());
        ctx.json(body);
    }

    private IdentityLedger ledger() {
        return identity.commands().ledger();
    }

    private IdentityLedger.SubjectEntry existing(Context ctx) {
        String subjectId = subjectId(ctx);
        return ledger().subject(subjectId).orElseThrow(() -> IdentityCommands.subjectNotFound(subjectId));
    }

    static String subjectId(Context ctx) {
        String subjectId = ctx.pathParam("id");
        if (!SubjectIds.isValid(subjectId)) {
            throw ApiError.badRequest("invalid_subject_id", "a subject id is " + SubjectIds.RULE);
        }
        return subjectId;
    }

    static Subject parseSubject(ObjectNode body, Instant now) {
        JsonRequests.onlyFields(body, Set.of("id", "displayName", "attributes", "consent"), "");
        String id = JsonRequests.text(body, "id", "", true, 128);
        if (!SubjectIds.isValid(id)) {
            throw JsonRequests.invalid("id", "must be " + SubjectIds.RULE);
        }
        String displayName = JsonRequests.text(body, "displayName", "", true, 200);
        JsonNode consentNode = body.get("consent");
        if (consentNode == null || consentNode.isNull()) {
            throw JsonRequests.invalid("consent", "is required: {\"legalBasis\", \"purpose\", \"expiresAt\"?}");
        }
        if (!consentNode.isObject()) {
            throw JsonRequests.invalid("consent", "must be an object");
        }
        JsonRequests.onlyFields(consentNode, Set.of("legalBasis", "purpose", "expiresAt"), "consent.");
        Instant expiresAt = JsonRequests.instant(consentNode, "expiresAt", "consent.");
        if (expiresAt != null && !expiresAt.isAfter(now)) {
            throw JsonRequests.invalid("consent.expiresAt", "must be in the future");
        }
        Consent consent = Consent.newBuilder()
                .setLegalBasis(JsonRequests.text(consentNode, "legalBasis", "consent.", true, 200))
                .setPurpose(JsonRequests.text(consentNode, "purpose", "consent.", true, 500))
                .setRecordedTime(now)
                .setExpiresTime(expiresAt)
                .build();
        return Subject.newBuilder()
                .setSubjectId(id)
                .setDisplayName(displayName)
                .setAttributes(attributes(body.get("attributes")))
                .setConsent(consent)
                .setCreatedTime(now)
                .build();
    }

    private static Map<String, String> attributes(JsonNode node) {
        Map<String, String> attributes = new TreeMap<>();
        if (node == null || node.isNull()) {
            return attributes;
        }
        if (!node.isObject()) {
            throw JsonRequests.invalid("attributes", "must be an object of strings");
        }
        if (node.size() > MAX_ATTRIBUTES) {
            throw JsonRequests.invalid("attributes", "may hold at most " + MAX_ATTRIBUTES + " entries");
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String key = names.next();
            if (key.isBlank() || key.length() > MAX_ATTRIBUTE_KEY || key.chars().anyMatch(Character::isISOControl)) {
                throw JsonRequests.invalid("attributes", "keys must be 1 to " + MAX_ATTRIBUTE_KEY + " printable characters");
            }
            attributes.put(key, JsonRequests.text(node, key, "attributes.", true, MAX_ATTRIBUTE_VALUE));
        }
        return attributes;
    }

    static int intParam(Context ctx, String name, int fallback, int min, int max) {
        String text = ctx.queryParam(name);
        if (text == null || text.isBlank()) {
            return fallback;
        }
        try {
            int value = Integer.parseInt(text.trim());
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // refused below
        }
        throw ApiError.badRequest("invalid_parameter", name + " must be an integer from " + min + " to " + max);
    }
}
