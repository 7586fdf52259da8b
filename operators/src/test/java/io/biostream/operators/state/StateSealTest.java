package io.biostream.operators.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biostream.operators.crypto.TemplateKeyRing;
import io.biostream.operators.crypto.TestKeyRings;
import io.biostream.schemas.Sighting;
import io.biostream.schemas.Sightings;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateSealTest {
    private static final String STATE = QueryableStateNames.SUBJECT_SIGHTINGS;

    @TempDir
    Path dir;

    private TemplateKeyRing keys;
    private StateSeal seal;

    @BeforeEach
    void open() throws Exception {
        keys = TestKeyRings.directory(dir);
        seal = new StateSeal(keys);
    }

    @AfterEach
    void close() {
        keys.close();
    }

    private static byte[] sightingsOfRaj() {
        return IdentityStateCodec.encodeSightings(new Sightings("raj", new ArrayList<>(List.of(
                new Sighting("front-door", 7L, "front-door/7/0", Instant.parse("2026-12-05T10:00:00Z"), 0.31f))), 1L));
    }

    @Test
    void aSealedValueHidesItsContentAndOpensForItsStateAndKeyOnly() throws Exception {
        byte[] clear = sightingsOfRaj();
        byte[] sealed = seal.seal(STATE, "raj", clear);

        assertThat(StateSeal.isSealed(sealed)).isTrue();
        assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("raj").doesNotContain("front-door");
        assertThat(seal.open(STATE, "raj", sealed)).hasValueSatisfying(opened -> assertThat(opened).isEqualTo(clear));
        assertThatThrownBy(() -> seal.open(STATE, "penny", sealed)).as("moved to another key").isInstanceOf(GeneralSecurityException.class);
        assertThatThrownBy(() -> seal.open(QueryableStateNames.SESSION_SUMMARY, "raj", sealed)).as("moved to another state")
                .isInstanceOf(GeneralSecurityException.class);
        byte[] altered = sealed.clone();
        altered[altered.length - 1] ^= 1;
        assertThatThrownBy(() -> seal.open(STATE, "raj", altered)).isInstanceOf(GeneralSecurityException.class);
    }

    @Test
    void aValueFromBeforeSealingIsReadAsItIsAndAnythingElseIsRefused() throws Exception {
        byte[] legacy = sightingsOfRaj();
        assertThat(seal.open(STATE, "raj", legacy)).hasValueSatisfying(opened -> assertThat(opened).isEqualTo(legacy));
        assertThatThrownBy(() -> seal.open(STATE, "raj", "garbage".getBytes(StandardCharsets.US_ASCII)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("not sealed");
        assertThatThrownBy(() -> seal.open(STATE, "raj", new byte[] {'B', 'S', 1, 40, 'd', 'k'}))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("truncated");
    }

    /** A value sealed under a key whose life is over opens as absent: it is older than any retention. */
    @Test
    void aValueWhoseKeyExpiredOpensAsAbsent() throws Exception {
        Clock longAgo = Clock.fixed(Instant.now().minus(StateSeal.KEY_LIFE).minus(Duration.ofDays(3)), ZoneOffset.UTC);
        byte[] sealed = new StateSeal(keys, longAgo).seal(STATE, "raj", sightingsOfRaj());
        assertThat(seal.open(STATE, "raj", sealed)).isEmpty();
        assertThat(seal.open(STATE, "raj", seal.seal(STATE, "raj", sightingsOfRaj()))).as("today's key is live").isPresent();
    }
}
