package io.biostream.api.identity;

import io.biostream.api.ApiError;
import io.biostream.operators.audit.AuditActions;
import io.biostream.operators.audit.AuditEntry;
import io.biostream.schemas.AuditOutcome;
import io.biostream.operators.crypto.KeyStoreUnavailableException;
import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.operators.crypto.TemplateKeyRing;
import io.biostream.operators.identity.ConsentStatus;
import java.security.GeneralSecurityException;
import io.biostream.operators.identity.ControlLog;
import io.biostream.operators.identity.Enrollments;
import io.biostream.operators.identity.IdentityEvents;
import io.biostream.operators.identity.IdentityLedger;
import io.biostream.schemas.CaptureSession;
import io.biostream.schemas.EncryptedTemplate;
import io.biostream.schemas.MatchSettings;
import io.biostream.schemas.Subject;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The changes the API makes to subjects, sessions and settings, each published as control events
 * together with its audit event (one transaction: both or neither) and applied to the ledger
 * before it returns. Writes take turns, so that what a write checks in
 * the ledger (a subject exists, the next template number, the settings version) still holds when
 * its events are applied.
 */
public final class IdentityCommands {
    private final ControlLog log;
    private final IdentityEvents events;
    private final TemplateCipher cipher;
    private final Clock clock;
    private final ReentrantLock writes = new ReentrantLock(true);

    public IdentityCommands(ControlLog log, TemplateCipher cipher, Clock clock) {
        this.log = Objects.requireNonNull(log, "log");
        this.cipher = Objects.requireNonNull(cipher, "cipher");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.events = new IdentityEvents(clock);
    }

    public IdentityLedger ledger() {
        return log.ledger();
    }

    public Clock clock() {
        return clock;
    }

    /** Registers a new subject; 409 when one with that id exists. */
    public void createSubject(String actor, Subject subject) {
        inTurn(() -> {
            if (ledger().subject(subject.getSubjectId()).isPresent()) {
                throw new ApiError(409, "subject_exists", "subject " + subject.getSubjectId() + " already exists");
            }
            append(audited(actor, AuditActions.SUBJECT_CREATE, subject.getSubjectId(),
                    Map.of("legalBasis", subject.getConsent().getLegalBasis())), events.subjectUpserted(actor, subject));
            return null;
        });
    }

    /**
     * The subject, when it exists and its consent allows enrolling it now: 404 when unknown, 409
     * {@code consent_missing} or {@code consent_expired} otherwise.
     */
    public IdentityLedger.SubjectEntry consentingSubject(String subjectId) {
        IdentityLedger.SubjectEntry subject = ledger().subject(subjectId).orElseThrow(() -> subjectNotFound(subjectId));
        switch (ConsentStatus.of(subject.subject().getConsent(), clock.instant())) {
            case MISSING -> throw new ApiError(409, "consent_missing", "subject " + subjectId
                    + " has no consent on record (legal basis and purpose); it cannot be enrolled");
            case EXPIRED -> throw new ApiError(409, "consent_expired", "the consent of subject " + subjectId + " expired at "
                    + subject.subject().getConsent().getExpiresTime() + "; it cannot be enrolled until consent is recorded again");
            case VALID -> { }
        }
        return subject;
    }

    /**
     * Seals each descriptor as the subject's next enrollment template and publishes it; returns the
     * template ids in order. 404 when the subject does not exist (any more), 409 when its consent
     * does not allow enrollment now. All templates and the audit event (of {@code photos} offered)
     * are published together.
     */
    public List<String> enroll(String actor, String subjectId, List<float[]> descriptors, String modelId, int photos) {
        return inTurn(() -> {
            IdentityLedger.SubjectEntry subject = consentingSubject(subjectId);
            AuditEntry change = audited(actor, AuditActions.SUBJECT_ENROLL, subjectId, Map.of("photos", Integer.toString(photos),
                    "accepted", Integer.toString(descriptors.size()), "refused", Integer.toString(photos - descriptors.size())));
            List<String> templateIds = new ArrayList<>();
            List<IdentityEvents.Keyed> enrolled = new ArrayList<>();
            long n = subject.nextTemplateNumber();
            TemplateKeyRing.DataKey key = subjectKey(subjectId);
            for (float[] descriptor : descriptors) {
                String templateId = Enrollments.templateId(subjectId, n);
                EncryptedTemplate sealed = cipher.seal(templateId, descriptor, Enrollments.associatedData(subjectId, n), modelId, key);
                enrolled.add(events.templateEnrolled(actor, subjectId, sealed));
                templateIds.add(templateId);
                n++;
            }
            log.append(change, enrolled);
            return templateIds;
        });
    }

    /**
     * Erases the subject with all its templates; returns how many templates it had. 404 when
     * unknown. The subject's data key is destroyed first (crypto-shredding: every template of the
     * subject, wherever its ciphertext lies, is unreadable from then on), then the erasure is
     * published so that the job and every reader drop the subject.
     */
    public int erase(String actor, String subjectId) {
        return inTurn(() -> {
            IdentityLedger.SubjectEntry subject = ledger().subject(subjectId).orElseThrow(() -> subjectNotFound(subjectId));
            AuditEntry change = audited(actor, AuditActions.SUBJECT_ERASE, subjectId,
                    Map.of("templates", Integer.toString(subject.templates().size())));
            cipher.keys().destroySubject(subjectId);
            append(change, events.subjectErased(actor, subjectId));
            return subject.templates().size();
        });
    }

    public void startSession(String actor, CaptureSession session) {
        inTurn(() -> {
            append(audited(actor, AuditActions.SESSION_START, null, Map.of("sessionId", session.getSessionId(),
                    "purpose", session.getPurpose().name(), "cameras", String.join(",", session.getCameras()))),
                    events.sessionStarted(actor, session));
            return null;
        });
    }

    /** Ends the session now; 404 when unknown, 409 when it was ended already. */
    public CaptureSession endSession(String actor, String sessionId) {
        return inTurn(() -> {
            IdentityLedger.SessionEntry entry = ledger().session(sessionId).orElseThrow(() -> sessionNotFound(sessionId));
            if (entry.ended()) {
                throw new ApiError(409, "session_ended", "session " + sessionId + " has ended already");
            }
            CaptureSession ended = CaptureSession.newBuilder(entry.session()).setEndTime(clock.instant()).build();
            append(audited(actor, AuditActions.SESSION_END, null, Map.of("sessionId", sessionId)),
                    events.sessionEnded(actor, ended));
            return ended;
        });
    }

    /**
     * Publishes {@code change(current)} as the next settings version; the change sees the settings
     * in force and may refuse them (an ApiError), and the version is always current + 1. The audit
     * event's details are {@code summary(next)}.
     */
    public MatchSettings changeSettings(String actor, java.util.function.UnaryOperator<MatchSettings> change,
                                        Function<MatchSettings, Map<String, String>> summary) {
        return inTurn(() -> {
            MatchSettings current = ledger().settings();
            MatchSettings next = MatchSettings.newBuilder(change.apply(current)).setVersion(current.getVersion() + 1).build();
            append(audited(actor, AuditActions.CONFIG_CHANGE, null, summary.apply(next)), events.settingsChanged(actor, next));
            return next;
        });
    }

    /** The subject's own data key, created on its first enrollment. */
    private TemplateKeyRing.DataKey subjectKey(String subjectId) {
        try {
            return cipher.keys().subjectKey(subjectId);
        } catch (GeneralSecurityException | KeyStoreUnavailableException e) {
            throw new ApiError(503, "keys_unavailable", "the subject's data key could not be created or read: " + e.getMessage());
        }
    }

    public static ApiError subjectNotFound(String subjectId) {
        return ApiError.notFound("subject_not_found", "no subject " + subjectId);
    }

    public static ApiError sessionNotFound(String sessionId) {
        return ApiError.notFound("session_not_found", "no session " + sessionId);
    }

    /** One change: its control event and its audit event, published together. */
    private void append(AuditEntry change, IdentityEvents.Keyed keyed) {
        log.append(change, List.of(keyed));
    }

    /**
     * The change's audit event, built before anything is changed: an entry that cannot be
     * recorded (an actor too long, say) refuses the change instead of leaving it unaudited.
     */
    private static AuditEntry audited(String actor, String action, String subject, Map<String, String> details) {
        return AuditEntry.of(actor, action, subject, AuditOutcome.SUCCESS, details);
    }

    private <T> T inTurn(Supplier<T> write) {
        writes.lock();
        try {
            return write.get();
        } finally {
            writes.unlock();
        }
    }
}
