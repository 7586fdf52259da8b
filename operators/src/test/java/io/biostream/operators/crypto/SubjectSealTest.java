package io.biostream.operators.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biostream.schemas.Consent;
import io.biostream.schemas.SealedSubject;
import io.biostream.schemas.Subject;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A subject's personal data sealed under its own data key, with real Tink keys in a key directory. */
class SubjectSealTest {
    private static final Instant T0 = Instant.parse("2026-11-26T10:00:00Z");
    private static final String UPSERTED = "SUBJECT_UPSERTED";

    @TempDir
    Path dir;

    private TemplateKeyRing ring;

    @BeforeEach
    void open() throws Exception {
        ring = TestKeyRings.directory(dir);
    }

    @Test
    void theSealOpensForItsSubjectOnlyAndHoldsNothingInClear() throws Exception {
        Subject ada = subject("ada", "Ada Lovelace", "analytical-engine");
        SealedSubject sealed = SubjectSeal.seal(ada, UPSERTED, ring.subjectKey("ada"));

        assertThat(sealed.getKeyId()).isEqualTo(ring.subjectKey("ada").keyId());
        assertThat(new String(bytes(sealed), StandardCharsets.ISO_8859_1))
                .doesNotContain("Ada Lovelace").doesNotContain("analytical-engine").doesNotContain("explicit-consent");
        assertThat(SubjectSeal.open("ada", UPSERTED, sealed, ring)).isEqualTo(ada);

        // Bound to its subject and event type: copied onto another subject's event, or read as another type, it does not open.
        ring.subjectKey("bob");
        assertThatThrownBy(() -> SubjectSeal.open("bob", UPSERTED, sealed, ring))
                .isInstanceOf(GeneralSecurityException.class).hasMessageContaining("not a key of that subject");
        assertThatThrownBy(() -> SubjectSeal.open("ada", "TEMPLATE_ENROLLED", sealed, ring))
                .isInstanceOf(GeneralSecurityException.class);
        // Sealed under another subject's key: refused even though the key opens it.
        SealedSubject underBobsKey = SubjectSeal.seal(ada, UPSERTED, ring.subjectKey("bob"));
        assertThatThrownBy(() -> SubjectSeal.open("ada", UPSERTED, underBobsKey, ring))
                .isInstanceOf(GeneralSecurityException.class).hasMessageContaining("not a key of that subject");
        byte[] flipped = bytes(sealed);
        flipped[flipped.length - 1] ^= 1;
        assertThatThrownBy(() -> SubjectSeal.open("ada", UPSERTED,
                SealedSubject.newBuilder(sealed).setCiphertext(ByteBuffer.wrap(flipped)).build(), ring))
                .isInstanceOf(GeneralSecurityException.class);
    }

    @Test
    void erasingTheSubjectMakesItsSealedDataUnrecoverable() throws Exception {
        SealedSubject sealed = SubjectSeal.seal(subject("ada", "Ada Lovelace", "x"), UPSERTED, ring.subjectKey("ada"));
        SealedSubject bob = SubjectSeal.seal(subject("bob", "Bob", "y"), UPSERTED, ring.subjectKey("bob"));

        ring.destroySubject("ada");

        assertThatThrownBy(() -> SubjectSeal.open("ada", UPSERTED, sealed, ring)).isInstanceOf(TemplateErasedException.class);
        // A fresh process reading the same key store cannot open it either.
        TemplateKeyRing fresh = TestKeyRings.directory(dir);
        assertThatThrownBy(() -> SubjectSeal.open("ada", UPSERTED, sealed, fresh)).isInstanceOf(TemplateErasedException.class);
        assertThat(SubjectSeal.open("bob", UPSERTED, bob, fresh).getDisplayName()).isEqualTo("Bob");
    }

    private static Subject subject(String id, String name, String team) {
        return Subject.newBuilder().setSubjectId(id).setDisplayName(name).setAttributes(Map.of("team", team))
                .setConsent(Consent.newBuilder().setLegalBasis("explicit-consent").setPurpose("access control")
                        .setRecordedTime(T0).setExpiresTime(T0.plusSeconds(86_400)).build())
                .setCreatedTime(T0).build();
    }

    private static byte[] bytes(SealedSubject sealed) {
        ByteBuffer view = sealed.getCiphertext().duplicate();
        byte[] out = new byte[view.remaining()];
        view.get(out);
        return out;
    }
}
