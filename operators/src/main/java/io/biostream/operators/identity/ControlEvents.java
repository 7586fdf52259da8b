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
            case SUBJECT_UPSERTED -> subject(e);
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

    /**
     * A SUBJECT_UPSERTED carries the subject sealed under its own key with the subjectId beside it
     * in clear, or (written before subjects were sealed, still read) the subject in clear only.
     */
    private static Optional<String> subject(ControlEvent e) {
        Subject clear = e.getSubject();
        if (e.getSealedSubject() != null) {
            if (clear != null) {
                return Optional.of("SUBJECT_UPSERTED carries the subject both sealed and in clear");
            }
            if (blank(e.getSubjectId())) {
                return Optional.of("SUBJECT_UPSERTED needs a subjectId beside its sealed subject");
            }
            if (blank(e.getSealedSubject().getKeyId()) || !e.getSealedSubject().getCiphertext().hasRemaining()) {
                return Optional.of("SUBJECT_UPSERTED has a sealed subject without key id or ciphertext");
            }
            return Optional.empty();
        }
        if (clear == null || blank(clear.getSubjectId())) {
            return Optional.of("SUBJECT_UPSERTED needs a sealed subject and a subjectId");
        }
        if (e.getSubjectId() != null && !e.getSubjectId().equals(clear.getSubjectId())) {
            return Optional.of("SUBJECT_UPSERTED names subject " + e.getSubjectId() + " but carries " + clear.getSubjectId());
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
