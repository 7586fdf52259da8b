package io.biostream.operators.identity;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.biostream.operators.vision.VisionConfig;
import io.biostream.schemas.AssociatedData;
import io.biostream.schemas.CameraOverride;
import io.biostream.schemas.CaptureSession;
import io.biostream.schemas.Consent;
import io.biostream.schemas.ControlEvent;
import io.biostream.schemas.ControlType;
import io.biostream.schemas.EncryptedTemplate;
import io.biostream.schemas.MatchSettings;
import io.biostream.schemas.SessionPurpose;
import io.biostream.schemas.SealedSubject;
import io.biostream.schemas.Subject;
import io.biostream.schemas.WireFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Timeout;

/**
 * Structured random control events (any type with any mix of present, missing, blank and
 * out-of-range fields, as the wire can carry them) against the checks the job makes before
 * applying one: {@link ControlEvents#problem} finds a problem exactly when the event lacks what
 * its type must carry (restated here from the contract), names it, never throws, and gives the
 * same answer every time (broadcast state must change the same way on every subtask).
 */
class ControlEventsFuzzTest {
    private static final List<String> IDS = List.of("raj", "", " ", "\t", "cam-1", "e-1");
    private static final List<String> DETECTORS = List.of("ssd", "tiny", "haar", "", "SSD", "yolo");
    private static final List<String> PRIVACY = List.of("full", "watchlist-only", "count-only", "", "FULL", "none");
    private static final List<Float> FLOATS = List.of(Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            -0f, 0f, Float.MIN_VALUE, 0.6f, 1f, 2f, 10f, 10.000001f, Float.MAX_VALUE);

    @FuzzTest(maxDuration = "60s")
    @Timeout(30)
    void eachEventIsCompleteOrHasAProblem(FuzzedDataProvider data) throws IOException {
        ControlEvent built = event(data);
        // What reaches the check has crossed the wire: only what the schema can carry.
        ControlEvent event = WireFormat.decode(ControlEvent.class, WireFormat.encode(built));

        Optional<String> problem = ControlEvents.problem(event);

        assertThat(problem.isEmpty()).as("problem %s for %s", problem, event).isEqualTo(complete(event));
        problem.ifPresent(p -> assertThat(p).isNotBlank());
        // The same decision and the same problems for an equal event. (Their order may differ: the
        // per-camera problems follow the map's iteration order, which a copy may change.)
        Optional<String> again = ControlEvents.problem(ControlEvent.newBuilder(event).build());
        assertThat(again.map(ControlEventsFuzzTest::problemSet)).as("the answer for an equal event")
                .isEqualTo(problem.map(ControlEventsFuzzTest::problemSet));
    }

    /** What each type must carry (ControlEvents' contract, restated independently). */
    private static boolean complete(ControlEvent e) {
        if (blank(e.getEventId())) {
            return false;
        }
        return switch (e.getType()) {
            case SUBJECT_UPSERTED -> e.getSealedSubject() != null
                    ? e.getSubject() == null && !blank(e.getSubjectId()) && !blank(e.getSealedSubject().getKeyId())
                            && e.getSealedSubject().getCiphertext().remaining() > 0
                    : e.getSubject() != null && !blank(e.getSubject().getSubjectId())
                            && (e.getSubjectId() == null || e.getSubjectId().equals(e.getSubject().getSubjectId()));
            case TEMPLATE_ENROLLED -> !blank(e.getSubjectId()) && e.getTemplate() != null
                    && !blank(e.getTemplate().getFaceId()) && e.getTemplate().getCiphertext().remaining() > 0;
            case SUBJECT_ERASED -> !blank(e.getSubjectId());
            case SESSION_STARTED, SESSION_ENDED -> e.getSession() != null && !blank(e.getSession().getSessionId());
            case SETTINGS_CHANGED -> e.getSettings() != null && validSettings(e.getSettings());
            case UNKNOWN -> false;
        };
    }

    private static boolean validSettings(MatchSettings s) {
        boolean valid = threshold(s.getThreshold()) && minFaceSize(s.getMinFaceSize()) && quality(s.getMinQuality())
                && VisionConfig.DETECTORS.contains(s.getDetector()) && s.getTopK() >= 1 && s.getTopK() <= 100
                && PrivacyMode.fromWire(s.getPrivacyMode()).isPresent() && retention(s.getRetentionSeconds());
        for (CameraOverride o : s.getCameras().values()) {
            valid &= (o.getThreshold() == null || threshold(o.getThreshold()))
                    && (o.getMinFaceSize() == null || minFaceSize(o.getMinFaceSize()))
                    && (o.getMinQuality() == null || quality(o.getMinQuality()))
                    && (o.getPrivacyMode() == null || PrivacyMode.fromWire(o.getPrivacyMode()).isPresent())
                    && (o.getRetentionSeconds() == null || retention(o.getRetentionSeconds()));
        }
        return valid;
    }

    private static boolean threshold(float t) {
        return t > 0 && t <= 10f;
    }

    private static boolean minFaceSize(int size) {
        return size >= 1 && size <= 10_000;
    }

    private static boolean quality(float q) {
        return q >= 0 && q <= 1;
    }

    private static boolean retention(long seconds) {
        return seconds >= 1 && seconds <= 3L * 365 * 24 * 3600;
    }

    private static java.util.Set<String> problemSet(String problem) {
        return new java.util.HashSet<>(List.of(problem.replaceFirst("^invalid settings: ", "").split("; ", -1)));
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private static ControlEvent event(FuzzedDataProvider data) {
        ControlEvent.Builder b = ControlEvent.newBuilder()
                .setType(data.pickValue(ControlType.values()))
                .setEventId(text(data))
                .setTime(Instant.ofEpochMilli(data.consumeLong()))
                .setActor(text(data));
        if (data.consumeBoolean()) {
            b.setSubjectId(text(data));
        }
        if (data.consumeBoolean()) {
            Map<String, String> attributes = new TreeMap<>();
            for (int i = data.consumeInt(0, 3); i > 0; i--) {
                attributes.put(text(data), text(data));
            }
            b.setSubject(new Subject(text(data), text(data), attributes, new Consent(text(data), text(data),
                    Instant.ofEpochMilli(data.consumeLong()), data.consumeBoolean() ? null : Instant.ofEpochMilli(data.consumeLong())),
                    Instant.ofEpochMilli(data.consumeLong())));
        }
        if (data.consumeBoolean()) {
            b.setSealedSubject(new SealedSubject(text(data), text(data), ByteBuffer.wrap(data.consumeBytes(data.consumeInt(0, 4)))));
        }
        if (data.consumeBoolean()) {
            b.setTemplate(new EncryptedTemplate(text(data), text(data), text(data),
                    ByteBuffer.wrap(data.consumeBytes(data.consumeInt(0, 4))),
                    new AssociatedData(text(data), data.consumeLong(), data.consumeInt()),
                    text(data), data.consumeInt(), Instant.ofEpochMilli(data.consumeLong())));
        }
        if (data.consumeBoolean()) {
            List<String> cameras = new ArrayList<>();
            for (int i = data.consumeInt(0, 3); i > 0; i--) {
                cameras.add(text(data));
            }
            b.setSession(new CaptureSession(text(data), cameras, data.pickValue(SessionPurpose.values()),
                    Instant.ofEpochMilli(data.consumeLong()), data.consumeBoolean() ? null : Instant.ofEpochMilli(data.consumeLong())));
        }
        if (data.consumeBoolean()) {
            Map<String, CameraOverride> overrides = new TreeMap<>();
            for (int i = data.consumeInt(0, 3); i > 0; i--) {
                overrides.put(text(data), new CameraOverride(
                        data.consumeBoolean() ? null : number(data),
                        data.consumeBoolean() ? null : data.consumeInt(-1, 10_001),
                        data.consumeBoolean() ? null : number(data),
                        data.consumeBoolean() ? null : data.pickValue(PRIVACY),
                        data.consumeBoolean() ? null : data.consumeLong()));
            }
            b.setSettings(new MatchSettings(number(data), data.consumeInt(-1, 10_001), number(data),
                    data.pickValue(DETECTORS), data.consumeInt(-1, 101), overrides, data.consumeLong(),
                    data.pickValue(PRIVACY), data.consumeBoolean() ? data.consumeLong() : data.consumeLong(0, 100_000_000)));
        }
        return b.build();
    }

    /** A known id, a blank one, or any string (control characters and all). */
    private static String text(FuzzedDataProvider data) {
        return data.consumeBoolean() ? data.pickValue(IDS) : data.consumeString(24);
    }

    /** An edge value or any float. */
    private static float number(FuzzedDataProvider data) {
        return data.consumeBoolean() ? data.pickValue(FLOATS) : data.consumeFloat();
    }
}
