package io.biostream.operators.identity;

import io.biostream.schemas.CaptureSession;
import io.biostream.schemas.ControlEvent;
import io.biostream.schemas.EncryptedTemplate;
import io.biostream.schemas.MatchSettings;
import io.biostream.schemas.SealedSubject;
import io.biostream.schemas.Subject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.ObjLongConsumer;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the control topic says, applied in order: the subjects with their consent and sealed
 * enrollment templates, the capture sessions, and the current match settings. Pure (no I/O);
 * {@link ControlTopicFollower} feeds it from the topic. Erasure removes the subject and every one
 * of its templates; of an erased subject only its id is kept, so that it never comes back.
 *
 * <p>Thread-safe: one thread applies events, any thread reads consistent copies. Listeners are
 * told of enrollments and erasures on the applying thread, in order.
 */
public final class IdentityLedger {
    private static final Logger LOG = LoggerFactory.getLogger(IdentityLedger.class);

    /**
     * An enrolled subject: the SUBJECT_UPSERTED that last set its personal data (sealed under the
     * subject's key, or in clear when written before subjects were sealed), its sealed templates in
     * enrollment order. The ledger never opens the seal: its reader does (SubjectSeal).
     */
    public record SubjectEntry(String subjectId, ControlEvent upserted, List<EncryptedTemplate> templates,
                               long nextTemplateNumber) {
        public SubjectEntry {
            Objects.requireNonNull(subjectId, "subjectId");
            Objects.requireNonNull(upserted, "upserted");
            templates = List.copyOf(templates);
        }

        /** The subject's personal data sealed under its key, or null for a subject written in clear (before sealing). */
        public SealedSubject sealed() {
            return upserted.getSealedSubject();
        }

        /** The subject in clear, only for one written before subjects were sealed; else null. */
        public Subject legacyClear() {
            return upserted.getSubject();
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
    /** Ids of erased subjects: an event bringing one back is refused (ControlProjection). */
    private final Set<String> erased = new HashSet<>();
    private final Map<String, SessionEntry> sessions = new TreeMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private MatchSettings settings;
    private long applied;
    private long refused;
    private ObjLongConsumer<String> refusals = (why, offset) -> { };
    private long refusedForErased;

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
     * Applies one event by the rules of {@link ControlProjection}. Returns why it was ignored
     * (malformed, or about something that does not exist), else empty. Ignored events change nothing.
     */
    public synchronized Optional<String> apply(ControlEvent event) {
        Optional<String> problem = ControlProjection.apply(event, store);
        applied++;
        if (problem.isPresent() && event.getSubjectId() != null && erased.contains(event.getSubjectId())
                && event.getType() != io.biostream.schemas.ControlType.SUBJECT_ERASED) {
            refusedForErased++;
        }
        problem.ifPresent(p -> LOG.warn("control event {} ({}) ignored: {}", event.getEventId(), event.getType(), p));
        return problem;
    }

    /** The ledger's side of the projection: subjects with their templates, sessions, settings. */
    private final ControlProjection.Store store = new ControlProjection.Store() {
        @Override
        public boolean hasSubject(String subjectId) {
            return subjects.containsKey(subjectId);
        }

        @Override
        public void putSubject(String subjectId, ControlEvent upserted) {
            SubjectEntry existing = subjects.get(subjectId);
            subjects.put(subjectId, existing == null
                    ? new SubjectEntry(subjectId, upserted, List.of(), 0)
                    : new SubjectEntry(subjectId, upserted, existing.templates(), existing.nextTemplateNumber()));
        }

        @Override
        public boolean wasErased(String subjectId) {
            return erased.contains(subjectId);
        }

        @Override
        public boolean hasTemplate(String subjectId, String templateId) {
            return subjects.get(subjectId).templates().stream().anyMatch(t -> t.getFaceId().equals(templateId));
        }

        @Override
        public Optional<String> addTemplate(String subjectId, EncryptedTemplate template) {
            SubjectEntry entry = subjects.get(subjectId);
            List<EncryptedTemplate> templates = new ArrayList<>(entry.templates());
            templates.add(template);
            long next = Math.max(entry.nextTemplateNumber(), template.getAssociatedData().getSequence() + 1);
            subjects.put(subjectId, new SubjectEntry(subjectId, entry.upserted(), templates, next));
            listeners.forEach(l -> l.templateEnrolled(subjectId, template));
            return Optional.empty();
        }

        @Override
        public void removeSubject(String subjectId) {
            erased.add(subjectId);
            if (subjects.remove(subjectId) != null) {
                listeners.forEach(l -> l.subjectErased(subjectId));
            }
        }

        @Override
        public boolean isOpen(String sessionId) {
            SessionEntry entry = sessions.get(sessionId);
            return entry != null && !entry.ended();
        }

        @Override
        public void startSession(CaptureSession session) {
            sessions.put(session.getSessionId(), new SessionEntry(session, false));
        }

        @Override
        public void endSession(CaptureSession session) {
            SessionEntry entry = sessions.get(session.getSessionId());
            CaptureSession ended = CaptureSession.newBuilder(entry.session())
                    .setEndTime(session.getEndTime() != null ? session.getEndTime() : entry.session().getEndTime())
                    .build();
            sessions.put(session.getSessionId(), new SessionEntry(ended, true));
        }

        @Override
        public void setSettings(MatchSettings changed) {
            settings = changed;
        }

        @Override
        public MatchSettings settings() {
            return settings;
        }
    };

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

    /** Whether the subject was erased (it never comes back: its id is not served, reused or re-enrolled). */
    public synchronized boolean isErased(String subjectId) {
        return erased.contains(subjectId);
    }

    /** How many events of erased subjects (a replayed SUBJECT_UPSERTED or TEMPLATE_ENROLLED) were skipped. */
    public synchronized long refusedForErasedSubjects() {
        return refusedForErased;
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

    /** Records that a control record was refused before it became an event (its signature did not verify). */
    public synchronized void refused(long offset, String why) {
        applied++;
        refused++;
        refusals.accept(why, offset);
    }

    /** Who hears of each refused control record (the API audits them): (reason, offset). */
    public synchronized void onRefused(ObjLongConsumer<String> listener) {
        this.refusals = Objects.requireNonNull(listener, "listener");
    }

    /** How many control records were refused for their signature. */
    public synchronized long refusedRecords() {
        return refused;
    }

    /** How many events were applied or ignored so far. */
    public synchronized long eventsSeen() {
        return applied;
    }
}
