package io.biostream.operators.identity;

import io.biostream.schemas.CaptureSession;
import io.biostream.schemas.ControlEvent;
import io.biostream.schemas.EncryptedTemplate;
import io.biostream.schemas.Subject;
import java.util.List;
import java.util.Optional;

/**
 * What each control event type must carry before the job applies it. A refused event becomes a
 * dead letter; an event the job applied is never refused later (broadcast state must change the
 * same way on every subtask).
 */
public final class ControlEvents {
    private ControlEvents() {}

    /** Why the event cannot be applied, or empty when it can. */
    public static Optional<String> problem(ControlEvent e) {
        if (blank(e.getEventId())) {
            return Optional.of("eventId is blank");
        }
        return switch (e.getType()) {
            case SUBJECT_UPSERTED -> subject(e.getSubject());
            case TEMPLATE_ENROLLED -> blank(e.getSubjectId()) ? Optional.of("TEMPLATE_ENROLLED needs a subjectId")
                    : template(e.getTemplate());
            case SUBJECT_ERASED -> blank(e.getSubjectId()) ? Optional.of("SUBJECT_ERASED needs a subjectId") : Optional.empty();
            case SESSION_STARTED, SESSION_ENDED -> session(e.getType().name(), e.getSession());
            case SETTINGS_CHANGED -> {
                if (e.getSettings() == null) {
                    yield Optional.of("SETTINGS_CHANGED needs settings");
                }
                List<String> problems = MatchSettingsRules.problems(e.getSettings());
                yield problems.isEmpty() ? Optional.empty() : Optional.of("invalid settings: " + String.join("; ", problems));
            }
            case UNKNOWN -> Optional.of("unknown control event type (written with a newer schema?)");
        };
    }

    /** The subject a keyed consumer of this event files it under (erasure, enrollment, upsert), or null. */
    public static String subjectIdOf(ControlEvent e) {
        if (e.getSubjectId() != null) {
            return e.getSubjectId();
        }
        return e.getSubject() == null ? null : e.getSubject().getSubjectId();
    }

    private static Optional<String> subject(Subject subject) {
        if (subject == null || blank(subject.getSubjectId())) {
            return Optional.of("SUBJECT_UPSERTED needs a subject with a subjectId");
        }
        return Optional.empty();
    }

    private static Optional<String> template(EncryptedTemplate template) {
        if (template == null) {
            return Optional.of("TEMPLATE_ENROLLED needs a template");
        }
        if (blank(template.getFaceId())) {
            return Optional.of("the enrolled template needs a faceId (its template id)");
        }
        if (template.getCiphertext() == null || !template.getCiphertext().hasRemaining()) {
            return Optional.of("the enrolled template has no ciphertext");
        }
        return Optional.empty();
    }

    private static Optional<String> session(String type, CaptureSession session) {
        if (session == null || blank(session.getSessionId())) {
            return Optional.of(type + " needs a session with a sessionId");
        }
        return Optional.empty();
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
