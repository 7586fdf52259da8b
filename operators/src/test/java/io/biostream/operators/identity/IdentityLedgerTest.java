package io.biostream.operators.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.biostream.operators.crypto.SubjectSeal;
import io.biostream.operators.crypto.TemplateCipher;
import io.biostream.operators.crypto.TestKeyRings;
import io.biostream.operators.identity.IdentityConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import io.biostream.operators.vision.VisionConfig;
import io.biostream.schemas.AssociatedData;
import io.biostream.schemas.CaptureSession;
import io.biostream.schemas.Consent;
import io.biostream.schemas.ControlEvent;
import io.biostream.schemas.ControlType;
import io.biostream.schemas.EncryptedTemplate;
import io.biostream.schemas.MatchSettings;
import io.biostream.schemas.SessionPurpose;
import io.biostream.schemas.Subject;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class IdentityLedgerTest {
    private static final Instant T0 = Instant.parse("2026-11-26T10:00:00Z");
    private final IdentityEvents events = new IdentityEvents(Clock.fixed(T0, ZoneOffset.UTC));
    private final MatchSettings defaults = IdentityConfig.DEFAULTS.defaultSettings(VisionConfig.DEFAULTS);
    private TemplateCipher cipher;
    private IdentityLedger ledger;
    private final List<String> told = new ArrayList<>();

    @TempDir
    Path keysDir;

    @BeforeEach
    void setUp() throws Exception {
        cipher = new TemplateCipher(TestKeyRings.directory(keysDir));
        ledger = new IdentityLedger(defaults);
    }

    @Test
    void subjectsCarryConsentAndTheirSealedTemplatesInOrder() throws Exception {
        apply(upserted("key1", "ada"));
        apply(events.templateEnrolled("key1", "ada", template("ada", 0, 1f)));
        apply(events.templateEnrolled("key1", "ada", template("ada", 1, 2f)));

        IdentityLedger.SubjectEntry ada = ledger.subject("ada").orElseThrow();
        assertThat(ada.legacyClear()).as("kept sealed, as it came").isNull();
        assertThat(SubjectSeal.open("ada", ControlType.SUBJECT_UPSERTED.name(), ada.sealed(), cipher.keys()).getConsent()
                .getLegalBasis()).isEqualTo("explicit-consent");
        assertThat(ada.templates()).extracting(EncryptedTemplate::getFaceId)
                .containsExactly("enrollment/ada/0", "enrollment/ada/1");
        assertThat(ada.nextTemplateNumber()).isEqualTo(2);
        assertThat(cipher.open(ada.templates().get(1))[0]).isEqualTo(2f);
    }

    @Test
    void erasureRemovesTheSubjectAndItsTemplatesAndTellsListeners() throws Exception {
        ledger.subscribe(recorder());
        apply(upserted("key1", "ada"));
        apply(events.templateEnrolled("key1", "ada", template("ada", 0, 1f)));
        apply(upserted("key1", "bob"));
        apply(events.subjectErased("key1", "ada"));

        assertThat(ledger.subject("ada")).isEmpty();
        assertThat(ledger.subjects(0, 10).subjects()).extracting(IdentityLedger.SubjectEntry::subjectId).containsExactly("bob");
        assertThat(told).containsExactly("enrolled ada enrollment/ada/0", "erased ada");
        assertThat(ledger.isErased("ada")).isTrue();
        assertThat(ledger.isErased("bob")).isFalse();
    }

    @Test
    void aReplayedUpsertOrEnrollmentOfAnErasedSubjectIsSkippedAndCounted() throws Exception {
        IdentityEvents.Keyed upsert = upserted("key1", "ada");
        IdentityEvents.Keyed enrollment = events.templateEnrolled("key1", "ada", template("ada", 0, 1f));
        apply(upsert);
        apply(enrollment);
        apply(events.subjectErased("key1", "ada"));

        // The very events, as signed and published before the erasure, replayed after it.
        assertThat(ledger.apply(upsert.event())).hasValueSatisfying(r -> assertThat(r).contains("ada, which was erased"));
        assertThat(ledger.apply(enrollment.event())).hasValueSatisfying(r -> assertThat(r).contains("ada, which was erased"));
        assertThat(ledger.apply(upserted("key1", "ada").event())).as("a fresh upsert of the id").isPresent();
        assertThat(ledger.subject("ada")).isEmpty();
        assertThat(ledger.subjectCount()).isZero();
        assertThat(ledger.refusedForErasedSubjects()).isEqualTo(3);
        // Erasing again stays idempotent and is not counted as a refusal.
        assertThat(ledger.apply(events.subjectErased("key1", "ada").event())).isEmpty();
        assertThat(ledger.refusedForErasedSubjects()).isEqualTo(3);
    }

    @Test
    void anUpsertWrittenBeforeSubjectsWereSealedIsStillReadInClear() throws Exception {
        Subject clear = subject("old");
        ControlEvent legacy = ControlEvent.newBuilder(events.subjectErased("k", "old").event())
                .setType(ControlType.SUBJECT_UPSERTED).setSubjectId(null).setSubject(clear).build();
        assertThat(ledger.apply(legacy)).isEmpty();
        assertThat(ledger.subject("old").orElseThrow().legacyClear()).isEqualTo(clear);
        assertThat(ledger.subject("old").orElseThrow().sealed()).isNull();
        // Both sealed and in clear: refused, personal data never travels in clear beside its seal.
        ControlEvent both = ControlEvent.newBuilder(upserted("k", "new").event()).setSubject(subject("new")).build();
        assertThat(ledger.apply(both)).hasValueSatisfying(r -> assertThat(r).contains("both sealed and in clear"));
        assertThat(ledger.subject("new")).isEmpty();
    }

    @Test
    void aLateSubscriberHearsEveryTemplateEnrolledSoFar() throws Exception {
        apply(upserted("key1", "ada"));
        apply(events.templateEnrolled("key1", "ada", template("ada", 0, 1f)));
        apply(events.templateEnrolled("key1", "ada", template("ada", 1, 1f)));
        ledger.subscribe(recorder());
        apply(events.templateEnrolled("key1", "ada", template("ada", 2, 1f)));
        assertThat(told).containsExactly("enrolled ada enrollment/ada/0", "enrolled ada enrollment/ada/1",
                "enrolled ada enrollment/ada/2");
    }

    @Test
    void eventsAboutUnknownOrMisboundThingsAreIgnoredWithAReason() throws Exception {
        assertThat(ledger.apply(events.templateEnrolled("k", "ghost", template("ghost", 0, 1f)).event()))
                .hasValueSatisfying(r -> assertThat(r).contains("unknown subject"));
        apply(upserted("k", "ada"));
        // Sealed for another subject: refused.
        assertThat(ledger.apply(events.templateEnrolled("k", "ada", template("bob", 0, 1f)).event()))
                .hasValueSatisfying(r -> assertThat(r).contains("enrollment/ada"));
        // Erasure is idempotent: of a subject never seen it changes nothing and is not refused.
        assertThat(ledger.apply(events.subjectErased("k", "ghost").event())).isEmpty();
        assertThat(ledger.subjectCount()).isEqualTo(1);
        assertThat(ledger.apply(ControlEvent.newBuilder(events.subjectErased("k", "ada").event())
                .setType(ControlType.UNKNOWN).build())).isPresent();
        assertThat(ledger.subject("ada").orElseThrow().templates()).isEmpty();
        assertThat(ledger.eventsSeen()).isEqualTo(5);
    }

    @Test
    void sessionsStartAndEnd() throws Exception {
        CaptureSession session = CaptureSession.newBuilder().setSessionId("s-1").setCameras(List.of("door-1"))
                .setPurpose(SessionPurpose.IDENTIFY).setStartTime(T0).setEndTime(null).build();
        apply(events.sessionStarted("k", session));
        assertThat(ledger.session("s-1").orElseThrow().ended()).isFalse();
        apply(events.sessionEnded("k", CaptureSession.newBuilder(session).setEndTime(T0.plusSeconds(60)).build()));
        IdentityLedger.SessionEntry ended = ledger.session("s-1").orElseThrow();
        assertThat(ended.ended()).isTrue();
        assertThat(ended.session().getEndTime()).isEqualTo(T0.plusSeconds(60));
        assertThat(ended.session().getCameras()).containsExactly("door-1");
    }

    @Test
    void settingsAreTheLastChangeAndStartAtTheDefaults() throws Exception {
        assertThat(ledger.settings()).isEqualTo(defaults);
        MatchSettings changed = MatchSettings.newBuilder(defaults).setThreshold(0.45f).setVersion(1).build();
        apply(events.settingsChanged("k", changed));
        assertThat(ledger.settings().getThreshold()).isEqualTo(0.45f);
        assertThat(ledger.settings().getVersion()).isEqualTo(1);
        assertThat(events.settingsChanged("k", changed).key()).isEqualTo("settings");

        // A signed change replayed later (or one not after the version in force) is refused: the stricter one stays.
        MatchSettings stricter = MatchSettings.newBuilder(changed).setThreshold(0.3f).setVersion(2).build();
        apply(events.settingsChanged("k", stricter));
        assertThat(ledger.apply(events.settingsChanged("k", changed).event()))
                .hasValueSatisfying(r -> assertThat(r).contains("version 1, not after the version in force 2"));
        assertThat(ledger.apply(events.settingsChanged("k", MatchSettings.newBuilder(stricter).setThreshold(0.9f).build()).event()))
                .isPresent();
        assertThat(ledger.settings().getThreshold()).isEqualTo(0.3f);
    }

    @Test
    void subjectsArePagedInIdOrder() throws Exception {
        for (String id : List.of("carol", "ada", "bob", "dave", "erin")) {
            apply(upserted("k", id));
        }
        IdentityLedger.Page second = ledger.subjects(1, 2);
        assertThat(second.subjects()).extracting(IdentityLedger.SubjectEntry::subjectId).containsExactly("carol", "dave");
        assertThat(second.total()).isEqualTo(5);
        assertThat(ledger.subjects(3, 2).subjects()).isEmpty();
    }

    @Test
    void eventsAreKeyedAndStampedAsTheContractSays() throws Exception {
        IdentityEvents.Keyed enrolled = events.templateEnrolled("key1", "ada", template("ada", 0, 1f));
        assertThat(enrolled.key()).isEqualTo("ada");
        assertThat(enrolled.event().getActor()).isEqualTo("key1");
        assertThat(enrolled.event().getTime()).isEqualTo(T0);
        assertThat(java.util.UUID.fromString(enrolled.event().getEventId()).version()).as("a random UUID").isEqualTo(4);
        assertThat(enrolled.event().getEventId()).isNotEqualTo(events.subjectErased("key1", "ada").event().getEventId());
    }

    private void apply(IdentityEvents.Keyed keyed) {
        assertThat(ledger.apply(keyed.event())).isEmpty();
    }

    private IdentityLedger.Listener recorder() {
        return new IdentityLedger.Listener() {
            @Override
            public void templateEnrolled(String subjectId, EncryptedTemplate template) {
                told.add("enrolled " + subjectId + " " + template.getFaceId());
            }

            @Override
            public void subjectErased(String subjectId) {
                told.add("erased " + subjectId);
            }
        };
    }

    /** A SUBJECT_UPSERTED as the API writes it: the subject sealed under its own data key. */
    private IdentityEvents.Keyed upserted(String actor, String id) throws Exception {
        return events.subjectUpserted(actor, id, SubjectSeal.seal(subject(id), ControlType.SUBJECT_UPSERTED.name(),
                cipher.keys().subjectKey(id)));
    }

    private static Subject subject(String id) {
        return Subject.newBuilder().setSubjectId(id).setDisplayName(id.toUpperCase()).setAttributes(Map.of())
                .setConsent(Consent.newBuilder().setLegalBasis("explicit-consent").setPurpose("access control")
                        .setRecordedTime(T0).setExpiresTime(null).build())
                .setCreatedTime(T0).build();
    }

    private EncryptedTemplate template(String subjectId, int n, float value) throws Exception {
        float[] descriptor = new float[128];
        descriptor[0] = value;
        AssociatedData ad = Enrollments.associatedData(subjectId, n);
        return cipher.seal(Enrollments.templateId(subjectId, n), descriptor, ad, "face-api-recognition-1.7.15",
                cipher.keys().subjectKey(subjectId));
    }
}
