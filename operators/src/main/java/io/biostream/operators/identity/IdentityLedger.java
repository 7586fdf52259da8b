package io.biostream.operators.identity;

import io.biostream.schemas.CaptureSession;
import io.biostream.schemas.ControlEvent;
import io.biostream.schemas.EncryptedTemplate;
import io.biostream.schemas.MatchSettings;
import io.biostream.schemas.Subject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the control topic says, applied in order: the subjects with their consent and sealed
 * enrollment templates, the capture sessions, and the current match settings. Pure (no I/O);
 * {@link ControlTopicFollower} feeds it from the topic. Erasure removes the subject and every one
 * of its templates; nothing of an erased subject is kept.
 *
 * <p>Thread-safe: one thread applies events, any thread reads consistent copies. Listeners are
 * told of enrollments and erasures on the applying thread, in order.
 */
public final class IdentityLedger {
    private static final Logger LOG = LoggerFactory.getLogger(IdentityLedger.class);

    /** An enrolled subject: metadata and consent, its sealed templates in enrollment order. */
    public record SubjectEntry(Subject subject, List<EncryptedTemplate> templates, long nextTemplateNumber) {
        public SubjectEntry {
            templates = List.copyOf(templates);
        }

        public String subjectId() {
            return subject.getSubjectId();
        }
    }

    /** A capture session as started, and whether it was ended (then its endTime is when). */
    public record SessionEntry(CaptureSession session, boolean ended) {}

    /** One page of subjects ordered by id. */
    public record Page(List<SubjectEntry> subjects, int page, int size, int total) {}

    /** Told of changes to the gallery, on the applying thread. */
    public interface Listener {
        default void templateEnrolled(String subjectId, EncryptedTemplate template) {}

        default void subjectErased(String subjectId) {}
    }

    private final TreeMap<String, SubjectEntry> subjects = new TreeMap<>();
    private final Map<String, SessionEntry> sessions = new TreeMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private MatchSettings settings;
    private long applied;

    /** @param initialSettings the deployment's settings, in force until a SETTINGS_CHANGED (version 0) */
    public IdentityLedger(MatchSettings initialSettings) {
        this.settings = MatchSettings.newBuilder(Objects.requireNonNull(initialSettings, "initialSettings")).build();
    }

    /**
     * Tells the listener of every template enrolled so far, then of each change: together, as if it
     * had listened from the first event.
     */
    public synchronized void subscribe(Listener listener) {
        Objects.requireNonNull(listener, "listener");
        for (SubjectEntry entry : subjects.values()) {
            for (EncryptedTemplate template : entry.templates()) {
                listener.templateEnrolled(entry.subjectId(), template);
            }
        }
        listeners.add(listener);
    }

    /**
     * Applies one event. Returns why it was ignored (malformed, or about something that does not
     * exist), else empty. Ignored events change nothing.
     */
    public synchronized Optional<String> apply(ControlEvent event) {
        Optional<String> problem = switch (event.getType()) {
            case SUBJECT_UPSERTED -> upsert(event.getSubject());
            case TEMPLATE_ENROLLED -> enroll(event.getSubjectId(), event.getTemplate());
            case SUBJECT_ERASED -> erase(event.getSubjectId());
            case SESSION_STARTED -> startSession(event.getSession());
            case SESSION_ENDED -> endSession(event.getSession());
            case SETTINGS_CHANGED -> changeSettings(event.getSettings());
            case UNKNOWN -> Optional.of("unknown control event type (written with a newer schema?)");
        };
        applied++;
        problem.ifPresent(p -> LOG.warn("control event {} ({}) ignored: {}", event.getEventId(), event.getType(), p));
        return problem;
    }

    private Optional<String> upsert(Subject subject) {
        if (subject == null || !SubjectIds.isValid(subject.getSubjectId())) {
            return Optional.of("SUBJECT_UPSERTED needs a subject with a valid subjectId");
        }
        SubjectEntry existing = subjects.get(subject.getSubjectId());
        subjects.put(subject.getSubjectId(), existing == null
                ? new SubjectEntry(subject, List.of(), 0)
                : new SubjectEntry(subject, existing.templates(), existing.nextTemplateNumber()));
        return Optional.empty();
    }

    private Optional<String> enroll(String subjectId, EncryptedTemplate template) {
        SubjectEntry entry = subjectId == null ? null : subjects.get(subjectId);
        if (entry == null) {
            return Optional.of("TEMPLATE_ENROLLED for unknown subject " + subjectId);
        }
        if (template == null || !Enrollments.boundTo(template.getAssociatedData(), subjectId)) {
            return Optional.of("TEMPLATE_ENROLLED needs a template sealed for enrollment/" + subjectId);
        }
        if (entry.templates().stream().anyMatch(t -> t.getFaceId().equals(template.getFaceId()))) {
            return Optional.of("template " + template.getFaceId() + " is already enrolled");
        }
        List<EncryptedTemplate> templates = new ArrayList<>(entry.templates());
        templates.add(template);
        long next = Math.max(entry.nextTemplateNumber(), template.getAssociatedData().getSequence() + 1);
        subjects.put(subjectId, new SubjectEntry(entry.subject(), templates, next));
        listeners.forEach(l -> l.templateEnrolled(subjectId, template));
        return Optional.empty();
    }

    private Optional<String> erase(String subjectId) {
        if (subjectId == null || subjects.remove(subjectId) == null) {
            return Optional.of("SUBJECT_ERASED for unknown subject " + subjectId);
        }
        listeners.forEach(l -> l.subjectErased(subjectId));
        return Optional.empty();
    }

    private Optional<String> startSession(CaptureSession session) {
        if (session == null || session.getSessionId() == null || session.getSessionId().isBlank()) {
            return Optional.of("SESSION_STARTED needs a session with a sessionId");
        }
        sessions.put(session.getSessionId(), new SessionEntry(session, false));
        return Optional.empty();
    }

    private Optional<String> endSession(CaptureSession session) {
        SessionEntry entry = session == null ? null : sessions.get(session.getSessionId());
        if (entry == null) {
            return Optional.of("SESSION_ENDED for unknown session");
        }
        CaptureSession ended = CaptureSession.newBuilder(entry.session())
                .setEndTime(session.getEndTime() != null ? session.getEndTime() : entry.session().getEndTime())
                .build();
        sessions.put(session.getSessionId(), new SessionEntry(ended, true));
        return Optional.empty();
    }

    private Optional<String> changeSettings(MatchSettings changed) {
        if (changed == null) {
            return Optional.of("SETTINGS_CHANGED needs settings");
        }
        settings = MatchSettings.newBuilder(changed).build();
        return Optional.empty();
    }

    public synchronized Optional<SubjectEntry> subject(String subjectId) {
        return Optional.ofNullable(subjects.get(subjectId));
    }

    /** Page {@code page} (from 0) of {@code size} subjects, ordered by id. */
    public synchronized Page subjects(int page, int size) {
        if (page < 0 || size < 1) {
            throw new IllegalArgumentException("page must be >= 0 and size >= 1, got " + page + ", " + size);
        }
        long skip = (long) page * size;
        List<SubjectEntry> items = subjects.values().stream().skip(skip).limit(size).toList();
        return new Page(items, page, size, subjects.size());
    }

    public synchronized int subjectCount() {
        return subjects.size();
    }

    public synchronized Optional<SessionEntry> session(String sessionId) {
        return Optional.ofNullable(sessions.get(sessionId));
    }

    /** The settings in force (a copy). */
    public synchronized MatchSettings settings() {
        return MatchSettings.newBuilder(settings).build();
    }

    /** How many events were applied or ignored so far. */
    public synchronized long eventsSeen() {
        return applied;
    }
}
