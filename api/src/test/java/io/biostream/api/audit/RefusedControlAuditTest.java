package io.biostream.api.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biostream.operators.audit.AuditActions;
import io.biostream.operators.audit.AuditUnavailableException;
import io.biostream.schemas.AuditEvent;
import io.biostream.schemas.AuditOutcome;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Refused control records (unsigned or forged on biostream.control) are audited once, in aggregate. */
class RefusedControlAuditTest {
    private static final String UNSIGNED = "the control record is not signed (no biostream-signature header)";
    private static final String FORGED = "the control record's signature does not verify under the control verification keys";

    @TempDir
    Path dir;

    @Test
    void refusalsAreRecordedAsOneEventWithTheirOffsetsAndReasonsCounted() throws Exception {
        InMemoryAuditTrail trail = new InMemoryAuditTrail();
        Path file = dir.resolve("control-refusals.offset");
        try (RefusedControlAudit audit = new RefusedControlAudit(trail, file, null)) {
            audit.refused(3, UNSIGNED);
            audit.refused(5, FORGED);
            audit.refused(7, UNSIGNED);
            assertThat(trail.size()).as("counted, not recorded one by one").isZero();
            audit.flush();
            assertThat(audit.audited()).isEqualTo(7);
        }
        assertThat(trail.size()).as("close records nothing more when nothing was counted").isEqualTo(1);
        AuditEvent event = trail.events(0).get(0);
        assertThat(event.getAction()).isEqualTo(AuditActions.CONTROL_REFUSED);
        assertThat(event.getActor()).isEqualTo(AuditActions.ACTOR_SYSTEM);
        assertThat(event.getOutcome()).isEqualTo(AuditOutcome.DENIED);
        assertThat(event.getDetails()).containsEntry("refused", "3").containsEntry("fromOffset", "3")
                .containsEntry("toOffset", "7").containsEntry("r01", "count=2 reason=" + UNSIGNED)
                .containsEntry("r02", "count=1 reason=" + FORGED);
        assertThat(Files.readString(file)).contains("7");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }

    /** The API replays the whole topic when it starts: what an earlier run audited is not audited again. */
    @Test
    void aRestartedApiAuditsOnlyRefusalsAfterTheLastOneAuditedBefore() throws Exception {
        InMemoryAuditTrail trail = new InMemoryAuditTrail();
        Path file = dir.resolve("control-refusals.offset");
        try (RefusedControlAudit first = new RefusedControlAudit(trail, file, null)) {
            first.refused(3, UNSIGNED);
            first.refused(5, FORGED);
        } // close flushes
        try (RefusedControlAudit again = new RefusedControlAudit(trail, file, null)) {
            again.refused(3, UNSIGNED); // the replay
            again.refused(5, FORGED);
            again.refused(9, FORGED); // written while the API was down
        }
        assertThat(trail.size()).isEqualTo(2);
        assertThat(trail.events(1).get(0).getDetails()).containsEntry("refused", "1").containsEntry("fromOffset", "9")
                .containsEntry("toOffset", "9");
    }

    @Test
    void refusalsThatCouldNotBeRecordedAreAuditedAtTheNextStart() throws Exception {
        InMemoryAuditTrail trail = new InMemoryAuditTrail();
        Path file = dir.resolve("control-refusals.offset");
        trail.failWith(new AuditUnavailableException("audit topic down"));
        try (RefusedControlAudit down = new RefusedControlAudit(trail, file, null)) {
            down.refused(4, UNSIGNED);
            down.flush();
            assertThat(down.audited()).isEqualTo(-1);
        }
        assertThat(file).doesNotExist();
        trail.failWith(null);
        try (RefusedControlAudit again = new RefusedControlAudit(trail, file, null)) {
            again.refused(4, UNSIGNED);
        }
        assertThat(trail.events(0)).singleElement().satisfies(e -> assertThat(e.getDetails()).containsEntry("fromOffset", "4"));
    }

    @Test
    void aFileThatDoesNotHoldAnOffsetIsRefusedWithItsName() throws IOException {
        Path file = dir.resolve("control-refusals.offset");
        Files.writeString(file, "not a number\n");
        assertThatThrownBy(() -> new RefusedControlAudit(new InMemoryAuditTrail(), file, null))
                .isInstanceOf(IOException.class).hasMessageContaining(file.toString()).hasMessageContaining("control offset");
    }
}
