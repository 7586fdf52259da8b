package io.biostream.operators.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.biostream.schemas.AuditOutcome;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AuditEntryTest {

    @Test
    void refusesEntriesTheTrailCouldNotCarryFaithfully() {
        assertThatThrownBy(() -> AuditEntry.of("", AuditActions.CONFIG_CHANGE, null, AuditOutcome.SUCCESS, Map.of()))
                .hasMessageContaining("actor");
        assertThatThrownBy(() -> AuditEntry.of("k", "Not An Action", null, AuditOutcome.SUCCESS, Map.of()))
                .hasMessageContaining("action");
        assertThatThrownBy(() -> AuditEntry.of("k", AuditActions.CONFIG_CHANGE, null, AuditOutcome.UNKNOWN, Map.of()))
                .hasMessageContaining("outcome");
        assertThatThrownBy(() -> AuditEntry.of("k", AuditActions.CONFIG_CHANGE, "cam\uD800", AuditOutcome.SUCCESS, Map.of()))
                .hasMessageContaining("well-formed");
        Map<String, String> many = new HashMap<>();
        for (int i = 0; i <= AuditEntry.MAX_DETAILS; i++) {
            many.put("k" + i, "v");
        }
        assertThatThrownBy(() -> AuditEntry.of("k", AuditActions.CONFIG_CHANGE, null, AuditOutcome.SUCCESS, many))
                .hasMessageContaining("details");
    }

    @Test
    void detailsAreCopiedAndSorted() {
        Map<String, String> details = new HashMap<>(Map.of("b", "2", "a", "1"));
        AuditEntry entry = AuditEntry.of("k", AuditActions.CONFIG_CHANGE, null, AuditOutcome.SUCCESS, details);
        details.put("c", "3");
        assertThat(entry.details()).containsExactly(Map.entry("a", "1"), Map.entry("b", "2"));
    }

    @Test
    void clipCutsAtCodePointsAndReplacesLoneSurrogates() {
        assertThat(AuditEntry.clip("abcdef", 4)).isEqualTo("abcd");
        assertThat(AuditEntry.clip("ab\uD83D\uDE00c", 3)).isEqualTo("ab"); // the emoji does not fit whole
        assertThat(AuditEntry.clip("a\uDC00b", 10)).isEqualTo("a\uFFFDb");
        assertThat(AuditEntry.wellFormed(AuditEntry.clip("x\uD800", 10))).isTrue();
    }
}
