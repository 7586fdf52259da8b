package io.biostream.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.biostream.api.auth.AccessControl;
import io.biostream.api.auth.ApiKey;
import io.biostream.api.identity.IdentityCommands;
import io.biostream.api.identity.IdentityServices;
import io.biostream.api.state.StateUnavailableException;
import io.biostream.operators.audit.AuditActions;
import io.biostream.operators.config.CameraIds;
import io.biostream.operators.identity.IdentityLedger;
import io.biostream.schemas.AuditOutcome;
import io.biostream.schemas.CaptureSession;
import io.biostream.schemas.SessionPurpose;
import io.biostream.schemas.SessionSummary;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** Routes under /api/v1/sessions: start a capture session, read its counts, end it. */
final class SessionHandlers {
    static final int MAX_CAMERAS = 100;

    private final IdentityServices identity;
    private final IdentityAudit audit;

    SessionHandlers(IdentityServices identity, IdentityAudit audit) {
        this.identity = identity;
        this.audit = audit;
    }

    /** POST /api/v1/sessions {cameras, purpose: identify|enroll, end?} */
    void start(Context ctx) {
        ApiKey caller = AccessControl.caller(ctx);
        Instant now = identity.commands().clock().instant();
        CaptureSession session = parse(JsonRequests.object(ctx), now);
        identity.commands().startSession(caller.id(), session); // audited in the same transaction
        ctx.status(201).json(IdentityJson.session(entry(session.getSessionId()), null, now));
    }

    /** GET /api/v1/sessions/{id} */
    void get(Context ctx) throws StateUnavailableException {
        IdentityLedger.SessionEntry entry = entry(sessionId(ctx));
        Optional<SessionSummary> summary = identity.state().session(entry.session().getSessionId());
        ctx.json(IdentityJson.session(entry, summary.orElse(null), identity.commands().clock().instant()));
    }

    /** POST /api/v1/sessions/{id}/end: the ended session, with the job's counts when they can be read now. */
    void end(Context ctx) {
        ApiKey caller = AccessControl.caller(ctx);
        String sessionId = sessionId(ctx);
        identity.commands().endSession(caller.id(), sessionId); // audited in the same transaction
        SessionSummary summary;
        try {
            summary = identity.state().session(sessionId).orElse(null);
        } catch (StateUnavailableException e) {
            summary = null; // the session has ended either way; GET reads the counts later
        }
        ctx.json(IdentityJson.session(entry(sessionId), summary, identity.commands().clock().instant()));
    }

    private IdentityLedger.SessionEntry entry(String sessionId) {
        return identity.commands().ledger().session(sessionId).orElseThrow(() -> IdentityCommands.sessionNotFound(sessionId));
    }

    private static String sessionId(Context ctx) {
        String sessionId = ctx.pathParam("id");
        if (!CameraIds.isValid(sessionId)) {
            throw ApiError.badRequest("invalid_session_id", "a session id is " + CameraIds.RULE);
        }
        return sessionId;
    }

    static CaptureSession parse(ObjectNode body, Instant now) {
        JsonRequests.onlyFields(body, Set.of("cameras", "purpose", "end"), "");
        JsonNode cameras = body.get("cameras");
        if (cameras == null || !cameras.isArray() || cameras.isEmpty() || cameras.size() > MAX_CAMERAS) {
            throw JsonRequests.invalid("cameras", "must be an array of 1 to " + MAX_CAMERAS + " camera ids");
        }
        Set<String> ids = new LinkedHashSet<>();
        for (JsonNode camera : cameras) {
            if (!camera.isTextual() || !CameraIds.isValid(camera.asText())) {
                throw JsonRequests.invalid("cameras", "must hold camera ids of " + CameraIds.RULE);
            }
            ids.add(camera.asText());
        }
        String purpose = JsonRequests.text(body, "purpose", "", true, 16).toUpperCase(Locale.ROOT);
        if (!purpose.equals("IDENTIFY") && !purpose.equals("ENROLL")) {
            throw JsonRequests.invalid("purpose", "must be identify or enroll");
        }
        Instant end = JsonRequests.instant(body, "end", "");
        if (end != null && !end.isAfter(now)) {
            throw JsonRequests.invalid("end", "must be in the future");
        }
        return CaptureSession.newBuilder()
                .setSessionId(UUID.randomUUID().toString())
                .setCameras(new ArrayList<>(ids))
                .setPurpose(SessionPurpose.valueOf(purpose))
                .setStartTime(now)
                .setEndTime(end)
                .build();
    }
}
