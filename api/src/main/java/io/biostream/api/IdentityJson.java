package io.biostream.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.biostream.operators.identity.IdentityLedger;
import io.biostream.schemas.CameraOverride;
import io.biostream.schemas.CaptureSession;
import io.biostream.schemas.Consent;
import io.biostream.schemas.MatchSettings;
import io.biostream.schemas.SessionStatus;
import io.biostream.schemas.SessionSummary;
import io.biostream.schemas.Sighting;
import io.biostream.schemas.Sightings;
import io.biostream.schemas.Subject;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.TreeMap;

/** The JSON shapes of the identity routes. Never a descriptor or a template. */
final class IdentityJson {
    private IdentityJson() {}

    record ConsentView(String legalBasis, String purpose, Instant recordedAt, Instant expiresAt, boolean expired) {}

    record SubjectView(String id, String displayName, Map<String, String> attributes, ConsentView consent,
                       Instant createdAt, int templateCount) {}

    record SubjectPage(List<SubjectView> subjects, int page, int size, int total) {}

    /** @param open the subject's personal data, opened from its seal ({@code IdentityCommands#personalData}) */
    static SubjectView subject(IdentityLedger.SubjectEntry entry, Function<IdentityLedger.SubjectEntry, Subject> open,
                               Instant now) {
        Subject s = open.apply(entry);
        Consent c = s.getConsent();
        boolean expired = c.getExpiresTime() != null && !now.isBefore(c.getExpiresTime());
        return new SubjectView(s.getSubjectId(), s.getDisplayName(), new TreeMap<>(s.getAttributes()),
                new ConsentView(c.getLegalBasis(), c.getPurpose(), c.getRecordedTime(), c.getExpiresTime(), expired),
                s.getCreatedTime(), entry.templates().size());
    }

    static SubjectPage page(IdentityLedger.Page page, Function<IdentityLedger.SubjectEntry, Subject> open, Instant now) {
        return new SubjectPage(page.subjects().stream().map(e -> subject(e, open, now)).toList(), page.page(), page.size(),
                page.total());
    }

    record SightingView(String cameraId, long sequence, String faceId, Instant time, float distance) {}

    record SightingsView(String subjectId, long total, List<SightingView> sightings) {}

    static SightingsView sightings(String subjectId, Sightings sightings) {
        if (sightings == null) {
            return new SightingsView(subjectId, 0, List.of());
        }
        return new SightingsView(subjectId, sightings.getTotal(), sightings.getSightings().stream()
                .map(IdentityJson::sighting).toList());
    }

    private static SightingView sighting(Sighting s) {
        return new SightingView(s.getCameraId(), s.getSequence(), s.getFaceId(), s.getTime(), s.getDistance());
    }

    /** What is held about a sealed template: never its ciphertext or the descriptor inside. */
    record TemplateView(String templateId, String model, String keyId, String algorithm, int dimensions, Instant createdAt) {}

    /** Everything held about a subject (GET /api/v1/subjects/{id}/export). */
    record SubjectExport(String format, Instant exportedAt, SubjectView subject, List<TemplateView> templates,
                         SightingsView sightings) {}

    static final String EXPORT_FORMAT = "biostream.subject-export/1";

    static SubjectExport export(IdentityLedger.SubjectEntry entry, Function<IdentityLedger.SubjectEntry, Subject> open,
                                Sightings sightings, Instant now) {
        List<TemplateView> templates = entry.templates().stream()
                .map(t -> new TemplateView(t.getFaceId(), t.getModel(), t.getKeyId(), t.getAlgorithm(), t.getDimensions(),
                        t.getCreatedTime()))
                .toList();
        return new SubjectExport(EXPORT_FORMAT, now, subject(entry, open, now), templates, sightings(entry.subjectId(), sightings));
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record SessionView(String sessionId, List<String> cameras, String purpose, Instant startedAt, Instant endsAt,
                       String status, long frames, long faces, long matches, Instant lastFrameAt) {}

    /** The ledger's session with the job's counts (zero when the job has seen no frame of it). */
    static SessionView session(IdentityLedger.SessionEntry entry, SessionSummary summary, Instant now) {
        CaptureSession s = entry.session();
        boolean ended = entry.ended()
                || (s.getEndTime() != null && !now.isBefore(s.getEndTime()))
                || (summary != null && summary.getStatus() == SessionStatus.ENDED);
        return new SessionView(s.getSessionId(), List.copyOf(s.getCameras()), s.getPurpose().name().toLowerCase(Locale.ROOT),
                s.getStartTime(), s.getEndTime(), ended ? "ENDED" : "OPEN",
                summary == null ? 0 : summary.getFrames(), summary == null ? 0 : summary.getFaces(),
                summary == null ? 0 : summary.getMatches(), summary == null ? null : summary.getLastFrameTime());
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record OverrideView(Float threshold, Integer minFaceSize, Float minQuality, String privacyMode, Long retentionSeconds) {}

    record SettingsView(float threshold, int minFaceSize, float minQuality, String detector, int topK,
                        Map<String, OverrideView> cameras, long version, String privacyMode, long retentionSeconds) {}

    static SettingsView settings(MatchSettings s) {
        Map<String, OverrideView> cameras = new TreeMap<>();
        for (Map.Entry<String, CameraOverride> e : s.getCameras().entrySet()) {
            CameraOverride o = e.getValue();
            cameras.put(e.getKey(), new OverrideView(o.getThreshold(), o.getMinFaceSize(), o.getMinQuality(),
                    o.getPrivacyMode(), o.getRetentionSeconds()));
        }
        return new SettingsView(s.getThreshold(), s.getMinFaceSize(), s.getMinQuality(), s.getDetector(), s.getTopK(),
                cameras, s.getVersion(), s.getPrivacyMode(), s.getRetentionSeconds());
    }
}
