package io.biostream.api.identity;

import io.biostream.api.ApiError;
import io.biostream.operators.audit.AuditActions;
import io.biostream.operators.audit.AuditEntry;
import io.biostream.schemas.AuditOutcome;
import io.biostream.operators.crypto.DataKeyUnavailableException;
import io.biostream.operators.crypto.KeyStoreUnavailableException;
import io.biostream.operators.crypto.SubjectSeal;
import io.biostream.operators.crypto.TemplateErasedException;
import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.operators.crypto.TemplateKeyRing;
import io.biostream.operators.identity.ConsentStatus;
import java.security.GeneralSecurityException;
import io.biostream.operators.identity.ControlLog;
import io.biostream.operators.identity.Enrollments;
import io.biostream.operators.identity.IdentityEvents;
import io.biostream.operators.identity.IdentityLedger;
import io.biostream.schemas.CaptureSession;
import io.biostream.schemas.ControlType;
import io.biostream.schemas.SealedSubject;
import io.biostream.schemas.EncryptedTemplate;
import io.biostream.schemas.MatchSettings;
import io.biostream.schemas.Subject;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
    private static final Logger LOG = LoggerFactory.getLogger(IdentityCommands.class);
    private final ReentrantLock writes = new ReentrantLock(true);
    /** Guarded by {@link #writes}. */
    private final Set<String> pendingDestruction = ConcurrentHashMap.newKeySet();

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

    /**
     * Registers a new subject; 409 when one with that id exists or was erased (an erased subject id
     * is never reused: the job refuses events of it). The subject's data key is created here, and
     * its name, attributes and consent go out sealed under it: erasure destroys the key.
     */
    public void createSubject(String actor, Subject subject) {
        inTurn(() -> {
            String subjectId = subject.getSubjectId();
            if (ledger().subject(subjectId).isPresent()) {
                throw new ApiError(409, "subject_exists", "subject " + subjectId + " already exists");
            }
            if (ledger().isErased(subjectId)) {
                throw new ApiError(409, "subject_erased", "subject " + subjectId + " was erased; its id is not reused");
            }
            AuditEntry change = audited(actor, AuditActions.SUBJECT_CREATE, subjectId,
                    Map.of("legalBasis", subject.getConsent().getLegalBasis()));
            SealedSubject sealed = SubjectSeal.seal(subject, ControlType.SUBJECT_UPSERTED.name(), subjectKey(subjectId));
            append(change, events.subjectUpserted(actor, subjectId, sealed));
            return null;
        });
    }

    /**
     * The subject's personal data, opened from its seal (a subject written before sealing is in
     * clear): 404 once its key is destroyed (erased), 503 when the key store cannot tell now.
     */
    public Subject personalData(IdentityLedger.SubjectEntry entry) {
        if (entry.sealed() == null) {
            return entry.legacyClear();
        }
        try {
            return SubjectSeal.open(entry.subjectId(), ControlType.SUBJECT_UPSERTED.name(), entry.sealed(), cipher.keys());
        } catch (TemplateErasedException e) {
            throw ApiError.notFound("subject_not_found", "subject " + entry.subjectId() + " is erased: its data key is destroyed");
        } catch (DataKeyUnavailableException | KeyStoreUnavailableException e) {
            throw new ApiError(503, "keys_unavailable", "the subject's data key cannot be read now: " + e.getMessage());
        } catch (GeneralSecurityException e) {
            LOG.error("subject {}: its sealed personal data does not open: {}", entry.subjectId(), e.toString());
            throw new ApiError(500, "subject_unreadable", "the sealed data of subject " + entry.subjectId() + " does not open");
        }
    }

    /**
     * The subject, when it exists and its consent allows enrolling it now: 404 when unknown, 409
     * {@code consent_missing} or {@code consent_expired} otherwise.
     */
    public IdentityLedger.SubjectEntry consentingSubject(String subjectId) {
        IdentityLedger.SubjectEntry subject = ledger().subject(subjectId).orElseThrow(() -> subjectNotFound(subjectId));
        Subject personal = personalData(subject);
        switch (ConsentStatus.of(personal.getConsent(), clock.instant())) {
            case MISSING -> throw new ApiError(409, "consent_missing", "subject " + subjectId
                    + " has no consent on record (legal basis and purpose); it cannot be enrolled");
            case EXPIRED -> throw new ApiError(409, "consent_expired", "the consent of subject " + subjectId + " expired at "
                    + personal.getConsent().getExpiresTime() + "; it cannot be enrolled until consent is recorded again");
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

    /** What an erasure did: the templates it removed, and whether the subject's data keys are destroyed yet. */
    public record Erasure(int templatesRemoved, boolean keysDestroyed) {}

    /**
     * Erases the subject with all its templates. 404 when unknown. The erasure and its audit event
     * commit first (one transaction): when that fails (503) nothing has changed, the key included.
     * Then the subject's data keys are destroyed (crypto-shredding: its templates and its sealed
     * name, wherever their ciphertext lies, are unreadable from then on). A destruction that fails
     * then (key store down) is logged, reported ({@code keysDestroyed} false) and retried before
     * each later write; the job destroys the keys on the SUBJECT_ERASED too.
     */
    public Erasure erase(String actor, String subjectId) {
        return inTurn(() -> {
            IdentityLedger.SubjectEntry subject = ledger().subject(subjectId).orElseThrow(() -> subjectNotFound(subjectId));
            AuditEntry change = audited(actor, AuditActions.SUBJECT_ERASE, subjectId,
                    Map.of("templates", Integer.toString(subject.templates().size())));
            append(change, events.subjectErased(actor, subjectId));
            return new Erasure(subject.templates().size(), destroyKeys(subjectId));
        });
    }

    /** Subjects erased whose data keys could not be destroyed yet (retried before each write). */
    public Set<String> pendingKeyDestructions() {
        return Set.copyOf(pendingDestruction);
    }

    private boolean destroyKeys(String subjectId) {
        try {
            List<String> destroyed = cipher.keys().destroySubject(subjectId);
            pendingDestruction.remove(subjectId);
            LOG.info("subject {}: {} data key(s) destroyed", subjectId, destroyed.size());
            return true;
        } catch (RuntimeException e) { // the key store down: the erasure stands, its keys go when the store is back
            pendingDestruction.add(subjectId);
            LOG.error("subject {} is erased but its data keys could not be destroyed now (retried): {}", subjectId, e.toString());
            return false;
        }
    }

    private void retryPendingDestructions() {
        for (String subjectId : List.copyOf(pendingDestruction)) {
            destroyKeys(subjectId);
        }
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
            retryPendingDestructions();
            return write.get();
        } finally {
            writes.unlock();
        }
    }
}
