package io.biostream.api;

import io.biostream.api.audit.AuditReader;
import io.biostream.operators.audit.AuditVerification;
import io.biostream.operators.audit.AuditVerifier;
import io.javalin.http.Context;

/** Routes under /api/v1/audit: page through the trail, and verify it end to end. */
final class AuditHandlers {
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 1000;

    private final AuditReader reader;
    private final AuditVerifier verifier;

    AuditHandlers(AuditReader reader, AuditVerifier verifier) {
        this.reader = reader;
        this.verifier = verifier;
    }

    /** GET /api/v1/audit?from=POSITION&amp;limit=N */
    void list(Context ctx) {
        long from = number(ctx, "from", 0, 0, Long.MAX_VALUE);
        int limit = (int) number(ctx, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
        ctx.json(AuditJson.page(from, reader.read(from, limit)));
    }

    /** GET /api/v1/audit/verify: recomputes the whole chain and its signatures, stopping at the first bad event. */
    void verify(Context ctx) {
        AuditVerifier.Run run = verifier.start();
        reader.readAll(run::addStored);
        AuditVerification result = run.finish();
        ctx.json(AuditJson.verification(result));
    }

    private static long number(Context ctx, String name, long fallback, long min, long max) {
        String text = ctx.queryParam(name);
        if (text == null || text.isEmpty()) {
            return fallback;
        }
        try {
            long value = Long.parseLong(text);
            if (value >= min && value <= max) {
                return value;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiError.badRequest("invalid_paging", name + " must be a whole number from " + min + " to "
                + (max == Long.MAX_VALUE ? "any" : Long.toString(max)));
    }
}
