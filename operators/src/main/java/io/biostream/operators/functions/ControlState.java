package io.biostream.operators.functions;

import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.operators.crypto.TemplateErasedException;
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
import io.biostream.schemas.MatchSettings;
import io.biostream.schemas.WireFormat;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
    /** sessionId -> the CaptureSession of its SESSION_STARTED, removed by SESSION_ENDED. */
    public static final MapStateDescriptor<String, byte[]> OPEN_SESSIONS = bytesByName("open-sessions");
    public static final String CURRENT = "current";

    private static final Logger LOG = LoggerFactory.getLogger(ControlState.class);

    /** Reads a broadcast state: a processElement context gives read-only views, a processBroadcastElement context writable ones. */
    @FunctionalInterface
    public interface States<S extends ReadOnlyBroadcastState<String, byte[]>> {
        S get(MapStateDescriptor<String, byte[]> descriptor) throws Exception;
    }

    private final TemplateCipher cipher;
    private final String modelId;
    private final MatchSettings defaults;
    private Gallery gallery;
    private GalleryMatcher matcher;
    private MatchSettings settings;
    private final Map<String, CaptureSession> sessions = new HashMap<>();
    private boolean loaded;

    /**
     * @param modelId  the descriptor model of this job; templates of another model are refused
     * @param defaults the settings in force until a SETTINGS_CHANGED arrives
     */
    public ControlState(TemplateCipher cipher, String modelId, MatchSettings defaults) {
        this.cipher = cipher;
        this.modelId = modelId;
        this.defaults = defaults;
    }

    public static MapStateDescriptor<?, ?>[] descriptors() {
        return new MapStateDescriptor<?, ?>[] {ENROLLED_TEMPLATES, MATCH_SETTINGS, OPEN_SESSIONS};
    }

    /** Builds the in-memory view from broadcast state, once per subtask life (after a restore it is all there). */
    public void ensureLoaded(States<?> states) throws Exception {
        if (loaded) {
            return;
        }
        gallery = new Gallery();
        matcher = new GalleryMatcher(gallery);
        int unreadable = 0;
        for (Map.Entry<String, byte[]> e : states.get(ENROLLED_TEMPLATES).immutableEntries()) {
            ControlEvent enrolled = WireFormat.decode(ControlEvent.class, e.getValue());
            Optional<String> problem = addToGallery(enrolled);
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
        LOG.info("gallery loaded from broadcast state: {} templates ({} left out), settings version {}, {} open sessions",
                gallery.size(), unreadable, settings.getVersion(), sessions.size());
    }

    /**
     * Applies a (validated) control event to broadcast state and to this view. Returns why it was
     * refused (a template that does not open, or of another model), else empty; a refused event
     * changes nothing. Deterministic, as broadcast state requires: every subtask decides alike.
     */
    public Optional<String> apply(ControlEvent event, States<BroadcastState<String, byte[]>> states) throws Exception {
        switch (event.getType()) {
            case TEMPLATE_ENROLLED -> {
                Optional<String> problem = addToGallery(event);
                if (problem.isPresent()) {
                    return problem;
                }
                states.get(ENROLLED_TEMPLATES).put(event.getTemplate().getFaceId(), WireFormat.encode(event));
            }
            case SUBJECT_ERASED -> {
                BroadcastState<String, byte[]> templates = states.get(ENROLLED_TEMPLATES);
                List<String> ofSubject = new ArrayList<>();
                for (Map.Entry<String, byte[]> e : templates.immutableEntries()) {
                    if (event.getSubjectId().equals(WireFormat.decode(ControlEvent.class, e.getValue()).getSubjectId())) {
                        ofSubject.add(e.getKey());
                    }
                }
                for (String templateId : ofSubject) {
                    templates.remove(templateId);
                }
                gallery.removeSubject(event.getSubjectId());
            }
            case SETTINGS_CHANGED -> {
                states.get(MATCH_SETTINGS).put(CURRENT, WireFormat.encode(event.getSettings()));
                settings = event.getSettings();
            }
            case SESSION_STARTED -> {
                states.get(OPEN_SESSIONS).put(event.getSession().getSessionId(), WireFormat.encode(event.getSession()));
                sessions.put(event.getSession().getSessionId(), event.getSession());
            }
            case SESSION_ENDED -> {
                states.get(OPEN_SESSIONS).remove(event.getSession().getSessionId());
                sessions.remove(event.getSession().getSessionId());
            }
            default -> { } // SUBJECT_UPSERTED: the subject's record is the API's; matching needs only templates
        }
        return Optional.empty();
    }

    /** Opens an enrollment and adds it to the gallery; returns why not, leaving the gallery as it was. */
    private Optional<String> addToGallery(ControlEvent enrolled) {
        EncryptedTemplate template = enrolled.getTemplate();
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
            if (descriptor.length != Gallery.DIMENSIONS) {
                return Optional.of("template " + template.getFaceId() + " holds " + descriptor.length + " values, not " + Gallery.DIMENSIONS);
            }
            for (float v : descriptor) {
                if (!Float.isFinite(v)) {
                    return Optional.of("template " + template.getFaceId() + " holds a non-finite value");
                }
            }
            gallery.remove(template.getFaceId()); // a re-sent enrollment replaces the template
            gallery.add(enrolled.getSubjectId(), template.getFaceId(), descriptor);
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
