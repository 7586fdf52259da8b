package io.biostream.operators.functions;

import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.operators.crypto.TemplateErasedException;
import io.biostream.operators.crypto.TemplateKeyRing;
import io.biostream.operators.identity.ControlProjection;
import io.biostream.operators.identity.Candidate;
import io.biostream.operators.identity.Gallery;
import io.biostream.operators.identity.GalleryMatcher;
import io.biostream.operators.identity.Identifications;
import io.biostream.operators.identity.MatchPolicy;
import io.biostream.schemas.CaptureSession;
import io.biostream.schemas.ControlEvent;
import io.biostream.schemas.EncryptedTemplate;
import io.biostream.schemas.Frame;
import io.biostream.schemas.Identification;
import io.biostream.schemas.DataKeyScope;
import io.biostream.schemas.MatchSettings;
import io.biostream.schemas.WrappedDataKey;
import io.biostream.schemas.WireFormat;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.typeinfo.BasicTypeInfo;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the control stream has set up, on one analysis subtask. Broadcast state (checkpointed, the
 * same on every subtask) holds the sealed enrollment templates, the match settings and the open
 * capture sessions; beside it this object keeps the gallery of decrypted descriptors the matcher
 * needs, built from broadcast state on first use after a (re)start and then updated with each
 * event. Descriptors exist in clear only in this memory, never in state, output or logs.
 */
public final class ControlState implements AutoCloseable {
    /** templateId (the template's faceId) -> the TEMPLATE_ENROLLED ControlEvent, single-object Avro. */
    public static final MapStateDescriptor<String, byte[]> ENROLLED_TEMPLATES = bytesByName("enrolled-templates");
    /** {@value #CURRENT} -> the MatchSettings of the last SETTINGS_CHANGED; absent until one arrives. */
    public static final MapStateDescriptor<String, byte[]> MATCH_SETTINGS = bytesByName("match-settings");
    /** subjectId -> nothing: the subjects that exist (their personal data stays with the API). */
    public static final MapStateDescriptor<String, byte[]> SUBJECTS = bytesByName("subjects");
    /** sessionId -> the CaptureSession of its SESSION_STARTED, removed by SESSION_ENDED. */
    public static final MapStateDescriptor<String, byte[]> OPEN_SESSIONS = bytesByName("open-sessions");
    /** subjectId -> nothing: the erased subjects, whose replayed upserts and enrollments are refused. */
    public static final MapStateDescriptor<String, byte[]> ERASED_SUBJECTS = bytesByName("erased-subjects");
    public static final String CURRENT = "current";

    private static final Logger LOG = LoggerFactory.getLogger(ControlState.class);

    /** Reads a broadcast state: a processElement context gives read-only views, a processBroadcastElement context writable ones. */
    @FunctionalInterface
    public interface States<S extends ReadOnlyBroadcastState<String, byte[]>> {
        S get(MapStateDescriptor<String, byte[]> descriptor) throws Exception;
    }

    private final TemplateCipher cipher;
    private final TemplateKeyRing keys;
    private final String modelId;
    private final MatchSettings defaults;
    private Gallery gallery;
    private GalleryMatcher matcher;
    private MatchSettings settings;
    private final Map<String, CaptureSession> sessions = new HashMap<>();
    private final Set<String> subjects = new HashSet<>();
    private final Set<String> erased = new HashSet<>();
    private boolean loaded;

    /**
     * @param modelId  the descriptor model of this job; templates of another model are refused
     * @param defaults the settings in force until a SETTINGS_CHANGED arrives
     */
    public ControlState(TemplateCipher cipher, TemplateKeyRing keys, String modelId, MatchSettings defaults) {
        this.cipher = cipher;
        this.keys = keys;
        this.modelId = modelId;
        this.defaults = defaults;
    }

    public static MapStateDescriptor<?, ?>[] descriptors() {
        return new MapStateDescriptor<?, ?>[] {ENROLLED_TEMPLATES, MATCH_SETTINGS, OPEN_SESSIONS, SUBJECTS, ERASED_SUBJECTS};
    }

    /** Builds the in-memory view from broadcast state, once per subtask life (after a restore it is all there). */
    public void ensureLoaded(States<?> states) throws Exception {
        if (loaded) {
            return;
        }
        gallery = new Gallery();
        matcher = new GalleryMatcher(gallery);
        subjects.clear();
        for (Map.Entry<String, byte[]> e : states.get(SUBJECTS).immutableEntries()) {
            subjects.add(e.getKey());
        }
        erased.clear();
        for (Map.Entry<String, byte[]> e : states.get(ERASED_SUBJECTS).immutableEntries()) {
            erased.add(e.getKey());
        }
        int unreadable = 0;
        for (Map.Entry<String, byte[]> e : states.get(ENROLLED_TEMPLATES).immutableEntries()) {
            ControlEvent enrolled = WireFormat.decode(ControlEvent.class, e.getValue());
            subjects.add(enrolled.getSubjectId()); // state written before subjects were kept has only the templates
            Optional<String> problem = addToGallery(enrolled.getSubjectId(), enrolled.getTemplate());
            if (problem.isPresent()) {
                unreadable++;
                LOG.error("enrolled template {} left out of the gallery: {}", e.getKey(), problem.get());
            }
        }
        byte[] current = states.get(MATCH_SETTINGS).get(CURRENT);
        settings = current == null ? defaults : WireFormat.decode(MatchSettings.class, current);
        sessions.clear();
        for (Map.Entry<String, byte[]> e : states.get(OPEN_SESSIONS).immutableEntries()) {
            sessions.put(e.getKey(), WireFormat.decode(CaptureSession.class, e.getValue()));
        }
        loaded = true;
        LOG.info("gallery loaded from broadcast state: {} subjects, {} templates ({} left out), settings version {}, {} open sessions",
                subjects.size(), gallery.size(), unreadable, settings.getVersion(), sessions.size());
    }

    /**
     * Applies a control event to broadcast state and to this view by the rules of
     * {@link ControlProjection} (the API's ledger applies the same). Returns why it was refused (by
     * those rules, or a template that does not open, is of another model or under a key the subject
     * does not own), else empty; a refused event changes nothing. Deterministic, as broadcast state
     * requires: every subtask decides alike.
     */
    public Optional<String> apply(ControlEvent event, States<BroadcastState<String, byte[]>> states) throws Exception {
        try {
            return ControlProjection.apply(event, new BroadcastStore(event, states));
        } catch (StateAccessFailure e) {
            throw e.cause;
        }
    }

    /** The job's side of the projection: broadcast state plus the decrypted gallery. */
    private final class BroadcastStore implements ControlProjection.Store {
        private final ControlEvent event;
        private final States<BroadcastState<String, byte[]>> states;

        BroadcastStore(ControlEvent event, States<BroadcastState<String, byte[]>> states) {
            this.event = event;
            this.states = states;
        }

        @Override
        public boolean hasSubject(String subjectId) {
            return subjects.contains(subjectId);
        }

        @Override
        public void putSubject(String subjectId, ControlEvent upserted) {
            state(SUBJECTS, s -> s.put(subjectId, new byte[0]));
            subjects.add(subjectId);
        }

        @Override
        public boolean wasErased(String subjectId) {
            return erased.contains(subjectId);
        }

        @Override
        public boolean hasTemplate(String subjectId, String templateId) {
            return read(ENROLLED_TEMPLATES, s -> s.contains(templateId));
        }

        @Override
        public Optional<String> addTemplate(String subjectId, EncryptedTemplate template) {
            Optional<String> problem = addToGallery(subjectId, template);
            if (problem.isEmpty()) {
                state(ENROLLED_TEMPLATES, s -> s.put(template.getFaceId(), WireFormat.encode(event)));
            }
            return problem;
        }

        @Override
        public void removeSubject(String subjectId) {
            state(ENROLLED_TEMPLATES, templates -> {
                List<String> ofSubject = new ArrayList<>();
                for (Map.Entry<String, byte[]> e : templates.immutableEntries()) {
                    if (subjectId.equals(WireFormat.decode(ControlEvent.class, e.getValue()).getSubjectId())) {
                        ofSubject.add(e.getKey());
                    }
                }
                for (String templateId : ofSubject) {
                    templates.remove(templateId);
                }
            });
            state(SUBJECTS, s -> s.remove(subjectId));
            subjects.remove(subjectId);
            state(ERASED_SUBJECTS, s -> s.put(subjectId, new byte[0]));
            erased.add(subjectId);
            gallery.removeSubject(subjectId);
        }

        @Override
        public boolean isOpen(String sessionId) {
            return sessions.containsKey(sessionId);
        }

        @Override
        public void startSession(CaptureSession session) {
            state(OPEN_SESSIONS, s -> s.put(session.getSessionId(), WireFormat.encode(session)));
            sessions.put(session.getSessionId(), session);
        }

        @Override
        public void endSession(CaptureSession ended) {
            state(OPEN_SESSIONS, s -> s.remove(ended.getSessionId()));
            sessions.remove(ended.getSessionId());
        }

        @Override
        public void setSettings(MatchSettings changed) {
            state(MATCH_SETTINGS, s -> s.put(CURRENT, WireFormat.encode(changed)));
            settings = changed;
        }

        @Override
        public MatchSettings settings() {
            return settings;
        }

        private void state(MapStateDescriptor<String, byte[]> descriptor, StateAction action) {
            try {
                action.run(states.get(descriptor));
            } catch (Exception e) {
                throw new StateAccessFailure(e);
            }
        }

        private <T> T read(MapStateDescriptor<String, byte[]> descriptor, StateRead<T> read) {
            try {
                return read.apply(states.get(descriptor));
            } catch (Exception e) {
                throw new StateAccessFailure(e);
            }
        }
    }

    @FunctionalInterface
    private interface StateAction {
        void run(BroadcastState<String, byte[]> state) throws Exception;
    }

    @FunctionalInterface
    private interface StateRead<T> {
        T apply(BroadcastState<String, byte[]> state) throws Exception;
    }

    /** Carries a state backend's exception through the projection's store interface. */
    private static final class StateAccessFailure extends RuntimeException {
        final Exception cause;

        StateAccessFailure(Exception cause) {
            super(cause);
            this.cause = cause;
        }
    }

    /**
     * Opens an enrollment and adds it to the gallery; returns why not, leaving the gallery as it was.
     * The template must be sealed under a key of the subject it is enrolled for, so erasing the
     * subject (destroying its keys) takes it away.
     */
    private Optional<String> addToGallery(String subjectId, EncryptedTemplate template) {
        if (!modelId.equals(template.getModel())) {
            return Optional.of("template " + template.getFaceId() + " was made by model '" + template.getModel()
                    + "', this job describes faces with '" + modelId + "'");
        }
        float[] descriptor;
        try {
            descriptor = cipher.open(template);
        } catch (TemplateErasedException e) {
            return Optional.of("template " + template.getFaceId() + " cannot be opened: its data key " + template.getKeyId()
                    + " is destroyed, expired or unknown (an erased subject's?)");
        } catch (GeneralSecurityException e) {
            return Optional.of("template " + template.getFaceId() + " does not open under its data key " + template.getKeyId());
        }
        try {
            Optional<WrappedDataKey> key = keys.describe(template.getKeyId());
            if (key.isEmpty() || key.get().getScope() != DataKeyScope.SUBJECT || !subjectId.equals(key.get().getOwner())) {
                return Optional.of("template " + template.getFaceId() + " is sealed under data key " + template.getKeyId()
                        + ", which is not a key of subject " + subjectId);
            }
            if (descriptor.length != Gallery.DIMENSIONS) {
                return Optional.of("template " + template.getFaceId() + " holds " + descriptor.length + " values, not " + Gallery.DIMENSIONS);
            }
            for (float v : descriptor) {
                if (!Float.isFinite(v)) {
                    return Optional.of("template " + template.getFaceId() + " holds a non-finite value");
                }
            }
            gallery.remove(template.getFaceId());
            gallery.add(subjectId, template.getFaceId(), descriptor);
            return Optional.empty();
        } finally {
            Arrays.fill(descriptor, 0f); // the gallery keeps its own copy
        }
    }

    public MatchSettings settings() {
        return settings;
    }

    public int gallerySize() {
        Gallery loaded = gallery; // read by metrics reporters on their own thread, also before the first load
        return loaded == null ? 0 : loaded.size();
    }

    /** 1:N for each probe: the policy's top-k subjects, matched when the nearest is strictly under its threshold. */
    public List<Identification> identify(float[][] probes, MatchPolicy policy) {
        List<Identification> out = new ArrayList<>(probes.length);
        if (probes.length == 0) {
            return out;
        }
        int size = gallery.size();
        List<List<Candidate>> all = size == 0 ? null : matcher.topK(probes, policy.topK());
        for (int i = 0; i < probes.length; i++) {
            List<Candidate> candidates = all == null ? List.of() : all.get(i);
            List<io.biostream.schemas.Candidate> wire = new ArrayList<>(candidates.size());
            for (Candidate c : candidates) {
                wire.add(new io.biostream.schemas.Candidate(c.subjectId(), (float) c.distance()));
            }
            out.add(Identifications.of(wire, policy.threshold(), size));
        }
        return out;
    }

    /**
     * The session a frame belongs to: its own sessionId, else the open session listing its camera
     * whose time span covers the capture time (the latest started one if several do), else null.
     */
    public String sessionOf(Frame frame) {
        return frame.getSessionId() != null ? frame.getSessionId()
                : sessionOf(frame.getCameraId(), frame.getCaptureTime(), sessions.values());
    }

    static String sessionOf(String cameraId, Instant captured, Collection<CaptureSession> open) {
        return open.stream()
                .filter(s -> s.getCameras().contains(cameraId))
                .filter(s -> !captured.isBefore(s.getStartTime()) && (s.getEndTime() == null || captured.isBefore(s.getEndTime())))
                .max(Comparator.comparing(CaptureSession::getStartTime).thenComparing(CaptureSession::getSessionId))
                .map(CaptureSession::getSessionId)
                .orElse(null);
    }

    @Override
    public void close() {
        if (gallery != null) {
            gallery.close();
        }
    }

    private static MapStateDescriptor<String, byte[]> bytesByName(String name) {
        return new MapStateDescriptor<>(name, BasicTypeInfo.STRING_TYPE_INFO, PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
    }
}
