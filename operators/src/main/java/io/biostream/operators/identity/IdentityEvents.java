package io.biostream.operators.identity;

import io.biostream.schemas.CaptureSession;
import io.biostream.schemas.ControlEvent;
import io.biostream.schemas.ControlType;
import io.biostream.schemas.EncryptedTemplate;
import io.biostream.schemas.MatchSettings;
import io.biostream.schemas.SealedSubject;
import java.time.Clock;
import java.util.UUID;

/**
 * The control events the API issues, with the keys they are published under: the subject id for
 * subject events, the session id for session events, {@value #SETTINGS_KEY} for settings. Each
 * event gets a random UUID and the actor (an API key id, never the key).
 */
public final class IdentityEvents {
    public static final String SETTINGS_KEY = "settings";

    /** An event with the key it is published under. */
    public record Keyed(String key, ControlEvent event) {}

    private final Clock clock;

    public IdentityEvents(Clock clock) {
        this.clock = clock;
    }

    /** The subject's personal data travels sealed under its own key ({@code SubjectSeal}); only its id in clear. */
    public Keyed subjectUpserted(String actor, String subjectId, SealedSubject sealed) {
        return new Keyed(subjectId, base(actor, ControlType.SUBJECT_UPSERTED)
                .setSealedSubject(sealed).setSubjectId(subjectId).build());
    }

    public Keyed templateEnrolled(String actor, String subjectId, EncryptedTemplate template) {
        return new Keyed(subjectId, base(actor, ControlType.TEMPLATE_ENROLLED)
                .setSubjectId(subjectId).setTemplate(template).build());
    }

    public Keyed subjectErased(String actor, String subjectId) {
        return new Keyed(subjectId, base(actor, ControlType.SUBJECT_ERASED).setSubjectId(subjectId).build());
    }

    public Keyed sessionStarted(String actor, CaptureSession session) {
        return new Keyed(session.getSessionId(), base(actor, ControlType.SESSION_STARTED).setSession(session).build());
    }

    public Keyed sessionEnded(String actor, CaptureSession session) {
        return new Keyed(session.getSessionId(), base(actor, ControlType.SESSION_ENDED).setSession(session).build());
    }

    public Keyed settingsChanged(String actor, MatchSettings settings) {
        return new Keyed(SETTINGS_KEY, base(actor, ControlType.SETTINGS_CHANGED).setSettings(settings).build());
    }

    private ControlEvent.Builder base(String actor, ControlType type) {
        return ControlEvent.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setTime(clock.instant())
                .setActor(actor)
                .setType(type);
    }
}
