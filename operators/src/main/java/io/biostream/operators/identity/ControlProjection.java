package io.biostream.operators.identity;

import io.biostream.schemas.CaptureSession;
import io.biostream.schemas.ControlEvent;
import io.biostream.schemas.EncryptedTemplate;
import io.biostream.schemas.MatchSettings;
import java.util.Optional;

/**
 * The one set of rules by which control events change what is kept of them: the API's
 * {@link IdentityLedger} and the job's broadcast state (functions.ControlState) both apply events
 * through {@link #apply}, each over its own {@link Store}, so they accept and refuse the same
 * events alike. An event refused here changes nothing.
 *
 * <p>Deterministic: the job applies every event on every analysis subtask, and broadcast state must
 * change the same way everywhere.
 */
public final class ControlProjection {
    private ControlProjection() {}

    /** Where the projection is kept. Called only with events that passed the rules. */
    public interface Store {
        boolean hasSubject(String subjectId);

        /** Creates or updates the subject from its SUBJECT_UPSERTED (the job keeps only its id). */
        void putSubject(String subjectId, ControlEvent upserted);

        /**
         * Whether the subject was erased: an erased subject id stays erased, so a replayed (still
         * correctly signed) SUBJECT_UPSERTED or TEMPLATE_ENROLLED of it is refused.
         */
        boolean wasErased(String subjectId);

        boolean hasTemplate(String subjectId, String templateId);

        /**
         * Adds an enrollment whose subject exists and whose template is bound to it. Returns why the
         * store cannot take it (the job: the template does not open, or is of another model), else
         * empty; a refusal must leave the store as it was.
         */
        Optional<String> addTemplate(String subjectId, EncryptedTemplate template);

        /** Removes the subject and every template of it, and remembers its id as erased. */
        void removeSubject(String subjectId);

        /** Whether the session was started and not yet ended. */
        boolean isOpen(String sessionId);

        void startSession(CaptureSession session);

        /** Ends an open session; {@code ended} carries the end time. */
        void endSession(CaptureSession ended);

        void setSettings(MatchSettings settings);

        /** The settings in force (the deployment's, version 0, until a change). */
        MatchSettings settings();
    }

    /** Applies the event to the store; returns why it was refused, else empty. */
    public static Optional<String> apply(ControlEvent event, Store store) {
        Optional<String> malformed = ControlEvents.problem(event);
        if (malformed.isPresent()) {
            return malformed;
        }
        return switch (event.getType()) {
            case SUBJECT_UPSERTED -> upsert(event, store);
            case TEMPLATE_ENROLLED -> enroll(event.getSubjectId(), event.getTemplate(), store);
            case SUBJECT_ERASED -> erase(event.getSubjectId(), store);
            case SESSION_STARTED -> {
                store.startSession(event.getSession());
                yield Optional.empty();
            }
            case SESSION_ENDED -> {
                if (!store.isOpen(event.getSession().getSessionId())) {
                    yield Optional.of("SESSION_ENDED for session " + event.getSession().getSessionId() + ", which is not open");
                }
                store.endSession(event.getSession());
                yield Optional.empty();
            }
            case SETTINGS_CHANGED -> {
                // Versions only grow: a signed change replayed later (an old, laxer threshold) is refused.
                long inForce = store.settings().getVersion();
                if (event.getSettings().getVersion() <= inForce) {
                    yield Optional.of("SETTINGS_CHANGED to version " + event.getSettings().getVersion()
                            + ", not after the version in force " + inForce + " (a replayed or out-of-date change)");
                }
                store.setSettings(MatchSettings.newBuilder(event.getSettings()).build());
                yield Optional.empty();
            }
            case UNKNOWN -> Optional.of("unknown control event type (written with a newer schema?)"); // ControlEvents refuses it first
        };
    }

    private static Optional<String> upsert(ControlEvent event, Store store) {
        String subjectId = ControlEvents.subjectIdOf(event);
        if (!SubjectIds.isValid(subjectId)) {
            return Optional.of("SUBJECT_UPSERTED needs a valid subjectId, got '" + subjectId + "'");
        }
        if (store.wasErased(subjectId)) {
            return Optional.of(erased("SUBJECT_UPSERTED", subjectId));
        }
        store.putSubject(subjectId, event);
        return Optional.empty();
    }

    private static String erased(String type, String subjectId) {
        return type + " for subject " + subjectId + ", which was erased: an erased subject never comes back (a replayed event?)";
    }

    private static Optional<String> enroll(String subjectId, EncryptedTemplate template, Store store) {
        if (store.wasErased(subjectId)) {
            return Optional.of(erased("TEMPLATE_ENROLLED", subjectId));
        }
        if (!store.hasSubject(subjectId)) {
            return Optional.of("TEMPLATE_ENROLLED for unknown subject " + subjectId);
        }
        // A template sealed for anything else (a camera's face copied from the templates topic, another
        // subject's enrollment) is refused: its associated data is authenticated by the seal.
        if (!Enrollments.boundTo(template.getAssociatedData(), subjectId)) {
            return Optional.of("TEMPLATE_ENROLLED needs a template sealed for " + Enrollments.source(subjectId)
                    + ", got one sealed for " + (template.getAssociatedData() == null ? "nothing" : template.getAssociatedData().getCameraId()));
        }
        if (store.hasTemplate(subjectId, template.getFaceId())) {
            return Optional.of("template " + template.getFaceId() + " is already enrolled");
        }
        return store.addTemplate(subjectId, template);
    }

    /**
     * Erasure is idempotent and never refused: an erasure replayed after a restore, or of a subject
     * this store never saw (state from before subjects were kept), still removes whatever is left.
     */
    private static Optional<String> erase(String subjectId, Store store) {
        store.removeSubject(subjectId);
        return Optional.empty();
    }
}
