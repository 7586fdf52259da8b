package io.biostream.operators.identity;

import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.schemas.AssociatedData;
import io.biostream.schemas.CameraOverride;
import io.biostream.schemas.CaptureSession;
import io.biostream.schemas.Consent;
import io.biostream.schemas.Subject;
import io.biostream.schemas.ControlEvent;
import io.biostream.schemas.ControlType;
import io.biostream.schemas.EncryptedTemplate;
import io.biostream.schemas.MatchSettings;
import io.biostream.schemas.SessionPurpose;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** Control events as the API publishes them, for the pipeline tests (unit and integration). */
public final class TestControlEvents {
    private static final AtomicLong IDS = new AtomicLong();

    private TestControlEvents() {}

    /** A descriptor sealed as the API seals an enrollment ({@link Enrollments}), under the subject's key. */
    public static EncryptedTemplate enrollmentTemplate(TemplateCipher cipher, String subjectId, int n, float[] descriptor, String model) {
        AssociatedData ad = Enrollments.associatedData(subjectId, n);
        try {
            return cipher.seal(Enrollments.templateId(subjectId, n), descriptor, ad, model, cipher.keys().subjectKey(subjectId));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A subject as written before subjects were sealed (still read; the job keeps only its id, so
     * sealed or not is all one to it): a template can be enrolled only for a subject that exists.
     */
    public static ControlEvent subjectCreated(String subjectId) {
        Instant now = Instant.now();
        return base(ControlType.SUBJECT_UPSERTED)
                .setSubject(new Subject(subjectId, subjectId, Map.of(), new Consent("explicit-consent", "test", now, null), now))
                .build();
    }

    public static ControlEvent enrolled(String subjectId, EncryptedTemplate template) {
        return base(ControlType.TEMPLATE_ENROLLED).setSubjectId(subjectId).setTemplate(template).build();
    }

    public static ControlEvent erased(String subjectId) {
        return base(ControlType.SUBJECT_ERASED).setSubjectId(subjectId).build();
    }

    public static ControlEvent settingsChanged(MatchSettings settings) {
        return base(ControlType.SETTINGS_CHANGED).setSettings(settings).build();
    }

    public static ControlEvent sessionStarted(CaptureSession session) {
        return base(ControlType.SESSION_STARTED).setSession(session).build();
    }

    public static ControlEvent sessionEnded(CaptureSession session) {
        return base(ControlType.SESSION_ENDED).setSession(session).build();
    }

    public static CaptureSession session(String sessionId, List<String> cameras, Instant start, Instant end) {
        return new CaptureSession(sessionId, cameras, SessionPurpose.IDENTIFY, start, end);
    }

    /** The deployment defaults with another threshold, top-k, detector and per-camera overrides. */
    public static MatchSettings settings(float threshold, int topK, int minFaceSize, String detector,
                                         Map<String, CameraOverride> cameras, long version) {
        return new MatchSettings(threshold, minFaceSize, 0f, detector, topK, cameras, version, PrivacyMode.FULL.wireName(),
                MatchSettingsRules.DEFAULT_RETENTION_SECONDS);
    }

    private static ControlEvent.Builder base(ControlType type) {
        return ControlEvent.newBuilder()
                .setEventId("test-" + IDS.incrementAndGet())
                .setTime(Instant.now())
                .setActor("test")
                .setType(type);
    }
}
