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

    private static DeniedRequestAudit denials(InMemoryAuditTrail trail, HandClock clock, int maxPerSecond) {
        return new DeniedRequestAudit(trail, clock, maxPerSecond, null); // flushed by the test, not a timer
    }

    @Test
    void aForbiddenKnownCallerIsRecordedAtOnceWithoutTheQueryOrAnyHeader() throws Exception {
        InMemoryAuditTrail trail = new InMemoryAuditTrail();
        denials(trail, new HandClock(), 20).denied("0123456789abcdef", "GET", "/api/v1/audit", 403, "forbidden");

        AuditEvent event = trail.events(0).get(0);
        assertThat(event.getActor()).isEqualTo("0123456789abcdef");
        assertThat(event.getAction()).isEqualTo(AuditActions.REQUEST_DENIED);
        assertThat(event.getOutcome()).isEqualTo(AuditOutcome.DENIED);
        assertThat(event.getSubject()).isNull();
        assertThat(event.getDetails()).containsEntry("path", "/api/v1/audit").containsEntry("status", "403")
                .containsEntry("error", "forbidden").containsEntry("method", "GET").hasSize(4);
    }

    /** Finding 9: anonymous refusals used to be one permanent audit event each (up to 20 a second). */
    @Test
    void unauthenticatedAndRateLimitedRefusalsAreCountedAndRecordedAsOneEventPerInterval() throws Exception {
        InMemoryAuditTrail trail = new InMemoryAuditTrail();
        HandClock clock = new HandClock();
        DeniedRequestAudit denials = denials(trail, clock, 20);
        for (int i = 0; i < 300; i++) {
            denials.denied(AuditActions.ACTOR_ANONYMOUS, "GET", "/api/v1/cameras", 401, "unauthorized");
        }
        for (int i = 0; i < 150; i++) {
            denials.denied(AuditActions.ACTOR_ANONYMOUS, "POST", "/api/v1/search", 401, "unauthorized");
        }
        for (int i = 0; i < 50; i++) {
            denials.denied("0123456789abcdef", "GET", "/api/v1/cameras", 429, "rate_limited");
        }
        assertThat(trail.size()).as("nothing recorded per refusal").isZero();

        clock.now = clock.now.plusSeconds(60);
        denials.flush();
        List<AuditEvent> events = trail.events(0);
        assertThat(events).hasSize(1);
        AuditEvent counted = events.get(0);
        assertThat(counted.getAction()).isEqualTo(AuditActions.REQUEST_DENIED);
        assertThat(counted.getOutcome()).isEqualTo(AuditOutcome.DENIED);
        assertThat(counted.getActor()).isEqualTo(AuditActions.ACTOR_SYSTEM);
        assertThat(counted.getDetails())
                .containsEntry("refused", "500")
                .containsEntry("from", "2026-11-25T10:00:00Z").containsEntry("to", "2026-11-25T10:01:00Z")
                .containsEntry("r01", "count=300 status=401 error=unauthorized caller=anonymous method=GET path=/api/v1/cameras")
                .containsEntry("r02", "count=150 status=401 error=unauthorized caller=anonymous method=POST path=/api/v1/search")
                .containsEntry("r03", "count=50 status=429 error=rate_limited caller=0123456789abcdef method=GET path=/api/v1/cameras")
                .doesNotContainKey("notItemized").hasSize(6);

        denials.flush();
        assertThat(trail.size()).as("an interval without refusals records nothing").isEqualTo(1);
    }

    @Test
    void countingIsBoundedAndTheEventItemizesTheMostFrequent() throws Exception {
        InMemoryAuditTrail trail = new InMemoryAuditTrail();
        DeniedRequestAudit denials = denials(trail, new HandClock(), 20);
        for (int i = 0; i < 5 * DeniedRequestAudit.MAX_KINDS; i++) {
            denials.denied(AuditActions.ACTOR_ANONYMOUS, "GET", "/api/v1/subjects/s" + i + "/" + "x".repeat(500), 401, "unauthorized");
        }
        denials.denied(AuditActions.ACTOR_ANONYMOUS, "GET", "/api/v1/subjects/s0/" + "x".repeat(500), 401, "unauthorized");
        denials.close();
        AuditEvent counted = trail.events(0).get(0);
        long total = 5L * DeniedRequestAudit.MAX_KINDS + 1;
        assertThat(counted.getDetails()).containsEntry("refused", Long.toString(total))
                .containsEntry("notItemized", Long.toString(total - 2 - (DeniedRequestAudit.MAX_ITEMS - 1)))
                .hasSize(3 + DeniedRequestAudit.MAX_ITEMS + 1);
        assertThat(counted.getDetails().get("r01")).startsWith("count=2 ").hasSizeLessThan(300);
        assertThat(trail.size()).isEqualTo(1);
    }

    @Test
    void forbiddenRefusalsAreRecordedAtMostTheBudgetPerSecondAndCountTheRest() throws Exception {
        InMemoryAuditTrail trail = new InMemoryAuditTrail();
        HandClock clock = new HandClock();
        DeniedRequestAudit denials = denials(trail, clock, 3);
        for (int i = 0; i < 10; i++) {
            denials.denied("0123456789abcdef", "GET", "/api/v1/keys", 403, "forbidden");
        }
        assertThat(trail.size()).isEqualTo(3);

        clock.now = clock.now.plusSeconds(1);
        denials.denied("0123456789abcdef", "GET", "/api/v1/keys", 403, "forbidden");
        denials.denied("0123456789abcdef", "GET", "/api/v1/keys", 403, "forbidden");

        List<AuditEvent> events = trail.events(0);
        assertThat(events).hasSize(5);
        assertThat(events.get(3).getDetails()).containsEntry("suppressedBefore", "7");
        assertThat(events.get(4).getDetails()).doesNotContainKey("suppressedBefore");
    }

    @Test
    void aLongOrMalformedPathIsClippedAndAnOutageDoesNotEscape() throws Exception {
        InMemoryAuditTrail trail = new InMemoryAuditTrail();
        DeniedRequestAudit denials = denials(trail, new HandClock(), 20);
        denials.denied("0123456789abcdef", "GET", "/api/" + "x".repeat(5000) + "\uD800", 403, "forbidden");
        assertThat(trail.events(0).get(0).getDetails().get("path")).hasSize(256);

        // The refusal stands whatever the trail does: an outage is logged, not thrown at the caller.
        trail.failWith(new AuditUnavailableException("broker down"));
        assertThatCode(() -> denials.denied("0123456789abcdef", "GET", "/api/v1/cameras", 403, "forbidden"))
                .doesNotThrowAnyException();
        denials.denied(AuditActions.ACTOR_ANONYMOUS, "GET", "/api/v1/cameras", 401, "unauthorized");
        assertThatCode(denials::flush).doesNotThrowAnyException();
        trail.failWith(null);
        denials.denied("0123456789abcdef", "GET", "/api/v1/keys", 403, "forbidden");
        assertThat(trail.events(0)).extracting(e -> e.getDetails().get("path"))
                .containsExactly("/api/" + "x".repeat(251), "/api/v1/keys");
    }
}
