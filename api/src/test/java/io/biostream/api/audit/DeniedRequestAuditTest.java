package io.biostream.api.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.biostream.operators.audit.AuditActions;
import io.biostream.operators.audit.AuditUnavailableException;
import io.biostream.schemas.AuditEvent;
import io.biostream.schemas.AuditOutcome;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeniedRequestAuditTest {

    /** A clock the test moves by hand. */
    private static final class HandClock extends Clock {
        Instant now = Instant.parse("2026-11-25T10:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneId.of("UTC");
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    @Test
    void recordsEachRefusalWithoutTheQueryOrAnyHeader() throws Exception {
        InMemoryAuditTrail trail = new InMemoryAuditTrail();
        new DeniedRequestAudit(trail).denied("0123456789abcdef", "GET", "/api/v1/audit", 403, "forbidden");

        AuditEvent event = trail.events(0).get(0);
        assertThat(event.getActor()).isEqualTo("0123456789abcdef");
        assertThat(event.getAction()).isEqualTo(AuditActions.REQUEST_DENIED);
        assertThat(event.getOutcome()).isEqualTo(AuditOutcome.DENIED);
        assertThat(event.getSubject()).isNull();
        assertThat(event.getDetails()).containsEntry("path", "/api/v1/audit").containsEntry("status", "403")
                .containsEntry("error", "forbidden").containsEntry("method", "GET").hasSize(4);
    }

    @Test
    void recordsAtMostTheBudgetPerSecondAndCountsTheRest() throws Exception {
        InMemoryAuditTrail trail = new InMemoryAuditTrail();
        HandClock clock = new HandClock();
        DeniedRequestAudit denials = new DeniedRequestAudit(trail, clock, 3);
        for (int i = 0; i < 10; i++) {
            denials.denied(AuditActions.ACTOR_ANONYMOUS, "GET", "/api/v1/cameras", 401, "unauthorized");
        }
        assertThat(trail.size()).isEqualTo(3);

        clock.now = clock.now.plusSeconds(1);
        denials.denied(AuditActions.ACTOR_ANONYMOUS, "GET", "/api/v1/cameras", 401, "unauthorized");
        denials.denied(AuditActions.ACTOR_ANONYMOUS, "GET", "/api/v1/cameras", 401, "unauthorized");

        List<AuditEvent> events = trail.events(0);
        assertThat(events).hasSize(5);
        assertThat(events.get(3).getDetails()).containsEntry("suppressedBefore", "7");
        assertThat(events.get(4).getDetails()).doesNotContainKey("suppressedBefore");
    }

    @Test
    void aLongOrMalformedPathIsClippedAndAnOutageDoesNotEscape() throws Exception {
        InMemoryAuditTrail trail = new InMemoryAuditTrail();
        DeniedRequestAudit denials = new DeniedRequestAudit(trail);
        denials.denied(AuditActions.ACTOR_ANONYMOUS, "GET", "/api/" + "x".repeat(5000) + "\uD800", 401, "unauthorized");
        assertThat(trail.events(0).get(0).getDetails().get("path")).hasSize(256);

        // The refusal stands whatever the trail does: an outage is logged, not thrown at the caller.
        trail.failWith(new AuditUnavailableException("broker down"));
        assertThatCode(() -> denials.denied(AuditActions.ACTOR_ANONYMOUS, "GET", "/api/v1/cameras", 401, "unauthorized"))
                .doesNotThrowAnyException();
        trail.failWith(null);
        denials.denied(AuditActions.ACTOR_ANONYMOUS, "GET", "/api/v1/keys", 401, "unauthorized");
        assertThat(trail.events(0)).extracting(e -> e.getDetails().get("path"))
                .containsExactly("/api/" + "x".repeat(251), "/api/v1/keys");
    }
}
